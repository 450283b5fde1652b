using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>What a transport-wide feedback message says about one transport-wide sequence number.</summary>
/// <param name="Delta">
/// Receive delta in units of 250 µs (<see cref="RtcpTransportFeedback.DeltaUnitMicroseconds"/>): from the
/// reference time for the first received packet of the message, from the previous received packet for the
/// others. Negative when packets arrived out of order; 0 when not received.
/// </param>
internal readonly record struct RtcpPacketReport(ushort SequenceNumber, bool Received, int Delta);

/// <summary>
/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1:
/// PT=RTPFB 205, FMT=15), read in place from a validated <see cref="RtcpPacket"/>. Packet status count
/// symbols, from the base sequence number on, are coded in chunks (<see cref="RtcpTransportFeedbackChunk"/>);
/// then come the receive deltas of the received packets, one byte (small) or two (large, signed) each.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      SSRC of media source                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      base sequence number     |      packet status count      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 reference time                | fb pkt. count |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          packet chunk         |         packet chunk          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                                                               .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         packet chunk          |  recv delta   |  recv delta   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// .                                                               .
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           recv delta          |  recv delta   | zero padding  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The whole message is checked by <see cref="TryParse"/>, so enumerating it cannot fail.
/// </summary>
internal readonly ref struct RtcpTransportFeedback
{
    /// <summary>The unit of receive deltas.</summary>
    public const int DeltaUnitMicroseconds = 250;

    /// <summary>The unit of the reference time.</summary>
    public const int ReferenceTimeUnitMicroseconds = 64_000;

    /// <summary>The reference time is 24 bits and wraps (libwebrtc reads it unsigned, modulo 2^24).</summary>
    public const int ReferenceTimeModulo = 1 << 24;

    internal const int FixedFciSize = 8;

    private readonly ReadOnlySpan<byte> _chunks;
    private readonly ReadOnlySpan<byte> _deltas;

    private RtcpTransportFeedback(RtcpFeedbackHeader header, ReadOnlySpan<byte> fci, int chunkBytes, int deltaBytes, int receivedCount)
    {
        Header = header;
        BaseSequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(fci);
        StatusCount = BinaryPrimitives.ReadUInt16BigEndian(fci[2..]);
        ReferenceTime = (int)(BinaryPrimitives.ReadUInt32BigEndian(fci[4..]) >> 8);
        FeedbackCount = fci[7];
        ReceivedCount = receivedCount;
        _chunks = fci.Slice(FixedFciSize, chunkBytes);
        _deltas = fci.Slice(FixedFciSize + chunkBytes, deltaBytes);
    }

    public RtcpFeedbackHeader Header { get; }

    public ushort BaseSequenceNumber { get; }

    /// <summary>How many sequence numbers, from <see cref="BaseSequenceNumber"/> on, the message reports (at least 1).</summary>
    public int StatusCount { get; }

    /// <summary>24-bit reference time in units of 64 ms, in a time base of the feedback sender's choosing.</summary>
    public int ReferenceTime { get; }

    /// <summary>Counts the feedback messages the sender sent (mod 256), so that lost ones can be noticed.</summary>
    public byte FeedbackCount { get; }

    /// <summary>How many of the reported packets were received.</summary>
    public int ReceivedCount { get; }

    public long ReferenceTimeMicroseconds => (long)ReferenceTime * ReferenceTimeUnitMicroseconds;

    /// <summary>One <see cref="RtcpPacketReport"/> per reported sequence number, in order (<c>foreach</c>, no allocation).</summary>
    public Enumerator GetEnumerator() => new(_chunks, _deltas, BaseSequenceNumber, StatusCount);

    /// <summary>
    /// Reads and checks the whole message. False when the status count is 0 (libwebrtc refuses empty
    /// feedback), the chunks or deltas run past the packet, a reserved symbol is used, or more than the
    /// 3 bytes of zero padding follow the deltas (the count understates what the packet holds).
    /// Symbols beyond the status count in the last chunk are ignored, as the draft's vectors need.
    /// </summary>
    public static bool TryParse(in RtcpPacket packet, out RtcpTransportFeedback feedback)
    {
        feedback = default;
        if (!RtcpFeedback.TryRead(packet, RtcpPacketType.TransportFeedback, RtcpFeedback.TransportWideCc, out var header, out var fci)
            || fci.Length < FixedFciSize + RtcpTransportFeedbackChunk.Size)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(fci[2..]);
        var rest = fci[FixedFciSize..];
        int symbols = 0;
        int offset = 0;
        int deltaBytes = 0;
        int received = 0;
        while (symbols < count)
        {
            if (offset + RtcpTransportFeedbackChunk.Size > rest.Length)
            {
                return false;
            }

            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(rest[offset..]);
            offset += RtcpTransportFeedbackChunk.Size;
            int take = Math.Min(RtcpTransportFeedbackChunk.GetCapacity(chunk), count - symbols);
            symbols += take;
            for (int i = 0; i < take; i++)
            {
                var symbol = RtcpTransportFeedbackChunk.GetSymbol(chunk, i);
                if (symbol == RtcpPacketStatus.Reserved)
                {
                    return false;
                }

                if ((chunk & 0x8000) == 0)
                {
                    // A run: the same symbol throughout, so count it at once.
                    deltaBytes += (int)symbol * take;
                    received += symbol == RtcpPacketStatus.NotReceived ? 0 : take;
                    break;
                }

                deltaBytes += (int)symbol;
                received += symbol == RtcpPacketStatus.NotReceived ? 0 : 1;
            }
        }

        int padding = rest.Length - offset - deltaBytes;
        if (count == 0 || padding is < 0 or > 3)
        {
            return false;
        }

        feedback = new RtcpTransportFeedback(header, fci, offset, deltaBytes, received);
        return true;
    }

    /// <summary>Walks the status symbols and the deltas of the received packets side by side.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _chunks;
        private readonly ReadOnlySpan<byte> _deltas;
        private int _remaining;
        private ushort _sequence;
        private ushort _chunk;
        private int _index;
        private int _left;
        private int _chunkOffset;
        private int _deltaOffset;

        internal Enumerator(ReadOnlySpan<byte> chunks, ReadOnlySpan<byte> deltas, ushort baseSequence, int count)
        {
            _chunks = chunks;
            _deltas = deltas;
            _sequence = baseSequence;
            _remaining = count;
            Current = default;
        }

        public RtcpPacketReport Current { get; private set; }

        public bool MoveNext()
        {
            if (_remaining == 0)
            {
                return false;
            }

            while (_left == 0)
            {
                _chunk = BinaryPrimitives.ReadUInt16BigEndian(_chunks[_chunkOffset..]);
                _chunkOffset += RtcpTransportFeedbackChunk.Size;
                _index = 0;
                _left = Math.Min(RtcpTransportFeedbackChunk.GetCapacity(_chunk), _remaining);
            }

            var symbol = RtcpTransportFeedbackChunk.GetSymbol(_chunk, _index++);
            _left--;
            _remaining--;
            int delta = 0;
            if (symbol == RtcpPacketStatus.SmallDelta)
            {
                delta = _deltas[_deltaOffset++];
            }
            else if (symbol == RtcpPacketStatus.LargeDelta)
            {
                delta = BinaryPrimitives.ReadInt16BigEndian(_deltas[_deltaOffset..]);
                _deltaOffset += 2;
            }

            Current = new RtcpPacketReport(_sequence++, symbol != RtcpPacketStatus.NotReceived, delta);
            return true;
        }
    }
}
