using EdgeBox.Codecs;
using EdgeBox.Configuration;
using EdgeBox.Media;

namespace EdgeBox.Inference;

/// <summary>
/// Object detection for every path whose config has <c>detect</c>: one <see cref="PathDetector"/> per
/// path (fed by the path's shared decoder) and one <see cref="ModelWorker"/> per model, shared by the
/// paths that use it. Follows config changes live (only the paths whose <c>detect</c> changed restart)
/// and registry changes (a model added or replaced is loaded again). Literal path names only, like
/// transcode profiles.
/// </summary>
internal sealed partial class DetectionService : IConfigApplier, IHostedService, IAsyncDisposable
{
    private readonly PathManager _paths;
    private readonly DecoderHub _decoders;
    private readonly Events.EventBus _events;
    private readonly Recording.RecordingManager _recordings;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<DetectionService> _logger;
    private readonly InferenceConfig _settings;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, PathDetector> _detectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelWorker> _workers = new(StringComparer.Ordinal);
    private EdgeBoxConfig _latest;
    private ITimer? _pruneTimer;
    private bool _started, _stopped;
    private int _disposed;

    public DetectionService(EdgeBoxConfig config, string dataDirectory, PathManager paths, DecoderHub decoders, Events.EventBus events,
        Recording.RecordingManager recordings, TranscodeManager transcodes, Infrastructure.EdgeBoxMetrics metrics, TimeProvider time, ILoggerFactory loggers)
    {
        _latest = config;
        _settings = config.Inference;
        _paths = paths;
        _decoders = decoders;
        _events = events;
        _recordings = recordings;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<DetectionService>();
        Registry = new ModelRegistry(dataDirectory, time);
        Registry.Changed += OnModelChanged;
        Snapshots = new DetectionSnapshots(dataDirectory, loggers.CreateLogger<DetectionSnapshots>());
        metrics.ObserveDetectors(Statuses);
        transcodes.Annotators = Annotator;
    }

    /// <summary>Draws the current detections of <paramref name="path"/> (looked up per picture: detection may start later or restart).</summary>
    private Func<MediaFrame, MediaFrame?> Annotator(string path)
    {
        var annotator = new FrameAnnotator(() =>
        {
            lock (_detectors)
            {
                return _detectors.GetValueOrDefault(path)?.Latest();
            }
        });
        return annotator.Draw;
    }

    public ModelRegistry Registry { get; }

    public DetectionSnapshots Snapshots { get; }

    /// <summary>Each detecting path's state and counters.</summary>
    public IReadOnlyList<DetectorStatus> Statuses()
    {
        lock (_detectors)
        {
            return _detectors.Values.OrderBy(d => d.Path, StringComparer.Ordinal).Select(d =>
            {
                var worker = _workers.GetValueOrDefault(d.Config.Model);
                return d.Status(worker?.State ?? "loading", worker?.Error, worker?.Provider);
            }).ToList();
        }
    }

    /// <summary>Whether a configured path uses model <paramref name="name"/>.</summary>
    public IReadOnlyList<string> PathsUsing(string name)
    {
        var config = Volatile.Read(ref _latest);
        return config.Paths.Where(p => config.EffectivePath(p).Detect is { } d && d.Model == name).Select(p => p.Name).ToList();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _started = true;
        await ReconcileAsync(Volatile.Read(ref _latest)).ConfigureAwait(false);
        _pruneTimer = _time.CreateTimer(_ => Prune(), null, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _pruneTimer?.Dispose();
        bool gated = await Infrastructure.ShutdownGate.TryEnterAsync(_gate, cancellationToken).ConfigureAwait(false);
        try
        {
            List<PathDetector> detectors;
            List<ModelWorker> workers;
            lock (_detectors)
            {
                detectors = [.. _detectors.Values];
                workers = [.. _workers.Values];
                _detectors.Clear();
                _workers.Clear();
            }

            foreach (var detector in detectors)
            {
                detector.Dispose();
            }

            foreach (var worker in workers)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }

            await Snapshots.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (gated)
            {
                _gate.Release();
            }
        }
    }

    public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes)
    {
        Volatile.Write(ref _latest, config);
        if (_started && changes.Any(c => c.Key.StartsWith("path", StringComparison.Ordinal)))
        {
            _ = ReconcileAsync(config);
        }
    }

    private async Task ReconcileAsync(EdgeBoxConfig config)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return;
            }

            var wanted = new Dictionary<string, DetectConfig>(StringComparer.Ordinal);
            foreach (var named in config.Paths.Where(p => !p.IsRegex))
            {
                if (config.EffectivePath(named).Detect is { Model.Length: > 0 } detect)
                {
                    wanted[named.Name] = detect;
                }
            }

            var idle = new List<ModelWorker>();
            lock (_detectors)
            {
                foreach (var (name, detector) in _detectors.ToList())
                {
                    if (!wanted.TryGetValue(name, out var want) || want != detector.Config)
                    {
                        _detectors.Remove(name);
                        _workers.GetValueOrDefault(detector.Config.Model)?.Remove(detector);
                        detector.Dispose();
                    }
                }

                foreach (var (name, detect) in wanted)
                {
                    if (_detectors.ContainsKey(name) || _paths.GetOrCreate(name) is not { } path)
                    {
                        continue;
                    }

                    path.Pinned = true; // the decoder and detector hold this object: it must stay the path's
                    if (!_workers.TryGetValue(detect.Model, out var worker))
                    {
                        _workers[detect.Model] = worker = new ModelWorker(detect.Model, Registry, _settings, Fallback, _time, _loggers.CreateLogger<ModelWorker>());
                    }

                    var detector = new PathDetector(name, detect, _time, _events, Snapshots, StartClipAsync, _loggers.CreateLogger<PathDetector>());
                    worker.Add(detector);
                    detector.Attach(_decoders.For(path));
                    _detectors[name] = detector;
                    Log.DetectorStarted(_logger, name, detect.Model, detect.Fps);
                }

                foreach (var (model, worker) in _workers.ToList())
                {
                    if (worker.Count == 0)
                    {
                        _workers.Remove(model);
                        idle.Add(worker);
                    }
                }
            }

            foreach (var worker in idle)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void OnModelChanged(string name)
    {
        lock (_detectors)
        {
            _workers.GetValueOrDefault(name)?.Reload();
        }
    }

    /// <summary>An execution provider that was asked for cannot be used: one warning and a <c>hardware.fallback</c> event.</summary>
    private void Fallback(string reason)
    {
        Log.ProviderFallback(_logger, reason);
        _events.Publish(Events.EventTypes.HardwareFallback, null, null, reason);
    }

    private async Task<long?> StartClipAsync(string path, DetectConfig detect, CancellationToken token)
    {
        var result = await _recordings.StartClipAsync(path, detect.ClipDuration, null, "detection", token).ConfigureAwait(false);
        if (result.Clip is null)
        {
            throw new InvalidOperationException(result.Error ?? "refused");
        }

        return result.Clip.Id;
    }

    private void Prune()
    {
        try
        {
            Snapshots.Prune(_events.OldestId());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            Log.PruneFailed(_logger, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _gate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.DetectorStarted, EventName = "DetectorStarted", Level = LogLevel.Information,
            Message = "Path {Path}: detecting with model {Model} at {Fps} pictures/s")]
        public static partial void DetectorStarted(ILogger logger, string path, string model, double fps);

        [LoggerMessage(EventId = Infrastructure.EventIds.ProviderFallback, EventName = "ExecutionProviderFallback", Level = LogLevel.Warning,
            Message = "Detection: {Reason}")]
        public static partial void ProviderFallback(ILogger logger, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.SnapshotPruneFailed, EventName = "SnapshotPruneFailed", Level = LogLevel.Warning,
            Message = "Old detection snapshots could not be deleted: {Reason}")]
        public static partial void PruneFailed(ILogger logger, string reason);
    }
}
