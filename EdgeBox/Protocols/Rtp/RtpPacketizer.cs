using System.Buffers;
using EdgeBox.Media;

namespace EdgeBox.Protocols.Rtp;

/// <summary>Receives the RTP packets a packetizer writes; the span is valid during the call only.</summary>
internal interface IRtpPacketSink
{
    void OnRtpPacket(ReadOnlySpan<byte> packet);
}

/// <summary>
/// Turns access units in the canonical form (<see cref="CodecId"/>) into RTP packets of at most
/// <see cref="MaxPacketSize"/> bytes, numbering them in sequence under one SSRC. Not thread-safe.
/// </summary>
internal interface IRtpPacketizer : IDisposable
{
    byte PayloadType { get; }

    uint Ssrc { get; }

    /// <summary>The sequence number the next packet gets.</summary>
    ushort SequenceNumber { get; }

    /// <summary>Whole RTP packet, header included.</summary>
    int MaxPacketSize { get; }

    /// <summary>Packets sent, for the sender info of an RTCP SR (wraps).</summary>
    uint PacketCount { get; }

    /// <summary>Payload octets sent, for the sender info of an RTCP SR (wraps).</summary>
    uint OctetCount { get; }

    /// <summary>Writes the packets of one access unit, all with <paramref name="timestamp"/>.</summary>
    /// <returns>False, with nothing written, when the unit is malformed or cannot be carried (too large for the format).</returns>
    bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink);
}

/// <summary>What every packetizer shares: the header fields, the counters, and one pooled packet buffer it builds each packet in.</summary>
internal abstract class RtpPacketizer : IRtpPacketizer
{
    /// <summary>
    /// 1400 bytes of RTP: with IPv6 (40), UDP (8) and room for an SRTP tag or a TURN/RTSP-interleaved
    /// frame header, it stays under the 1500-byte Ethernet MTU (libwebrtc uses 1200, ffmpeg 1472).
    /// </summary>
    public const int DefaultMaxPacketSize = 1400;

    /// <summary>Room for the header and a few bytes of every payload format's own headers.</summary>
    public const int MinMaxPacketSize = RtpHeader.FixedSize + 16;

    private byte[] _packet;

    protected RtpPacketizer(byte payloadType, uint ssrc, ushort initialSequenceNumber, int maxPacketSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadType, 127);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, MinMaxPacketSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPacketSize, ushort.MaxValue);
        PayloadType = payloadType;
        Ssrc = ssrc;
        SequenceNumber = initialSequenceNumber;
        MaxPacketSize = maxPacketSize;
        _packet = ArrayPool<byte>.Shared.Rent(maxPacketSize);
    }

    public byte PayloadType { get; }

    public uint Ssrc { get; }

    public ushort SequenceNumber { get; private set; }

    public int MaxPacketSize { get; }

    public int MaxPayloadSize => MaxPacketSize - RtpHeader.FixedSize;

    public uint PacketCount { get; private set; }

    public uint OctetCount { get; private set; }

    public abstract bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink);

    public void Dispose()
    {
        if (_packet.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_packet);
            _packet = [];
        }
    }

    /// <summary>The payload area of the packet being built (<see cref="MaxPayloadSize"/> bytes).</summary>
    protected Span<byte> Payload => _packet.AsSpan(RtpHeader.FixedSize, MaxPayloadSize);

    /// <summary>Sends the packet whose first <paramref name="payloadLength"/> payload bytes were written into <see cref="Payload"/>.</summary>
    protected void Send(IRtpPacketSink sink, uint timestamp, bool marker, int payloadLength)
    {
        new RtpHeader(PayloadType, SequenceNumber, timestamp, Ssrc, marker).Write(_packet);
        SequenceNumber++;
        PacketCount++;
        OctetCount += (uint)payloadLength;
        sink.OnRtpPacket(_packet.AsSpan(0, RtpHeader.FixedSize + payloadLength));
    }

    /// <summary>Sends <paramref name="prefix"/> followed by <paramref name="data"/> as the payload.</summary>
    protected void Send(IRtpPacketSink sink, uint timestamp, bool marker, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> data)
    {
        var payload = Payload;
        prefix.CopyTo(payload);
        data.CopyTo(payload[prefix.Length..]);
        Send(sink, timestamp, marker, prefix.Length + data.Length);
    }
}

internal static class RtpPacketizers
{
    /// <summary>A packetizer with the usual parameters (AAC as AAC-hbr), or null for a codec without one here.</summary>
    public static IRtpPacketizer? Create(CodecId codec, byte payloadType, uint ssrc, ushort initialSequenceNumber,
        int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize) => codec switch
        {
            CodecId.H264 => new H264Packetizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.H265 => new H265Packetizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.Aac => new AacPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.Opus => new OpusPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.Pcmu or CodecId.Pcma => new G711Packetizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.Mjpeg => new MjpegPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.Vp8 => new Vp8Packetizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.Vp9 => new Vp9Packetizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            CodecId.Av1 => new Av1Packetizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize),
            _ => null,
        };
}
