using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1 for the feedback messages).</summary>
internal enum RtcpPacketType : byte
{
    SenderReport = 200,
    ReceiverReport = 201,
    SourceDescription = 202,
    Bye = 203,
    App = 204,
    TransportFeedback = 205,
    PayloadFeedback = 206,
}

/// <summary>
/// One RTCP packet of a compound packet, sliced without copying. The common header (RFC 3550 §6.4.1):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  count  |      PT       |  length (32-bit words - 1)    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct RtcpPacket
{
    public const int HeaderSize = 4;

    public RtcpPacket(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body)
    {
        Data = data;
        Body = body;
    }

    /// <summary>The whole packet, header and any padding included.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>What follows the 4-byte header, padding removed.</summary>
    public ReadOnlySpan<byte> Body { get; }

    public RtcpPacketType Type => (RtcpPacketType)Data[1];

    /// <summary>The 5-bit count field: report blocks (SR, RR), chunks (SDES), sources (BYE), or subtype (APP, feedback).</summary>
    public int Count => Data[0] & 0x1F;

    public bool Padding => (Data[0] & 0x20) != 0;

    /// <summary>Writes a common header for a packet of <paramref name="totalLength"/> bytes (a multiple of 4).</summary>
    internal static void WriteHeader(Span<byte> destination, int count, RtcpPacketType type, int totalLength)
    {
        destination[0] = (byte)((RtpHeader.Version << 6) | count);
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((totalLength / 4) - 1));
    }

    /// <summary>The minimum body a packet of this type and count needs, so typed readers can index without checks.</summary>
    internal static int MinimumBodyLength(RtcpPacketType type, int count) => type switch
    {
        RtcpPacketType.SenderReport => RtcpSenderReport.FixedBodySize + (count * RtcpReportBlock.Size),
        RtcpPacketType.ReceiverReport => 4 + (count * RtcpReportBlock.Size),
        RtcpPacketType.SourceDescription => count * 8, // SSRC and at least one word of items/terminator
        RtcpPacketType.Bye => count * 4,
        RtcpPacketType.App => 8, // SSRC and a four-letter name
        RtcpPacketType.TransportFeedback or RtcpPacketType.PayloadFeedback => 8, // sender and media SSRC
        _ => 0,
    };
}

/// <summary>
/// Walks the packets of a compound RTCP packet (RFC 3550 §6.1) without allocating. Each packet is checked
/// before it is returned: version 2, a type in the RTCP range (192..223, RFC 5761 §4), a length inside the
/// compound, padding only on the last packet and within it, and a body long enough for its count.
/// Iteration stops at the first bad packet and sets <see cref="Malformed"/> (read it on the reader
/// itself: a <c>foreach</c> works on a copy).
/// </summary>
internal ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _offset;

    public RtcpCompoundReader(ReadOnlySpan<byte> compound)
    {
        _data = compound;
        Current = default;
    }

    public RtcpPacket Current { get; private set; }

    public bool Malformed { get; private set; }

    /// <summary>Offset of the packet after <see cref="Current"/>.</summary>
    public readonly int Consumed => _offset;

    public readonly RtcpCompoundReader GetEnumerator() => this;

    public bool MoveNext()
    {
        var rest = _data[_offset..];
        if (rest.IsEmpty || Malformed)
        {
            return false;
        }

        if (rest.Length < RtcpPacket.HeaderSize || rest[0] >> 6 != RtpHeader.Version || rest[1] is < 192 or > 223)
        {
            return Fail();
        }

        int length = (BinaryPrimitives.ReadUInt16BigEndian(rest[2..]) + 1) * 4;
        if (length > rest.Length)
        {
            return Fail();
        }

        var packet = rest[..length];
        var body = packet[RtcpPacket.HeaderSize..];
        if ((packet[0] & 0x20) != 0)
        {
            // RFC 3550 §6.4.1: padding only on the last packet of the compound; the count includes itself.
            int padding = packet[^1];
            if (length != rest.Length || padding == 0 || padding > body.Length)
            {
                return Fail();
            }

            body = body[..^padding];
        }

        var type = (RtcpPacketType)packet[1];
        if (body.Length < RtcpPacket.MinimumBodyLength(type, packet[0] & 0x1F))
        {
            return Fail();
        }

        Current = new RtcpPacket(packet, body);
        _offset += length;
        return true;
    }

    private bool Fail()
    {
        Malformed = true;
        Current = default;
        return false;
    }

    /// <summary>
    /// The validity check of RFC 3550 Appendix A.2: every packet well formed, lengths adding up to the
    /// whole, and (unless <paramref name="allowReducedSize"/>, RFC 5506) an SR or RR first.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> compound, bool allowReducedSize = false)
    {
        var reader = new RtcpCompoundReader(compound);
        bool first = true;
        while (reader.MoveNext())
        {
            if (first && !allowReducedSize && reader.Current.Type is not (RtcpPacketType.SenderReport or RtcpPacketType.ReceiverReport))
            {
                return false;
            }

            first = false;
        }

        return !reader.Malformed && !first;
    }
}
