using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>The sender info of an SR: when (wallclock and RTP clock) and how much was sent.</summary>
/// <param name="NtpTimestamp">64-bit NTP timestamp (<see cref="NtpTime"/>).</param>
/// <param name="RtpTimestamp">The same instant on the RTP clock of the stream.</param>
/// <param name="PacketCount">RTP data packets sent since the start (wraps).</param>
/// <param name="OctetCount">Payload octets sent since the start, headers and padding excluded (wraps).</param>
internal readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount);

/// <summary>
/// A sender report (RFC 3550 §6.4.1), read in place from a validated <see cref="RtcpPacket"/>.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         SSRC of sender                        |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |              NTP timestamp, most significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             NTP timestamp, least significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP timestamp                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     sender's packet count                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      sender's octet count                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (RC x 24 bytes)                 |
/// </code>
/// </summary>
internal readonly ref struct RtcpSenderReport
{
    /// <summary>Sender SSRC and sender info.</summary>
    internal const int FixedBodySize = 24;

    private readonly ReadOnlySpan<byte> _blocks;

    private RtcpSenderReport(uint ssrc, RtcpSenderInfo info, int reportCount, ReadOnlySpan<byte> blocks)
    {
        Ssrc = ssrc;
        Info = info;
        ReportCount = reportCount;
        _blocks = blocks;
    }

    public uint Ssrc { get; }

    public RtcpSenderInfo Info { get; }

    public int ReportCount { get; }

    public RtcpReportBlock GetReportBlock(int index) => RtcpReportBlock.ReadAt(_blocks, ReportCount, index);

    /// <summary>Reads an SR from a packet the <see cref="RtcpCompoundReader"/> returned (its length is already checked).</summary>
    public static bool TryParse(in RtcpPacket packet, out RtcpSenderReport report)
    {
        var body = packet.Body;
        if (packet.Type != RtcpPacketType.SenderReport || body.Length < RtcpPacket.MinimumBodyLength(packet.Type, packet.Count))
        {
            report = default;
            return false;
        }

        var info = new RtcpSenderInfo(
            BinaryPrimitives.ReadUInt64BigEndian(body[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(body[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(body[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(body[20..]));
        report = new RtcpSenderReport(BinaryPrimitives.ReadUInt32BigEndian(body), info, packet.Count, body[FixedBodySize..]);
        return true;
    }

    public static int GetSize(int reportCount) => RtcpPacket.HeaderSize + FixedBodySize + (reportCount * RtcpReportBlock.Size);

    /// <returns>The number of bytes written.</returns>
    public static int Write(Span<byte> destination, uint ssrc, in RtcpSenderInfo info, ReadOnlySpan<RtcpReportBlock> blocks = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blocks.Length, 31, nameof(blocks));
        int size = GetSize(blocks.Length);
        destination = destination[..size];
        RtcpPacket.WriteHeader(destination, blocks.Length, RtcpPacketType.SenderReport, size);
        var body = destination[RtcpPacket.HeaderSize..];
        BinaryPrimitives.WriteUInt32BigEndian(body, ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(body[4..], info.NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(body[12..], info.RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(body[16..], info.PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(body[20..], info.OctetCount);
        RtcpReportBlock.WriteAll(body[FixedBodySize..], blocks);
        return size;
    }
}
