using EdgeBox.Configuration;
using EdgeBox.Media;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Recording;

/// <summary>
/// Runs a <see cref="PathRecorder"/> for every path whose configuration says <c>record: true</c>
/// (configured paths from start-up, regex paths once a publisher makes them), applies retention, and
/// at start-up repairs what a crash left behind (<see cref="SegmentRepair"/>). A config change
/// restarts only the recorders whose settings changed.
/// </summary>
internal sealed partial class RecordingManager : IConfigApplier, IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan ReconcilePeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetentionPeriod = TimeSpan.FromSeconds(30);

    private readonly PathManager _paths;
    private readonly SegmentIndex _index;
    private readonly ClipStore _clips;
    private readonly Events.EventBus _events;
    private readonly Infrastructure.EdgeBoxMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly string _dataDirectory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, PathRecorder> _recorders = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _leases = [];
    private EdgeBoxConfig _latest;
    private ITimer? _timer;
    private long _lastRetention;
    private bool _stopped;
    private int _disposed;

    public RecordingManager(EdgeBoxConfig config, string dataDirectory, PathManager paths, SegmentIndex index, ClipStore clips, Events.EventBus events,
        Infrastructure.EdgeBoxMetrics metrics, TimeProvider time, ILoggerFactory loggers)
    {
        _clips = clips;
        _latest = config;
        _dataDirectory = dataDirectory;
        _paths = paths;
        _index = index;
        _events = events;
        _metrics = metrics;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<RecordingManager>();
    }

    public SegmentIndex Index => _index;

    public TimeProvider Time => _time;

    /// <summary>Where segment files live; <see cref="RecordedSegment.File"/> is relative to it.</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>
    /// Keeps the segments from retention until the returned lease is disposed (an export or download in
    /// progress). Leases count: a segment is free once every lease on it is gone.
    /// </summary>
    public IDisposable Lease(IReadOnlyList<long> segments)
    {
        lock (_leases)
        {
            foreach (long id in segments)
            {
                _leases[id] = _leases.GetValueOrDefault(id) + 1;
            }
        }

        return new SegmentLease(this, segments);
    }

    private bool Leased(long segment)
    {
        lock (_leases)
        {
            return _leases.ContainsKey(segment);
        }
    }

    private void Release(IReadOnlyList<long> segments)
    {
        lock (_leases)
        {
            foreach (long id in segments)
            {
                if (_leases.TryGetValue(id, out int count) && count > 1)
                {
                    _leases[id] = count - 1;
                }
                else
                {
                    _leases.Remove(id);
                }
            }
        }
    }

    /// <summary>
    /// The segments of <paramref name="path"/> overlapping [from, to), oldest first, with the ones being written as
    /// they are now: the index gets those only every <see cref="SegmentSink.IndexInterval"/>.
    /// </summary>
    public IReadOnlyList<RecordedSegment> ForPath(string path, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var live = new List<RecordedSegment>();
        foreach (var recorder in Recorders.Where(r => r.Path.Name == path))
        {
            if (recorder.Current is { } current)
            {
                live.Add(current);
            }
        }

        lock (_clipRecorders)
        {
            if (_clipRecorders.TryGetValue(path, out var clip) && clip.Current is { } current)
            {
                live.Add(current);
            }
        }

        var stored = _index.ForPath(path, from, to);
        if (live.Count == 0)
        {
            return stored;
        }

        var merged = stored.Where(s => live.All(l => l.Id != s.Id)).ToList();
        merged.AddRange(live.Where(l => (from is null || l.End > from || l.Start >= from) && (to is null || l.Start < to)));
        return [.. merged.OrderBy(s => s.Start)];
    }

    /// <summary>
    /// The paths that have recordings (first and last time, size, segments), with the segments being written
    /// counted as they are now rather than as the index last saw them.
    /// </summary>
    public IReadOnlyList<(string Path, DateTimeOffset First, DateTimeOffset Last, long Size, int Segments)> Paths()
    {
        var live = Recorders.Select(r => r.Current).ToList();
        lock (_clipRecorders)
        {
            live.AddRange(_clipRecorders.Values.Select(c => c.Current));
        }

        var paths = _index.Paths().ToDictionary(p => p.Path, StringComparer.Ordinal);
        foreach (var current in live.OfType<RecordedSegment>())
        {
            if (paths.TryGetValue(current.Path, out var known))
            {
                long stored = _index.Find(current.Id)?.Size ?? 0;
                paths[current.Path] = known with { Last = current.End > known.Last ? current.End : known.Last, Size = known.Size - stored + current.Size };
            }
        }

        return [.. paths.Values.OrderBy(p => p.Path, StringComparer.Ordinal)];
    }

    /// <summary>The recorders running now, for the API.</summary>
    public IReadOnlyList<PathRecorder> Recorders
    {
        get
        {
            lock (_recorders)
            {
                return [.. _recorders.Values];
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var config = Volatile.Read(ref _latest);
        await Task.Run(() => SegmentRepair.Run(_index, _dataDirectory, Patterns(config), _logger), cancellationToken).ConfigureAwait(false);
        _lastRetention = _time.GetTimestamp();
        await TickAsync().ConfigureAwait(false);
        _timer = _time.CreateTimer(_ => _ = TickAsync(), null, ReconcilePeriod, ReconcilePeriod);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _timer?.Dispose();
        bool gated = await Infrastructure.ShutdownGate.TryEnterAsync(_gate, cancellationToken).ConfigureAwait(false);
        try
        {
            List<PathRecorder> all;
            lock (_recorders)
            {
                all = [.. _recorders.Values];
                _recorders.Clear();
            }

            // All at once: each closes its segment (a last fragment and an fsync), and 200 of them one after
            // another outlasted the host's shutdown deadline.
            await Task.WhenAll(all.Select(r => r.DisposeAsync().AsTask()).Append(StopClipsAsync())).ConfigureAwait(false);
        }
        finally
        {
            if (gated)
            {
                _gate.Release();
            }
        }
    }

    public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes) => Volatile.Write(ref _latest, config);

    /// <summary>Idempotent: the container may dispose this twice (it is registered under several service types).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _gate.Dispose();
    }

    /// <summary>Every recordPath in use (path defaults and per path), for reading file names back.</summary>
    private static IReadOnlyList<RecordPathPattern> Patterns(EdgeBoxConfig config) =>
        [.. config.Paths.Select(p => config.EffectivePath(p).RecordPath).Append(config.PathDefaults.RecordPath ?? PathConfig.BuiltInDefaults.RecordPath)
            .OfType<string>().Distinct(StringComparer.Ordinal).Select(p => new RecordPathPattern(p))];

    private async Task TickAsync()
    {
        if (!await _gate.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (_stopped)
            {
                return;
            }

            var config = Volatile.Read(ref _latest);
            await ReconcileAsync(config).ConfigureAwait(false);
            if (_time.GetElapsedTime(_lastRetention) >= RetentionPeriod || LowOnSpace(config))
            {
                _lastRetention = _time.GetTimestamp();
                ApplyRetention(config);
            }
        }
        catch (Exception ex) when (ex is IOException or LiteDB.LiteException or UnauthorizedAccessException)
        {
            Log.TickFailed(_logger, ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReconcileAsync(EdgeBoxConfig config)
    {
        // Configured paths that record get their path now, so the recorder waits for the source.
        foreach (var named in config.Paths.Where(p => !p.IsRegex && config.EffectivePath(p).Record == true))
        {
            if (_paths.GetOrCreate(named.Name) is { } created)
            {
                created.Pinned = true;
            }
        }

        var wanted = _paths.Paths.Where(p => !p.Derived && p.Config.Record == true).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var stale = new List<PathRecorder>();
        lock (_recorders)
        {
            foreach (var (name, recorder) in _recorders.ToList())
            {
                if (!wanted.TryGetValue(name, out var path) || !ReferenceEquals(path, recorder.Path) || !SameRecording(path.Config, recorder.Settings))
                {
                    stale.Add(recorder);
                    _recorders.Remove(name);
                }
            }

            foreach (var (name, path) in wanted)
            {
                if (!_recorders.ContainsKey(name))
                {
                    var recorder = new PathRecorder(path, path.Config, _dataDirectory, _index, _events, _time, _loggers.CreateLogger<PathRecorder>());
                    _recorders[name] = recorder;
                    recorder.Start();
                }
            }
        }

        await Task.WhenAll(stale.Select(r => r.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private static bool SameRecording(PathConfig a, PathConfig b) =>
        a.RecordPath == b.RecordPath && a.RecordSegmentDuration == b.RecordSegmentDuration && a.RecordPartDuration == b.RecordPartDuration;

    private bool LowOnSpace(EdgeBoxConfig config) => FreeSpace() is { } disk && disk.Free < Floor(config).For(disk.Total);

    private static DiskFloor Floor(EdgeBoxConfig config) => config.PathDefaults.RecordMinFreeDisk ?? DiskFloor.Default;

    private (long Free, long Total)? FreeSpace()
    {
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(_dataDirectory));
            return (drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Age and size per path, then the volume's free-space floor; locked, leased and open segments stay.</summary>
    private void ApplyRetention(EdgeBoxConfig config)
    {
        var now = _time.GetUtcNow();
        var all = WithLocks(_index.All(), now);
        var doomed = new List<RecordedSegment>();
        foreach (var group in all.GroupBy(s => s.Path, StringComparer.Ordinal))
        {
            var settings = _paths.Resolve(group.Key) ?? config.PathDefaults.Overlay(new PathConfig());
            var limits = new RetentionSettings(settings.RecordDeleteAfter, settings.RecordMaxSize);
            doomed.AddRange(RetentionPolicy.ForPath(group, limits, now));
        }

        if (FreeSpace() is { } disk)
        {
            long floor = Floor(config).For(disk.Total);
            long freed = doomed.Sum(s => s.Size);
            if (disk.Free + freed < floor)
            {
                var rest = all.Where(s => !doomed.Contains(s));
                var emergency = RetentionPolicy.ForFreeSpace(rest, disk.Free + freed, floor, now);
                if (emergency.Count > 0)
                {
                    Log.EmergencyCleanup(_logger, emergency.Count, disk.Free, floor);
                }

                doomed.AddRange(emergency);
            }
        }

        foreach (var segment in doomed)
        {
            try
            {
                File.Delete(Path.Combine(_dataDirectory, segment.File));
                _index.Remove(segment.Id);
                _metrics.SegmentDeleted(segment.Path, segment.Size);
                Log.SegmentDeleted(_logger, segment.Path, segment.File);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.DeleteFailed(_logger, segment.File, ex.Message);
            }
        }
    }

    /// <summary>
    /// The segments as retention and deletion see them: one that a download reads is locked for as long as it
    /// does, one that an event clip covers until the clip's <see cref="RecordedClip.KeepUntil"/>.
    /// </summary>
    internal List<RecordedSegment> WithLocks(IEnumerable<RecordedSegment> segments, DateTimeOffset now)
    {
        var clips = _clips.Locking(now);
        var locked = new List<RecordedSegment>();
        foreach (var segment in segments)
        {
            var until = segment.LockedUntil;
            if (Leased(segment.Id))
            {
                until = DateTimeOffset.MaxValue;
            }

            foreach (var clip in clips)
            {
                if (clip.Locks(segment, now) && (until is null || clip.KeepUntil > until))
                {
                    until = clip.KeepUntil;
                }
            }

            locked.Add(until == segment.LockedUntil ? segment : segment with { LockedUntil = until });
        }

        return locked;
    }

    private sealed class SegmentLease(RecordingManager owner, IReadOnlyList<long> segments) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(segments);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingSegmentDeleted, EventName = "RecordingSegmentDeleted", Level = LogLevel.Debug,
            Message = "Retention {Path}: deleted {File}")]
        public static partial void SegmentDeleted(ILogger logger, string path, string file);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingDeleteFailed, EventName = "RecordingDeleteFailed", Level = LogLevel.Warning,
            Message = "Retention: {File} could not be deleted: {Reason}")]
        public static partial void DeleteFailed(ILogger logger, string file, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingEmergencyCleanup, EventName = "RecordingEmergencyCleanup", Level = LogLevel.Warning,
            Message = "Retention: free space {Free} bytes is under the floor of {Floor} bytes; deleting the {Count} oldest segments")]
        public static partial void EmergencyCleanup(ILogger logger, int count, long free, long floor);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingTickFailed, EventName = "RecordingTickFailed", Level = LogLevel.Warning,
            Message = "Recording upkeep failed: {Reason}")]
        public static partial void TickFailed(ILogger logger, string reason);
    }
}
