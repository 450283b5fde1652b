using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Goodbye (RFC 3550 §6.6), read in place from a validated <see cref="RtcpPacket"/>.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           SSRC/CSRC                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :                              ...                              :
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |     length    |               reason for leaving            ...   (optional)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct RtcpBye
{
    private readonly ReadOnlySpan<byte> _sources;

    private RtcpBye(ReadOnlySpan<byte> sources, ReadOnlySpan<byte> reason)
    {
        _sources = sources;
        Reason = reason;
    }

    public int Count => _sources.Length / 4;

    /// <summary>The UTF-8 reason for leaving; empty when none was given.</summary>
    public ReadOnlySpan<byte> Reason { get; }

    public uint GetSsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_sources[(index * 4)..]);
    }

    public static bool TryParse(in RtcpPacket packet, out RtcpBye bye)
    {
        bye = default;
        var body = packet.Body;
        int sources = packet.Count * 4;
        if (packet.Type != RtcpPacketType.Bye || body.Length < sources)
        {
            return false;
        }

        var reason = ReadOnlySpan<byte>.Empty;
        if (body.Length > sources)
        {
            int length = body[sources];
            if (sources + 1 + length > body.Length)
            {
                return false;
            }

            reason = body.Slice(sources + 1, length);
        }

        bye = new RtcpBye(body[..sources], reason);
        return true;
    }

    public static int GetSize(int sources, int reasonBytes) =>
        RtcpPacket.HeaderSize + (4 * sources) + (reasonBytes == 0 ? 0 : (1 + reasonBytes + 3) & ~3);

    /// <returns>The number of bytes written.</returns>
    public static int Write(Span<byte> destination, ReadOnlySpan<uint> ssrcs, ReadOnlySpan<byte> reason = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ssrcs.Length, 31, nameof(ssrcs));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reason.Length, 255, nameof(reason));
        int size = GetSize(ssrcs.Length, reason.Length);
        destination = destination[..size];
        RtcpPacket.WriteHeader(destination, ssrcs.Length, RtcpPacketType.Bye, size);
        int offset = RtcpPacket.HeaderSize;
        foreach (uint ssrc in ssrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], ssrc);
            offset += 4;
        }

        if (!reason.IsEmpty)
        {
            destination[offset] = (byte)reason.Length;
            reason.CopyTo(destination[(offset + 1)..]);
            destination[(offset + 1 + reason.Length)..].Clear();
        }

        return size;
    }
}
