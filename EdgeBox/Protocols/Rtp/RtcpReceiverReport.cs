using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// A receiver report (RFC 3550 §6.4.2), read in place from a validated <see cref="RtcpPacket"/>.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (RC x 24 bytes)                 |
/// </code>
/// </summary>
internal readonly ref struct RtcpReceiverReport
{
    private readonly ReadOnlySpan<byte> _blocks;

    private RtcpReceiverReport(uint ssrc, int reportCount, ReadOnlySpan<byte> blocks)
    {
        Ssrc = ssrc;
        ReportCount = reportCount;
        _blocks = blocks;
    }

    public uint Ssrc { get; }

    public int ReportCount { get; }

    public RtcpReportBlock GetReportBlock(int index) => RtcpReportBlock.ReadAt(_blocks, ReportCount, index);

    public static bool TryParse(in RtcpPacket packet, out RtcpReceiverReport report)
    {
        var body = packet.Body;
        if (packet.Type != RtcpPacketType.ReceiverReport || body.Length < RtcpPacket.MinimumBodyLength(packet.Type, packet.Count))
        {
            report = default;
            return false;
        }

        report = new RtcpReceiverReport(BinaryPrimitives.ReadUInt32BigEndian(body), packet.Count, body[4..]);
        return true;
    }

    public static int GetSize(int reportCount) => RtcpPacket.HeaderSize + 4 + (reportCount * RtcpReportBlock.Size);

    /// <returns>The number of bytes written. An RR with no blocks is what a receiver that has heard nothing yet sends.</returns>
    public static int Write(Span<byte> destination, uint ssrc, ReadOnlySpan<RtcpReportBlock> blocks = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blocks.Length, 31, nameof(blocks));
        int size = GetSize(blocks.Length);
        destination = destination[..size];
        RtcpPacket.WriteHeader(destination, blocks.Length, RtcpPacketType.ReceiverReport, size);
        BinaryPrimitives.WriteUInt32BigEndian(destination[RtcpPacket.HeaderSize..], ssrc);
        RtcpReportBlock.WriteAll(destination[(RtcpPacket.HeaderSize + 4)..], blocks);
        return size;
    }
}
