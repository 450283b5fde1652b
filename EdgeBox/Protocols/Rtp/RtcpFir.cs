using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>One FCI entry of a FIR: the source asked for a decoder refresh and the request's command sequence number.</summary>
/// <param name="SequenceNumber">
/// RFC 5104 §4.3.1.1: incremented (mod 256) for each new request to that source, repeated unchanged
/// when the same request is sent again, so the source can tell a repetition from a new request.
/// </param>
internal readonly record struct RtcpFirEntry(uint Ssrc, byte SequenceNumber);

/// <summary>
/// Full Intra Request (RFC 5104 §4.3.1: PT=PSFB 206, FMT=4), read in place from a validated <see cref="RtcpPacket"/>.
/// The media source field is unused (RFC 5104 says 0; some senders put the target there, which is ignored):
/// each FCI entry names a source and carries its own command sequence number.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=4  |   PT=206      |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source (0)                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                              SSRC                             |  (one or more)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Seq nr.       |    Reserved                                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct RtcpFir
{
    public const int EntrySize = 8;

    private readonly ReadOnlySpan<byte> _entries;

    private RtcpFir(RtcpFeedbackHeader header, ReadOnlySpan<byte> entries)
    {
        Header = header;
        _entries = entries;
    }

    public RtcpFeedbackHeader Header { get; }

    public int Count => _entries.Length / EntrySize;

    public RtcpFirEntry GetEntry(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        var entry = _entries[(index * EntrySize)..];
        return new RtcpFirEntry(BinaryPrimitives.ReadUInt32BigEndian(entry), entry[4]);
    }

    /// <summary>Finds the request addressed to <paramref name="ssrc"/> (a FIR may ask several sources at once).</summary>
    public bool TryFind(uint ssrc, out byte sequenceNumber)
    {
        for (int i = 0; i < Count; i++)
        {
            var entry = GetEntry(i);
            if (entry.Ssrc == ssrc)
            {
                sequenceNumber = entry.SequenceNumber;
                return true;
            }
        }

        sequenceNumber = 0;
        return false;
    }

    public static bool TryParse(in RtcpPacket packet, out RtcpFir fir)
    {
        bool valid = RtcpFeedback.TryReadEntries(packet, RtcpPacketType.PayloadFeedback, RtcpFeedback.FullIntraRequest, EntrySize, out var header, out var entries);
        fir = valid ? new RtcpFir(header, entries) : default;
        return valid;
    }

    public static int GetSize(int entries) => RtcpFeedback.HeaderSize + (entries * EntrySize);

    /// <returns>The number of bytes written.</returns>
    public static int Write(Span<byte> destination, uint senderSsrc, ReadOnlySpan<RtcpFirEntry> entries)
    {
        ArgumentOutOfRangeException.ThrowIfZero(entries.Length, nameof(entries));
        int size = GetSize(entries.Length);
        var fci = RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadFeedback, RtcpFeedback.FullIntraRequest, size,
            new RtcpFeedbackHeader(senderSsrc, 0));
        foreach (var entry in entries)
        {
            BinaryPrimitives.WriteUInt32BigEndian(fci, entry.Ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(fci[4..], (uint)entry.SequenceNumber << 24); // reserved bits are 0
            fci = fci[EntrySize..];
        }

        return size;
    }
}
