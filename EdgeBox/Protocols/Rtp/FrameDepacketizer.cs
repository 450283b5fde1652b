namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// What the VP8 (RFC 7741), VP9 (RFC 9628) and AV1 depacketizers share: one unit (a frame, a picture, a
/// temporal unit) is the payloads of consecutive packets with one timestamp, collected in a pooled buffer,
/// ended by the marker bit or a new timestamp, and dropped whole when damaged.
/// <para>
/// Loss is noticed from the sequence numbers and damages the unit in progress. The unit the packet after a
/// gap belongs to is damaged too, unless that packet says it starts one (<see cref="StartsUnit"/>: VP8's S
/// bit with partition 0, VP9's B bit on the base layer); AV1's aggregation header cannot say so, and there
/// the lost packets may have been the unit's first, as with H.264.
/// </para>
/// </summary>
internal abstract class FrameDepacketizer : IRtpDepacketizer
{
    private bool _pending;          // a unit has started
    private uint _timestamp;
    private bool _damaged;
    private bool _started;          // a packet has been seen: _lastSequence is meaningful
    private ushort _lastSequence;

    protected FrameDepacketizer(int maxUnitSize) => Unit = new AccessUnitBuffer(64 * 1024, maxUnitSize);

    public long DroppedUnits { get; private set; }

    /// <summary>The unit being assembled, in the canonical form.</summary>
    protected AccessUnitBuffer Unit { get; }

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
            _damaged = false;
            Unit.Clear();
            BeginUnit();
            if (gap && !StartsUnit(payload))
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
        Unit.Clear();
        _pending = false;
        _damaged = false;
        _started = false;
        BeginUnit();
    }

    public virtual void Dispose() => Unit.Dispose();

    /// <summary>Whether the unit holds anything (a unit of empty payloads is no unit and is not counted as dropped).</summary>
    protected virtual bool HasData => Unit.Length > 0;

    /// <summary>Forgets the per-unit state of the format (fragments, frame boundaries).</summary>
    protected abstract void BeginUnit();

    /// <summary>Whether this payload says it is the first of a unit, so that packets lost before it were not part of it.</summary>
    protected virtual bool StartsUnit(ReadOnlySpan<byte> payload) => false;

    /// <summary>Reads one RTP payload (non-empty) and appends what it carries to <see cref="Unit"/>, or calls <see cref="Damage"/>.</summary>
    protected abstract void ParsePayload(ReadOnlySpan<byte> payload);

    /// <summary>The unit ended undamaged with <see cref="HasData"/>: completes it (false when it is incomplete after all) and tells whether it is a keyframe.</summary>
    protected abstract bool TryComplete(out bool keyframe);

    /// <summary>The unit in progress is lost: it will be dropped when it ends, and nothing more is collected for it.</summary>
    protected void Damage()
    {
        _damaged = true;
        Unit.Clear();
    }

    private void Finish(IAccessUnitSink sink)
    {
        try
        {
            if (_damaged)
            {
                DroppedUnits++;
            }
            else if (HasData)
            {
                if (TryComplete(out bool keyframe))
                {
                    sink.OnAccessUnit(_timestamp, keyframe, Unit.Span);
                }
                else
                {
                    DroppedUnits++;
                }
            }
        }
        finally
        {
            Unit.Clear();
            _pending = false;
            _damaged = false;
            BeginUnit();
        }
    }
}
