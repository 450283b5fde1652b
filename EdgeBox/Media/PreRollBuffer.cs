namespace EdgeBox.Media;

/// <summary>
/// The last <c>preRoll</c> seconds of a path in memory, so an event clip can start before the event
/// (<c>POST /api/v1/paths/{name}/record</c>). It holds whole keyframe groups: it starts at a resume
/// point (a video keyframe, or any unit of an audio-only path) and drops its oldest group only when the
/// next group alone still reaches back <see cref="Window"/>, so it always covers at least the window once
/// the source has run that long. Bounded by bytes as well. Not thread-safe: the path calls it under its
/// lock, on the source's thread. Holds one reference to each unit it keeps.
/// </summary>
internal sealed class PreRollBuffer
{
    private readonly Queue<AccessUnit> _units = new();
    /// <summary>The resume points in <see cref="_units"/>: sequence number and arrival time.</summary>
    private readonly Queue<(long Sequence, long Arrival)> _starts = new();
    private readonly TimeProvider _time;
    private long _next;
    private long _bytes;

    public PreRollBuffer(TimeProvider time) => _time = time;

    public TimeSpan Window { get; set; }

    public long MaxBytes { get; set; } = 64 * 1024 * 1024;

    public int Count => _units.Count;

    public long Bytes => _bytes;

    /// <summary>Keeps a reference to <paramref name="unit"/>, then drops groups that are no longer needed.</summary>
    public void Add(in AccessUnit unit, bool resumePoint, long now)
    {
        if (Window <= TimeSpan.Zero)
        {
            if (_units.Count > 0)
            {
                Clear(); // the path's preRoll was switched off
            }

            return;
        }

        if (_starts.Count == 0 && !resumePoint)
        {
            return; // the buffer starts at a resume point, never mid-group
        }

        if (resumePoint)
        {
            _starts.Enqueue((_next, unit.Arrival));
        }

        _units.Enqueue(unit.AddRef());
        _next++;
        _bytes += unit.Buffer.Length;
        while (_starts.Count >= 2 && (SecondStartAge(now) >= Window || _bytes > MaxBytes))
        {
            _starts.Dequeue();
            long keep = _starts.Peek().Sequence;
            while (_next - _units.Count < keep)
            {
                var old = _units.Dequeue();
                _bytes -= old.Buffer.Length;
                old.Release();
            }
        }
    }

    /// <summary>
    /// New references to the units from the latest resume point at least <paramref name="back"/> old (or the
    /// oldest one, when the buffer does not reach back that far) to the newest.
    /// </summary>
    public List<AccessUnit> Take(TimeSpan back, long now)
    {
        var taken = new List<AccessUnit>();
        if (_starts.Count == 0)
        {
            return taken;
        }

        long from = _starts.Peek().Sequence;
        foreach (var (sequence, arrival) in _starts)
        {
            if (_time.GetElapsedTime(arrival, now) < back)
            {
                break;
            }

            from = sequence;
        }

        long sequenceOf = _next - _units.Count;
        foreach (var unit in _units)
        {
            if (sequenceOf++ >= from)
            {
                taken.Add(unit.AddRef());
            }
        }

        return taken;
    }

    public void Clear()
    {
        while (_units.TryDequeue(out var unit))
        {
            unit.Release();
        }

        _starts.Clear();
        _bytes = 0;
    }

    private TimeSpan SecondStartAge(long now)
    {
        using var e = _starts.GetEnumerator();
        e.MoveNext();
        e.MoveNext();
        return _time.GetElapsedTime(e.Current.Arrival, now);
    }
}
