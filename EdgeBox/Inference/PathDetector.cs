using EdgeBox.Codecs;
using EdgeBox.Configuration;
using EdgeBox.Events;

namespace EdgeBox.Inference;

/// <summary>
/// What a path's detection has done, for the API, the console and the metrics. Per picture: inference
/// is the model run; prepare is the worker's work before it (download, scale into the staging buffer,
/// write the tensor); post is after it (decode the outputs, filter, track, events).
/// </summary>
internal sealed record DetectorStatus(
    string Path,
    string Model,
    string State,
    string? Error,
    string? Provider,
    double Fps,
    long Sampled,
    long Inferences,
    long Skipped,
    long Detections,
    long Events,
    int Objects,
    double LastInferenceMs,
    double AverageInferenceMs,
    double AveragePrepareMs,
    double AveragePostMs)
{
    /// <summary>The path's effective <c>detect</c> settings, so a client can show and send them back whole.</summary>
    public DetectSettings? Settings { get; init; }
}

/// <summary>A path's <c>detect</c> settings as the API shows them (keys as in the YAML file; durations in seconds).</summary>
internal sealed record DetectSettings(
    string Model,
    double Fps,
    float Threshold,
    IReadOnlyList<string> Labels,
    IReadOnlyList<DetectZone> Zones,
    IReadOnlyList<DetectZone> Masks,
    float MinArea,
    int MaxDetections,
    int MinFrames,
    double LostAfterSeconds,
    double MaxEventDurationSeconds,
    bool Record,
    double ClipDurationSeconds,
    bool Annotate)
{
    public static DetectSettings From(DetectConfig c) => new(c.Model, c.Fps, c.Threshold, [.. c.Labels], [.. c.Zones.Select(DetectZone.From)],
        [.. c.Masks.Select(DetectZone.From)], c.MinArea, c.MaxDetections, c.MinFrames, c.LostAfter.TotalSeconds, c.MaxEventDuration.TotalSeconds, c.Record,
        c.ClipDuration.TotalSeconds, c.Annotate);
}

/// <summary>A zone or mask: its name and its points as [x, y] pairs.</summary>
internal sealed record DetectZone(string Name, IReadOnlyList<float[]> Points)
{
    public static DetectZone From(Zone z) => new(z.Name, [.. Enumerable.Range(0, z.Points.Count / 2).Select(i => new[] { z.Points[2 * i], z.Points[(2 * i) + 1] })]);
}

/// <summary>
/// One path's detection: takes pictures from the path's shared decoder at <see cref="DetectConfig.Fps"/>
/// into a one-picture mailbox (a newer picture replaces one the model has not taken yet: that one is
/// skipped and counted, so a slow model never slows the decoder, the source or the readers), then
/// turns the model's detections into tracked objects and events.
/// </summary>
internal sealed partial class PathDetector : IDisposable
{
    private readonly TimeProvider _time;
    private readonly EventBus _events;
    private readonly DetectionSnapshots _snapshots;
    private readonly Func<string, DetectConfig, CancellationToken, Task<long?>> _startClip;
    private readonly ILogger _logger;
    private readonly ObjectTracker _tracker;
    private readonly List<Detection> _wanted = [];
    private readonly List<TrackedObject> _lost = [];
    private readonly long _interval;
    private readonly Lock _gate = new();
    private MediaFrame? _pending;
    private long _nextDue;
    private IDisposable? _subscription;
    private long _sampled, _skipped, _inferences, _detections, _eventCount;
    private double _lastMs, _totalMs, _prepareMs, _postMs;
    private int _objects;

    public PathDetector(string path, DetectConfig config, TimeProvider time, EventBus events, DetectionSnapshots snapshots,
        Func<string, DetectConfig, CancellationToken, Task<long?>> startClip, ILogger logger)
    {
        Path = path;
        Config = config;
        _time = time;
        _events = events;
        _snapshots = snapshots;
        _startClip = startClip;
        _logger = logger;
        _tracker = new ObjectTracker(time, config.LostAfter);
        _interval = (long)(time.TimestampFrequency / config.Fps);
    }

    public string Path { get; }

    public DetectConfig Config { get; }

    /// <summary>Set by the model's worker: woken when a picture waits.</summary>
    public Action? Wake { get; set; }

    /// <summary>Starts taking pictures from <paramref name="decoder"/>.</summary>
    public void Attach(PathDecoder decoder) => _subscription = decoder.Subscribe(OnFrame);

    /// <summary>The decoder's callback: cheap (a reference and a swap), never waits for the model.</summary>
    internal void OnFrame(MediaFrame frame, bool live)
    {
        long now = _time.GetTimestamp();
        if (now + (_interval / 4) < _nextDue)
        {
            return;
        }

        // Keep the average at fps (the next picture is due one interval after the last one was due); after a
        // pause (or at the first picture) count from now instead of catching up with a burst.
        _nextDue = _nextDue + _interval < now ? now + _interval : _nextDue + _interval;
        var clone = frame.Clone();
        MediaFrame? replaced;
        lock (_gate)
        {
            replaced = _pending;
            _pending = clone;
        }

        Interlocked.Increment(ref _sampled);
        if (replaced is not null)
        {
            Interlocked.Increment(ref _skipped);
            replaced.Dispose();
        }

        Wake?.Invoke();
    }

    /// <summary>The waiting picture, if any (the worker owns it then).</summary>
    public MediaFrame? Take()
    {
        lock (_gate)
        {
            var frame = _pending;
            _pending = null;
            return frame;
        }
    }

    /// <summary>
    /// The model's answer for <paramref name="frame"/>: filtered by label, area, masks and zones,
    /// tracked, and turned into events. Runs on the model's worker.
    /// </summary>
    public void OnDetections(MediaFrame frame, IReadOnlyList<Detection> detections, ModelAdapter adapter, string model, double milliseconds)
    {
        Interlocked.Increment(ref _inferences);
        _lastMs = milliseconds;
        _totalMs += milliseconds;
        _lastRun = _time.GetTimestamp();
        _wanted.Clear();
        foreach (var d in detections)
        {
            var box = d.Box.Clamp();
            if (box.Area <= 0 || box.Area < Config.MinArea || !Wanted(adapter.Label(d.Class)) || Masked(box))
            {
                continue;
            }

            if (Config.Zones.Count > 0 && ZoneOf(box) is null)
            {
                continue;
            }

            _wanted.Add(d with { Box = box });
        }

        Interlocked.Add(ref _detections, _wanted.Count);
        if (Config.Annotate)
        {
            Volatile.Write(ref _latest, new LatestDetections([.. _wanted], _time.GetTimestamp())); // for <path>/annotated only
        }
        long now = _time.GetTimestamp();
        _lost.Clear();
        _tracker.Update(_wanted, now, _lost);
        foreach (var o in _tracker.Objects)
        {
            var state = o.State as ObjectEvent;
            if (state is null && o.Hits >= Config.MinFrames)
            {
                o.State = state = Start(o, frame, adapter, model);
            }
            else if (state is { Ended: false } && o.SeenNow)
            {
                state.Seen(o.Last, frame, _snapshots);
                if (_time.GetElapsedTime(state.StartedAt, now) >= Config.MaxEventDuration)
                {
                    End(state, "lasted maxEventDuration");
                }
            }
        }

        foreach (var o in _lost)
        {
            if (o.State is ObjectEvent { Ended: false } state)
            {
                End(state, "left");
            }
        }

        Volatile.Write(ref _objects, _tracker.Objects.Count);
    }

    private long _lastRun;
    private LatestDetections _latest = new([], 0);

    private sealed record LatestDetections(Detection[] Boxes, long At);

    /// <summary>The detections of the last picture, or null when they are more than a second old (for the annotated path).</summary>
    public IReadOnlyList<Detection>? Latest()
    {
        var (boxes, at) = Volatile.Read(ref _latest);
        return at != 0 && _time.GetElapsedTime(at) < TimeSpan.FromSeconds(1) ? boxes : null;
    }

    /// <summary>
    /// Called by the worker when it is idle: with no picture for <see cref="DetectConfig.LostAfter"/>
    /// (the stream stopped or stalled), every object has left.
    /// </summary>
    public void Tick()
    {
        if (_tracker.Objects.Count > 0 && _time.GetElapsedTime(_lastRun) >= Config.LostAfter)
        {
            Reset();
        }
    }

    /// <summary>The stream stopped: every open event ends.</summary>
    public void Reset()
    {
        _lost.Clear();
        _tracker.Clear(_lost);
        foreach (var o in _lost)
        {
            if (o.State is ObjectEvent { Ended: false } state)
            {
                End(state, "the stream stopped");
            }
        }

        Volatile.Write(ref _objects, 0);
    }

    private bool Wanted(string label) => Config.Labels.Count == 0 || Config.Labels.Contains(label, StringComparer.Ordinal);

    private bool Masked(BoundingBox box) => Config.Masks.Any(m => m.Contains(box.CenterX, box.CenterY));

    /// <summary>The zone the object stands in: its box's bottom centre.</summary>
    private string? ZoneOf(BoundingBox box) => Config.Zones.FirstOrDefault(z => z.Contains(box.CenterX, box.Y2))?.Name;

    private ObjectEvent Start(TrackedObject o, MediaFrame frame, ModelAdapter adapter, string model)
    {
        string label = adapter.Label(o.Label);
        var d = o.Last;
        string? zone = Config.Zones.Count > 0 ? ZoneOf(d.Box) : null;
        var started = _time.GetUtcNow();
        var item = new EdgeBoxEvent(0, started, EventTypes.Detection, Path, null,
            $"{label} detected{(zone is null ? "" : " in " + zone)} (score {d.Score:0.00})")
        {
            Detection = new DetectionInfo(label, d.Score, zone, d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2, started, null, o.Id, model, Snapshot: false, ClipId: null),
        };
        item = _events.Publish(item);
        Interlocked.Increment(ref _eventCount);
        Log.EventStarted(_logger, Path, label, d.Score, item.Id);
        var state = new ObjectEvent(this, item, _time.GetTimestamp());
        state.Seen(d, frame, _snapshots, first: true);
        if (Config.Record)
        {
            _ = state.RecordAsync();
        }

        return state;
    }

    private void End(ObjectEvent state, string why)
    {
        state.Ended = true;
        state.Finish(_time.GetUtcNow());
        Log.EventEnded(_logger, Path, state.Event.Detection!.Label, state.Event.Id, why);
    }

    public DetectorStatus Status(string state, string? error, string? provider)
    {
        long inferences = Interlocked.Read(ref _inferences);
        return new DetectorStatus(Path, Config.Model, state, error, provider, Config.Fps, Interlocked.Read(ref _sampled), inferences,
            Interlocked.Read(ref _skipped), Interlocked.Read(ref _detections), Interlocked.Read(ref _eventCount), Volatile.Read(ref _objects),
            Math.Round(_lastMs, 2), Average(_totalMs, inferences), Average(_prepareMs, inferences), Average(_postMs, inferences))
        {
            Settings = DetectSettings.From(Config),
        };
    }

    private static double Average(double totalMs, long count) => count == 0 ? 0 : Math.Round(totalMs / count, 2);

    /// <summary>The worker's own time around the model run for one picture (see <see cref="DetectorStatus"/>).</summary>
    public void Timed(double prepareMs, double postMs)
    {
        _prepareMs += prepareMs;
        _postMs += postMs;
    }

    /// <summary>Counts a picture the worker could not run (the model is not loaded).</summary>
    public void Dropped() => Interlocked.Increment(ref _skipped);

    public void Dispose()
    {
        _subscription?.Dispose();
        Take()?.Dispose();
        Reset();
    }

    /// <summary>The event of one tracked object: its best picture so far, and what is stored for it.</summary>
    private sealed class ObjectEvent(PathDetector owner, EdgeBoxEvent item, long startedAt)
    {
        private readonly Lock _gate = new();
        private Detection _best;
        private bool _snapshotPending;

        public EdgeBoxEvent Event { get; private set; } = item;

        public long StartedAt { get; } = startedAt;

        public bool Ended { get; set; }

        /// <summary>A sighting: a better score than the best so far (by a margin) makes this picture the snapshot.</summary>
        public void Seen(Detection d, MediaFrame frame, DetectionSnapshots snapshots, bool first = false)
        {
            if (!first && d.Score < _best.Score + 0.02f)
            {
                return;
            }

            _best = d;
            lock (_gate)
            {
                Event = Event with
                {
                    Detection = Event.Detection! with { Score = d.Score, X1 = d.Box.X1, Y1 = d.Box.Y1, X2 = d.Box.X2, Y2 = d.Box.Y2 },
                };
            }

            if (Event.Id <= 0 || _snapshotPending)
            {
                return; // one snapshot at a time per event; the next better sighting takes the next turn
            }

            _snapshotPending = true;
            snapshots.Write(Event.Id, frame, d.Box, stored =>
            {
                _snapshotPending = false;
                if (stored)
                {
                    // The stored picture is of the best sighting so far: its score and box are saved with it.
                    Update(e => e with { Detection = e.Detection! with { Snapshot = true } });
                }
            });
        }

        public async Task RecordAsync()
        {
            try
            {
                long? clip = await owner._startClip(owner.Path, owner.Config, CancellationToken.None).ConfigureAwait(false);
                if (clip is not null)
                {
                    Update(e => e with { Detection = e.Detection! with { ClipId = clip } });
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or LiteDB.LiteException)
            {
                Log.ClipFailed(owner._logger, owner.Path, ex.Message);
            }
        }

        public void Finish(DateTimeOffset end) => Update(e => e with { Detection = e.Detection! with { End = end } });

        private void Update(Func<EdgeBoxEvent, EdgeBoxEvent> change)
        {
            EdgeBoxEvent updated;
            lock (_gate)
            {
                updated = Event = change(Event);
            }

            owner._events.Update(updated);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.DetectionStarted, EventName = "DetectionStarted", Level = LogLevel.Information,
            Message = "Path {Path}: {Label} detected (score {Score:0.00}), event {Id}")]
        public static partial void EventStarted(ILogger logger, string path, string label, float score, long id);

        [LoggerMessage(EventId = Infrastructure.EventIds.DetectionEnded, EventName = "DetectionEnded", Level = LogLevel.Debug,
            Message = "Path {Path}: {Label} event {Id} ended: {Why}")]
        public static partial void EventEnded(ILogger logger, string path, string label, long id, string why);

        [LoggerMessage(EventId = Infrastructure.EventIds.DetectionClipFailed, EventName = "DetectionClipFailed", Level = LogLevel.Warning,
            Message = "Path {Path}: the clip of a detection could not start: {Reason}")]
        public static partial void ClipFailed(ILogger logger, string path, string reason);
    }
}
