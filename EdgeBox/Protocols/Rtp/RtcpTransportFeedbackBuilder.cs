using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The receiver side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01
/// §3): records when each transport-wide sequence number arrived and writes the feedback messages
/// (<see cref="RtcpTransportFeedback"/>) the sender's bandwidth estimator runs on. One per transport
/// (the sequence numbers are shared by all the streams of a WHIP session's bundle).
/// <para>
/// Arrivals sit in a ring of <see cref="Capacity"/> slots indexed by extended sequence number, so memory
/// is fixed and nothing is allocated per packet. <see cref="Write"/> reports everything from the first
/// unreported number up to the highest received, as much as fits the destination; a packet arriving
/// after its number was reported as lost moves the start back so it is reported again, received, as
/// libwebrtc's RemoteEstimatorProxy does. Numbers that fall out of the ring before being reported are
/// not reported at all: call <see cref="Write"/> often enough (browsers expect feedback every 50–250 ms).
/// Not thread-safe: the session's receive loop owns it.
/// </para>
/// </summary>
internal sealed class RtcpTransportFeedbackBuilder
{
    /// <summary>Sequence numbers remembered: 2048 is about 1 s of a 20 Mbit/s stream of 1200-byte packets, many feedback intervals.</summary>
    public const int DefaultCapacity = 2048;

    /// <summary>Header, fixed FCI and one chunk with one small delta, padded: the least <see cref="Write"/> needs.</summary>
    public const int MinimumPacketSize = RtcpFeedback.HeaderSize + RtcpTransportFeedback.FixedFciSize + 4;

    private const long NotReceived = long.MinValue;

    // Extended sequence numbers start this many cycles up, so that late packets before the first stay positive.
    private const long CycleBase = 1L << 32;

    private readonly long[] _arrivals; // microseconds, or NotReceived
    private readonly long _frequency;
    private readonly uint _senderSsrc;
    private bool _started;
    private long _start; // first extended number not reported yet
    private long _end;   // highest extended number received, plus one
    private byte _feedbackCount;

    /// <param name="timeProvider">Whose timestamps <see cref="OnPacket"/> is given.</param>
    /// <param name="senderSsrc">The SSRC the feedback is sent from (the receiver's own).</param>
    public RtcpTransportFeedbackBuilder(TimeProvider timeProvider, uint senderSsrc, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 0x8000);
        _frequency = timeProvider.TimestampFrequency;
        _senderSsrc = senderSsrc;
        _arrivals = new long[capacity];
    }

    public int Capacity => _arrivals.Length;

    /// <summary>Sequence numbers waiting to be reported (received or not).</summary>
    public int Pending => _started ? (int)(_end - _start) : 0;

    /// <summary>Arrivals ignored: duplicates, and packets older than the ring.</summary>
    public long Ignored { get; private set; }

    /// <summary>Numbers dropped from the ring before they were reported (<see cref="Write"/> was not called often enough).</summary>
    public long Unreported { get; private set; }

    /// <summary>Records that the packet carrying <paramref name="transportSequenceNumber"/> arrived at <paramref name="arrivalTimestamp"/> (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public void OnPacket(ushort transportSequenceNumber, long arrivalTimestamp)
    {
        long arrival = ToMicroseconds(arrivalTimestamp);
        if (!_started)
        {
            _started = true;
            Array.Fill(_arrivals, NotReceived);
            _start = CycleBase + transportSequenceNumber;
            _end = _start + 1;
            _arrivals[Index(_start)] = arrival;
            return;
        }

        long highest = _end - 1;
        long ext = highest + (short)(ushort)(transportSequenceNumber - (ushort)highest);
        if (ext >= _end)
        {
            long oldest = ext - _arrivals.Length + 1;
            for (long e = Math.Max(_end, oldest); e < ext; e++)
            {
                _arrivals[Index(e)] = NotReceived;
            }

            if (_start < oldest)
            {
                Unreported += oldest - _start;
                _start = oldest;
            }

            _end = ext + 1;
        }
        else if (ext <= _end - _arrivals.Length || _arrivals[Index(ext)] != NotReceived)
        {
            Ignored++;
            return;
        }
        else if (ext < _start)
        {
            _start = ext;
        }

        _arrivals[Index(ext)] = arrival;
    }

    /// <summary>
    /// Writes one feedback message (zero-padded to a word, without the P bit, so it may sit anywhere in a
    /// compound packet) for as many pending numbers as fit <paramref name="destination"/>, and marks them
    /// reported. Call again while <see cref="Pending"/> is not 0 to report the rest.
    /// </summary>
    /// <param name="mediaSsrc">
    /// The media source field: the draft leaves it unused (the numbers are transport-wide); libwebrtc puts
    /// the SSRC of one of the media streams there.
    /// </param>
    /// <returns>The number of bytes written; 0 when nothing is pending.</returns>
    public int Write(Span<byte> destination, uint mediaSsrc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MinimumPacketSize, nameof(destination));
        if (Pending == 0)
        {
            return 0;
        }

        // First pass: how many numbers fit, with the chunks libwebrtc would choose for them.
        int limit = Math.Min(destination.Length, RtcpFeedback.MaxPacketSize) & ~3;
        long referenceUs = ReferenceMicroseconds();
        var encoder = default(RtcpTransportFeedbackChunk.Encoder);
        long time = referenceUs;
        int deltaBytes = 0;
        int count = 0;
        while (count < Pending && count < ushort.MaxValue)
        {
            long arrival = _arrivals[Index(_start + count)];
            var symbol = Classify(arrival, ref time, out _);
            if (symbol == RtcpPacketStatus.Reserved)
            {
                break; // a delta beyond ±8 s: the next message starts with a new reference time
            }

            var trial = encoder;
            trial.Add(symbol, default);
            int size = RtcpFeedback.HeaderSize + RtcpTransportFeedback.FixedFciSize
                + (trial.ChunkCount * RtcpTransportFeedbackChunk.Size) + deltaBytes + (int)symbol;
            if (((size + 3) & ~3) > limit)
            {
                break;
            }

            encoder = trial;
            deltaBytes += (int)symbol;
            count++;
        }

        // Second pass: write it.
        int chunkBytes = encoder.ChunkCount * RtcpTransportFeedbackChunk.Size;
        int total = (RtcpFeedback.HeaderSize + RtcpTransportFeedback.FixedFciSize + chunkBytes + deltaBytes + 3) & ~3;
        var fci = RtcpFeedback.WriteHeader(destination, RtcpPacketType.TransportFeedback, RtcpFeedback.TransportWideCc, total,
            new RtcpFeedbackHeader(_senderSsrc, mediaSsrc));
        BinaryPrimitives.WriteUInt16BigEndian(fci, (ushort)_start);
        BinaryPrimitives.WriteUInt16BigEndian(fci[2..], (ushort)count);
        long referenceTime = referenceUs / RtcpTransportFeedback.ReferenceTimeUnitMicroseconds % RtcpTransportFeedback.ReferenceTimeModulo;
        BinaryPrimitives.WriteUInt32BigEndian(fci[4..], ((uint)referenceTime << 8) | _feedbackCount);
        var chunks = fci.Slice(RtcpTransportFeedback.FixedFciSize, chunkBytes);
        var deltas = fci[(RtcpTransportFeedback.FixedFciSize + chunkBytes)..];
        encoder = default;
        time = referenceUs;
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            var symbol = Classify(_arrivals[Index(_start + i)], ref time, out int delta);
            encoder.Add(symbol, chunks);
            if (symbol == RtcpPacketStatus.SmallDelta)
            {
                deltas[offset++] = (byte)delta;
            }
            else if (symbol == RtcpPacketStatus.LargeDelta)
            {
                BinaryPrimitives.WriteInt16BigEndian(deltas[offset..], (short)delta);
                offset += 2;
            }
        }

        encoder.Flush(chunks);
        deltas[offset..].Clear();
        _start += count;
        _feedbackCount++;
        return total;
    }

    /// <summary>Forgets everything (a new transport).</summary>
    public void Reset()
    {
        _started = false;
        _feedbackCount = 0;
    }

    /// <summary>The reference time of the next message: the first received arrival, down to a 64 ms unit (so the first delta is not negative).</summary>
    private long ReferenceMicroseconds()
    {
        for (long e = _start; e < _end; e++)
        {
            long arrival = _arrivals[Index(e)];
            if (arrival != NotReceived)
            {
                return arrival - (arrival % RtcpTransportFeedback.ReferenceTimeUnitMicroseconds);
            }
        }

        return 0; // not reached: the highest number is always received
    }

    /// <summary>
    /// The symbol of an arrival and its delta from <paramref name="time"/> in 250 µs units, rounded. The
    /// running time advances by the rounded delta, not the exact one, so rounding errors do not add up
    /// over a message (what the sender reconstructs is what is tracked here). <see cref="RtcpPacketStatus.Reserved"/>
    /// stands for a delta that does not fit 16 bits.
    /// </summary>
    private static RtcpPacketStatus Classify(long arrival, ref long time, out int delta)
    {
        delta = 0;
        if (arrival == NotReceived)
        {
            return RtcpPacketStatus.NotReceived;
        }

        long difference = arrival - time;
        long units = (difference + (difference >= 0 ? 125 : -125)) / RtcpTransportFeedback.DeltaUnitMicroseconds;
        if (units is < short.MinValue or > short.MaxValue)
        {
            return RtcpPacketStatus.Reserved;
        }

        delta = (int)units;
        time += units * RtcpTransportFeedback.DeltaUnitMicroseconds;
        return units is >= 0 and <= byte.MaxValue ? RtcpPacketStatus.SmallDelta : RtcpPacketStatus.LargeDelta;
    }

    // Split so that a nanosecond clock does not overflow when multiplied.
    private long ToMicroseconds(long timestamp) =>
        (timestamp / _frequency * 1_000_000) + (timestamp % _frequency * 1_000_000 / _frequency);

    private int Index(long ext) => (int)(ext % _arrivals.Length);
}
