using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// What H.264 (RFC 6184) and H.265 (RFC 7798) depacketizing share: collecting the NAL units of one
/// access unit as 4-byte length-prefixed units in a pooled buffer, reassembling fragmentation units,
/// ending the unit at the marker bit or when the timestamp changes, and dropping a unit whole when it
/// is damaged.
/// <para>
/// Loss is noticed from the sequence numbers. A gap damages the unit in progress, and also the unit the
/// packet after the gap belongs to, since the missing packets may have been its beginning: when the
/// marker of the previous unit was seen, they can only belong to the next one; when it was not, they
/// may be either's. Decoders are better served by a missing picture than a picture missing slices.
/// The first packet after creation or <see cref="Reset"/> is taken as a unit's start (a fragment without
/// its start is caught; a receiver that joins between two slices of one picture gets that picture
/// partial, as with any RTP receiver, until the next marker).
/// </para>
/// </summary>
internal abstract class NalUnitDepacketizer : IRtpDepacketizer
{
    private readonly AccessUnitBuffer _unit;
    private bool _pending;          // a unit has started
    private uint _timestamp;
    private bool _damaged;
    private bool _keyframe;
    private int _fragmentPrefix = -1; // position of the length prefix of the NAL unit being reassembled
    private bool _started;          // a packet has been seen: _lastSequence is meaningful
    private ushort _lastSequence;

    protected NalUnitDepacketizer(int maxUnitSize) => _unit = new AccessUnitBuffer(64 * 1024, maxUnitSize);

    public long DroppedUnits { get; private set; }

    public void Push(in RtpHeader header, ReadOnlySpan<byte> payload, IAccessUnitSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        bool gap = _started && header.SequenceNumber != (ushort)(_lastSequence + 1);
        _started = true;
        _lastSequence = header.SequenceNumber;
        if (gap && _pending)
        {
            Damage();
        }

        if (_pending && header.Timestamp != _timestamp)
        {
            Finish(sink);
        }

        if (!_pending)
        {
            _pending = true;
            _timestamp = header.Timestamp;
            _keyframe = false;
            _damaged = false;
            if (gap)
            {
                Damage();
            }
        }

        if (!_damaged && !payload.IsEmpty)
        {
            ParsePayload(payload);
        }

        if (header.Marker)
        {
            Finish(sink);
        }
    }

    public void Reset()
    {
        _unit.Clear();
        _pending = false;
        _damaged = false;
        _fragmentPrefix = -1;
        _started = false;
    }

    public void Dispose() => _unit.Dispose();

    /// <summary>Size of the NAL unit header: 1 for H.264, 2 for H.265.</summary>
    protected abstract int NalHeaderSize { get; }

    /// <summary>Reads one RTP payload (non-empty) and appends what it carries, or calls <see cref="Damage"/>.</summary>
    protected abstract void ParsePayload(ReadOnlySpan<byte> payload);

    /// <summary>Whether a NAL unit with this header makes the unit a random access point.</summary>
    protected abstract bool IsKeyframe(ReadOnlySpan<byte> nalHeader);

    /// <summary>The unit in progress is lost: it will be dropped when it ends, and nothing more is collected for it.</summary>
    protected void Damage()
    {
        _damaged = true;
        _fragmentPrefix = -1;
        _unit.Clear();
    }

    /// <summary>Appends a whole NAL unit (a single NAL unit packet, or one out of an aggregation packet).</summary>
    protected void AppendNalUnit(ReadOnlySpan<byte> nal)
    {
        if (_fragmentPrefix >= 0)
        {
            Damage(); // a new NAL unit while a fragmented one never got its end
            return;
        }

        int prefix = _unit.TryReserveLengthPrefix();
        if (prefix < 0 || !_unit.TryAppend(nal))
        {
            Damage();
            return;
        }

        _unit.CompleteLengthPrefix(prefix);
        _keyframe |= IsKeyframe(nal);
    }

    /// <summary>
    /// The NAL units of an aggregation packet (STAP-A, AP) after its payload header, each behind a 16-bit
    /// size. A size shorter than a NAL unit header or running past the packet damages the unit.
    /// </summary>
    protected void AppendAggregated(ReadOnlySpan<byte> units)
    {
        while (!units.IsEmpty)
        {
            int size = units.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(units) : 0;
            if (size < NalHeaderSize || 2 + size > units.Length)
            {
                Damage();
                return;
            }

            AppendNalUnit(units.Slice(2, size));
            units = units[(2 + size)..];
        }
    }

    /// <summary>One fragmentation unit (FU-A, FU): <paramref name="nalHeader"/> is the header rebuilt from it, used on a start.</summary>
    protected void AppendFragment(bool start, bool end, ReadOnlySpan<byte> nalHeader, ReadOnlySpan<byte> data)
    {
        if (start && end)
        {
            Damage(); // RFC 6184 §5.8, RFC 7798 §4.4.3: a whole NAL unit must not travel as one fragment
        }
        else if (start)
        {
            StartFragment(nalHeader, data);
        }
        else
        {
            ContinueFragment(data, end);
        }
    }

    private void StartFragment(ReadOnlySpan<byte> nalHeader, ReadOnlySpan<byte> data)
    {
        if (_fragmentPrefix >= 0)
        {
            Damage(); // the previous fragmented NAL unit never got its end
            return;
        }

        int prefix = _unit.TryReserveLengthPrefix();
        if (prefix < 0 || !_unit.TryAppend(nalHeader) || !_unit.TryAppend(data))
        {
            Damage();
            return;
        }

        _fragmentPrefix = prefix;
        _keyframe |= IsKeyframe(nalHeader);
    }

    private void ContinueFragment(ReadOnlySpan<byte> data, bool end)
    {
        if (_fragmentPrefix < 0 || !_unit.TryAppend(data))
        {
            Damage(); // no start fragment (it was lost, or we joined mid-unit), or oversize
            return;
        }

        if (end)
        {
            _unit.CompleteLengthPrefix(_fragmentPrefix);
            _fragmentPrefix = -1;
        }
    }

    private void Finish(IAccessUnitSink sink)
    {
        if (_fragmentPrefix >= 0)
        {
            Damage(); // ended inside a fragmented NAL unit
        }

        try
        {
            if (_damaged)
            {
                DroppedUnits++;
            }
            else if (_unit.Length > 0)
            {
                sink.OnAccessUnit(_timestamp, _keyframe, _unit.Span);
            }
        }
        finally
        {
            _unit.Clear();
            _pending = false;
            _damaged = false;
        }
    }
}
