using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// AAC over RTP as RFC 3640 mode AAC-hbr (sizeLength=13, indexLength=3, indexDeltaLength=3): one AU per
/// packet behind a 4-byte AU header section (16 bits of header length, then AU-size and AU-Index 0).
/// An AU larger than a packet is fragmented (§3.2.3): every fragment repeats the header with the whole
/// AU's size, and only the last has the marker. AUs of 8192 bytes or more cannot be described.
/// </summary>
internal sealed class AacPacketizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize)
    : RtpPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize)
{
    private const int HeaderSectionSize = 4;
    private const int MaxAuSize = (1 << 13) - 1;

    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (accessUnit.IsEmpty || accessUnit.Length > MaxAuSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSectionSize];
        BinaryPrimitives.WriteUInt16BigEndian(header, 16);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(accessUnit.Length << 3));
        int chunk = MaxPayloadSize - HeaderSectionSize;
        while (!accessUnit.IsEmpty)
        {
            int take = Math.Min(chunk, accessUnit.Length);
            Send(sink, timestamp, take == accessUnit.Length, header, accessUnit[..take]);
            accessUnit = accessUnit[take..];
        }

        return true;
    }
}
