namespace EdgeBox.Inference;

/// <summary>One object followed across pictures by <see cref="ObjectTracker"/>.</summary>
internal sealed class TrackedObject(long id, int label, long firstSeen)
{
    public long Id { get; } = id;

    public int Label { get; } = label;

    public long FirstSeen { get; } = firstSeen;

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the last picture it was in.</summary>
    public long LastSeen { get; set; } = firstSeen;

    /// <summary>Pictures it was matched in.</summary>
    public int Hits { get; set; }

    public Detection Last { get; set; }

    /// <summary>Whether it was matched in the picture of the last update.</summary>
    public bool SeenNow { get; set; }

    /// <summary>What the owner keeps for it (its event).</summary>
    public object? State { get; set; }
}

/// <summary>
/// A simple IoU tracker: each detection is matched to the live object of the same label whose last box
/// overlaps it most (at least <see cref="MinIou"/>), greedily from the highest overlap; the rest start
/// new objects. An object not matched for <c>lostAfter</c> is dropped. Enough for events at a few
/// pictures per second, where boxes of one object overlap from picture to picture.
/// </summary>
internal sealed class ObjectTracker(TimeProvider time, TimeSpan lostAfter)
{
    public const float MinIou = 0.2f;

    private readonly List<TrackedObject> _objects = [];
    private readonly List<(float Iou, int Object, int Detection)> _pairs = [];
    private long _nextId = 1;

    public IReadOnlyList<TrackedObject> Objects => _objects;

    /// <summary>Matches the detections of one picture (taken at <paramref name="now"/>); <paramref name="lost"/> receives the objects that left.</summary>
    public void Update(IReadOnlyList<Detection> detections, long now, List<TrackedObject> lost)
    {
        foreach (var o in _objects)
        {
            o.SeenNow = false;
        }

        _pairs.Clear();
        for (int i = 0; i < _objects.Count; i++)
        {
            for (int j = 0; j < detections.Count; j++)
            {
                if (_objects[i].Label == detections[j].Class && _objects[i].Last.Box.Iou(detections[j].Box) is var iou && iou >= MinIou)
                {
                    _pairs.Add((iou, i, j));
                }
            }
        }

        _pairs.Sort(static (a, b) => b.Iou.CompareTo(a.Iou));
        Span<bool> used = detections.Count <= 256 ? stackalloc bool[detections.Count] : new bool[detections.Count];
        foreach (var (_, i, j) in _pairs)
        {
            var o = _objects[i];
            if (o.SeenNow || used[j])
            {
                continue;
            }

            used[j] = true;
            o.SeenNow = true;
            o.Last = detections[j];
            o.LastSeen = now;
            o.Hits++;
        }

        for (int j = 0; j < detections.Count; j++)
        {
            if (!used[j])
            {
                _objects.Add(new TrackedObject(_nextId++, detections[j].Class, now) { Last = detections[j], Hits = 1, SeenNow = true });
            }
        }

        for (int i = _objects.Count - 1; i >= 0; i--)
        {
            if (!_objects[i].SeenNow && time.GetElapsedTime(_objects[i].LastSeen, now) >= lostAfter)
            {
                lost.Add(_objects[i]);
                _objects.RemoveAt(i);
            }
        }
    }

    /// <summary>Drops every object (the stream stopped); they go to <paramref name="lost"/>.</summary>
    public void Clear(List<TrackedObject> lost)
    {
        lost.AddRange(_objects);
        _objects.Clear();
    }
}
