using System.Diagnostics;
using EdgeBox.Codecs;
using EdgeBox.Configuration;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBox.Inference;

/// <summary>
/// Runs one model for every path that uses it: takes the waiting pictures of its paths (round robin,
/// up to the model's batch size, so paths share one run when the model takes a dynamic batch), stages
/// them into an input slot while the model runs on the other, runs, and hands each path its detections. The
/// model is loaded on first use on the execution provider the plan picks, and loaded again when the
/// registry changes; while it cannot be loaded, pictures are counted as skipped and the reason shown.
/// </summary>
internal sealed partial class ModelWorker : IAsyncDisposable
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly ModelRegistry _registry;
    private readonly InferenceConfig _settings;
    private readonly Action<string> _fallback;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _thread;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<PathDetector, PictureStager> _stagers = [];
    private readonly List<Detection> _results = [];
    private readonly List<(PathDetector Detector, MediaFrame Frame)> _batch = [];
    private PathDetector[] _detectors = [];
    private ModelSession? _session;
    private long _lastAttempt;
    private bool _attempted;
    private volatile bool _reload;
    private int _next;

    public ModelWorker(string model, ModelRegistry registry, InferenceConfig settings, Action<string> fallback, TimeProvider time, ILogger logger)
    {
        Model = model;
        _registry = registry;
        _settings = settings;
        _fallback = fallback;
        _time = time;
        _logger = logger;
        _overlap = (settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount) < Environment.ProcessorCount;
        _thread = Task.Run(RunAsync);
    }

    public string Model { get; }

    /// <summary>Why the model does not run, or null.</summary>
    public string? Error { get; private set; }

    public string? Provider { get; private set; }

    public string State => _session is not null ? "running" : Error is null ? "loading" : "error";

    public int Count => Volatile.Read(ref _detectors).Length;

    public void Add(PathDetector detector)
    {
        detector.Wake = () => _wake.Release();
        lock (_stagers)
        {
            _detectors = [.. _detectors, detector];
        }
    }

    public void Remove(PathDetector detector)
    {
        lock (_stagers)
        {
            _detectors = [.. _detectors.Where(d => d != detector)];
        }

        _wake.Release(); // the thread drops its stager
    }

    /// <summary>The model's files changed: load it again before the next run.</summary>
    public void Reload()
    {
        _reload = true;
        _wake.Release();
    }

    /// <summary>A batch staged in one input slot: its pictures with where they were placed, and what staging cost.</summary>
    private sealed class Batch(int slot)
    {
        public int Slot { get; } = slot;

        public List<(PathDetector Detector, MediaFrame Frame, Letterbox Letterbox, double PrepareMs)> Items { get; } = [];

        public void Release()
        {
            foreach (var item in Items)
            {
                item.Frame.Dispose();
            }

            Items.Clear();
        }
    }

    private readonly Batch[] _slots = [new(0), new(1)];

    /// <summary>Whether a batch is staged while the model runs: only when ONNX Runtime leaves a core free.</summary>
    private readonly bool _overlap;

    /// <summary>
    /// The worker: a two-stage pipeline. While the model runs on the batch in one input slot (on a pool
    /// thread), this loop stages the next batch into the other slot, so the picture preparation
    /// (download, swscale, tensor write) overlaps the model instead of adding to it.
    /// </summary>
    private async Task RunAsync()
    {
        var token = _stop.Token;
        Batch? ready = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (ready is null)
                {
                    bool woken = await _wake.WaitAsync(TimeSpan.FromMilliseconds(500), token).ConfigureAwait(false);
                    var current = Volatile.Read(ref _detectors);
                    DropStagers(current);
                    if (!woken)
                    {
                        foreach (var detector in current)
                        {
                            detector.Tick();
                        }

                        continue;
                    }

                    EnsureLoaded();
                    ready = Prepare(current, _slots[0]);
                    continue;
                }

                if (_reload || _session is null)
                {
                    ready.Release();
                    ready = null;
                    continue;
                }

                var session = _session;
                var batch = ready;
                // With cores to spare the run goes to a pool thread and the next batch is staged meanwhile; when
                // ONNX Runtime already uses every core, staging beside it would only stall its threads.
                var run = _overlap ? Task.Run(() => Execute(session, batch), CancellationToken.None) : Task.FromResult(Execute(session, batch));
                var next = Prepare(Volatile.Read(ref _detectors), _slots[1 - batch.Slot]);
                var (outputs, ms, error) = await run.ConfigureAwait(false);
                Deliver(session, batch, outputs, ms, error);
                batch.Release();
                ready = next;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            ready?.Release();
            foreach (var slot in _slots)
            {
                slot.Release();
            }

            _session?.Dispose();
            foreach (var stager in _stagers.Values)
            {
                stager.Dispose();
            }
        }
    }

    /// <summary>Takes the waiting pictures (round robin, up to the batch size) and stages them into <paramref name="batch"/>'s slot; null when none wait.</summary>
    private Batch? Prepare(PathDetector[] detectors, Batch batch)
    {
        _batch.Clear();
        int max = _session?.Adapter.Input.MaxBatch ?? 1;
        for (int k = 0; k < detectors.Length && _batch.Count < max; k++)
        {
            var detector = detectors[(_next + k) % detectors.Length];
            if (detector.Take() is { } frame)
            {
                _batch.Add((detector, frame));
            }
        }

        _next = detectors.Length == 0 ? 0 : (_next + 1) % detectors.Length;
        if (_batch.Count == 0)
        {
            return null;
        }

        // More may wait than one batch takes: look again without sleeping.
        _wake.Release();
        foreach (var (detector, frame) in _batch)
        {
            if (_session is null)
            {
                detector.Dropped();
                frame.Dispose();
                continue;
            }

            long preparing = Stopwatch.GetTimestamp();
            try
            {
                using var software = frame.Download();
                var stager = StagerOf(detector, _session.Adapter.Input);
                stager.Stage(software);
                _session.Writer(batch.Slot, batch.Items.Count).Write(stager.Rgb);
                batch.Items.Add((detector, frame, stager.Letterbox, Stopwatch.GetElapsedTime(preparing).TotalMilliseconds));
            }
            catch (Exception ex) when (ex is FfmpegException or InvalidOperationException or ArgumentException)
            {
                detector.Dropped();
                frame.Dispose();
                Log.InferenceFailed(_logger, detector.Path, Model, "the picture could not be prepared: " + ex.Message);
            }
        }

        return batch.Items.Count == 0 ? null : batch;
    }

    /// <summary>The model run (on a pool thread): its outputs and duration, or why it failed.</summary>
    private static (IModelOutputs? Outputs, double Ms, string? Error) Execute(ModelSession session, Batch batch)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var outputs = session.Run(batch.Slot, batch.Items.Count);
            return (outputs, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or ArgumentException or InvalidOperationException)
        {
            return (null, 0, ex.Message);
        }
    }

    /// <summary>Decodes each picture's detections and hands them to its path.</summary>
    private void Deliver(ModelSession session, Batch batch, IModelOutputs? outputs, double ms, string? error)
    {
        for (int i = 0; i < batch.Items.Count; i++)
        {
            var (detector, frame, letterbox, prepareMs) = batch.Items[i];
            if (outputs is null)
            {
                Log.InferenceFailed(_logger, detector.Path, Model, error ?? "no outputs");
                continue;
            }

            long decoding = Stopwatch.GetTimestamp();
            try
            {
                _results.Clear();
                session.Adapter.Decode(outputs, i, letterbox, detector.Config.Threshold, detector.Config.MaxDetections, _results);
                detector.OnDetections(frame, _results, session.Adapter, Model, ms);
                detector.Timed(prepareMs, Stopwatch.GetElapsedTime(decoding).TotalMilliseconds);
            }
            catch (Exception ex) when (ex is ModelFormatException or ArgumentException or InvalidOperationException)
            {
                Log.InferenceFailed(_logger, detector.Path, Model, ex.Message);
            }
        }
    }

    private PictureStager StagerOf(PathDetector detector, ModelInput input)
    {
        if (!_stagers.TryGetValue(detector, out var stager))
        {
            _stagers[detector] = stager = new PictureStager(input);
        }

        return stager;
    }

    private void DropStagers(PathDetector[] detectors)
    {
        if (_stagers.Count <= detectors.Length)
        {
            return;
        }

        foreach (var gone in _stagers.Keys.Where(d => Array.IndexOf(detectors, d) < 0).ToList())
        {
            _stagers.Remove(gone, out var stager);
            stager?.Dispose();
        }
    }

    private void EnsureLoaded()
    {
        if (_reload)
        {
            _reload = false;
            _session?.Dispose();
            _session = null;
            _attempted = false;
            foreach (var stager in _stagers.Values)
            {
                stager.Dispose();
            }

            _stagers.Clear();
        }

        if (_session is not null || (_attempted && _time.GetElapsedTime(_lastAttempt) < RetryAfter))
        {
            return;
        }

        _attempted = true;
        _lastAttempt = _time.GetTimestamp();
        if (_registry.TryRead(Model) is not { } entry)
        {
            SetError($"there is no model named '{Model}' (add it with 'edgebox models add' or POST /api/v1/models)");
            return;
        }

        try
        {
            var available = OrtEnv.Instance().GetAvailableProviders();
            var plan = ExecutionProviders.Plan(_settings.ExecutionProvider, available);
            if (plan.Warning)
            {
                _fallback($"model {Model}: running on {plan.Reason}");
            }

            _session = ModelSession.Open(_registry.PathOf(Model), entry.Adapter, entry.Labels, plan, _settings.DeviceId, _settings.Threads,
                (provider, reason) => _fallback($"model {Model}: {ExecutionProviders.Lower(provider)} did not start ({reason}); trying the next provider"));
            Provider = _session.Provider;
            Error = null;
            var input = _session.Adapter.Input;
            Log.ModelLoaded(_logger, Model, entry.Adapter, _session.Provider, input.Width, input.Height, input.MaxBatch);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or ModelFormatException or IOException or DllNotFoundException or TypeInitializationException)
        {
            SetError($"model '{Model}' could not be loaded: {ModelSession.FirstLine((ex.InnerException ?? ex).Message)}");
        }
    }

    private void SetError(string error)
    {
        if (Error != error)
        {
            Log.ModelUnavailable(_logger, error);
        }

        Error = error;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _thread.ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.ModelLoaded, EventName = "ModelLoaded", Level = LogLevel.Information,
            Message = "Model {Model} ({Adapter}) runs on {Provider}: input {Width}x{Height}, up to {Batch} picture(s) per run")]
        public static partial void ModelLoaded(ILogger logger, string model, string adapter, string provider, int width, int height, int batch);

        [LoggerMessage(EventId = Infrastructure.EventIds.ModelUnavailable, EventName = "ModelUnavailable", Level = LogLevel.Error, Message = "Detection: {Reason}")]
        public static partial void ModelUnavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.InferenceFailed, EventName = "InferenceFailed", Level = LogLevel.Warning,
            Message = "Path {Path}: model {Model} failed on a picture: {Reason}")]
        public static partial void InferenceFailed(ILogger logger, string path, string model, string reason);
    }
}
