using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Generic NACK (RFC 4585 §6.2.1: PT=RTPFB 205, FMT=1), read in place from a validated <see cref="RtcpPacket"/>.
/// Each FCI entry names a lost packet (PID) and, in the bitmask of following lost packets (BLP), which
/// of the 16 after it are lost too: bit i (least significant first) set means PID + i + 1 is lost.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=1  |   PT=205      |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            PID                |             BLP               |  (one or more)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct RtcpNack
{
    public const int ItemSize = 4;

    private readonly ReadOnlySpan<byte> _items;

    private RtcpNack(RtcpFeedbackHeader header, ReadOnlySpan<byte> items)
    {
        Header = header;
        _items = items;
    }

    public RtcpFeedbackHeader Header { get; }

    /// <summary>PID+BLP entries in the FCI.</summary>
    public int ItemCount => _items.Length / ItemSize;

    /// <summary>The lost sequence numbers in the order the entries give them (<c>foreach</c>, no allocation).</summary>
    public Enumerator GetEnumerator() => new(_items);

    /// <summary>An FCI of at least one whole entry (RFC 4585 §6.2.1: "one or more").</summary>
    public static bool TryParse(in RtcpPacket packet, out RtcpNack nack)
    {
        bool valid = RtcpFeedback.TryReadEntries(packet, RtcpPacketType.TransportFeedback, RtcpFeedback.GenericNack, ItemSize, out var header, out var entries);
        nack = valid ? new RtcpNack(header, entries) : default;
        return valid;
    }

    /// <summary>The size of the NACK <see cref="Write"/> makes of <paramref name="lost"/>.</summary>
    public static int GetSize(ReadOnlySpan<ushort> lost)
    {
        int items = 0;
        for (int index = 0; index < lost.Length; items++)
        {
            NextItem(lost, ref index, out _);
        }

        return RtcpFeedback.HeaderSize + (items * ItemSize);
    }

    /// <summary>
    /// Writes a NACK for <paramref name="lost"/>, sorted in sequence-number order (so 65535 comes before 0
    /// across a wrap). Each entry takes the next lost number as PID and the ones within 16 after it as
    /// BLP bits; duplicates are skipped, and an out-of-order number only costs an extra entry.
    /// </summary>
    /// <returns>The number of bytes written (<see cref="GetSize"/>).</returns>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost)
    {
        ArgumentOutOfRangeException.ThrowIfZero(lost.Length, nameof(lost));
        int size = GetSize(lost);
        var fci = RtcpFeedback.WriteHeader(destination, RtcpPacketType.TransportFeedback, RtcpFeedback.GenericNack, size,
            new RtcpFeedbackHeader(senderSsrc, mediaSsrc));
        int offset = 0;
        for (int index = 0; index < lost.Length; offset += ItemSize)
        {
            ushort pid = NextItem(lost, ref index, out ushort blp);
            BinaryPrimitives.WriteUInt16BigEndian(fci[offset..], pid);
            BinaryPrimitives.WriteUInt16BigEndian(fci[(offset + 2)..], blp);
        }

        return size;
    }

    private static ushort NextItem(ReadOnlySpan<ushort> lost, ref int index, out ushort blp)
    {
        ushort pid = lost[index++];
        blp = 0;
        for (; index < lost.Length; index++)
        {
            int distance = (ushort)(lost[index] - pid); // modulo 2^16: 65535 → 0 is a distance of 1
            if (distance > 16)
            {
                break;
            }

            if (distance > 0)
            {
                blp |= (ushort)(1 << (distance - 1));
            }
        }

        return pid;
    }

    /// <summary>Walks the FCI: each PID, then the numbers its BLP bits name.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _items;
        private int _offset;
        private ushort _pid;
        private int _blp;
        private int _bit;

        internal Enumerator(ReadOnlySpan<byte> items)
        {
            _items = items;
            _bit = 16;
            Current = 0;
        }

        public ushort Current { get; private set; }

        public bool MoveNext()
        {
            while (++_bit < 16)
            {
                if ((_blp & (1 << _bit)) != 0)
                {
                    Current = (ushort)(_pid + _bit + 1);
                    return true;
                }
            }

            if (_offset + ItemSize > _items.Length)
            {
                return false;
            }

            _pid = BinaryPrimitives.ReadUInt16BigEndian(_items[_offset..]);
            _blp = BinaryPrimitives.ReadUInt16BigEndian(_items[(_offset + 2)..]);
            _offset += ItemSize;
            _bit = -1;
            Current = _pid;
            return true;
        }
    }
}
