using EdgeBox.Configuration;
using EdgeBox.Media;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Codecs;

/// <summary>
/// Runs the transcode profiles the configuration lists: one <see cref="Transcoder"/> per profile,
/// each publishing its derived path <c>&lt;path&gt;/&lt;name&gt;</c>. An always-on profile runs from
/// start-up; an on-demand one starts when a reader asks for its derived path and stops 10 s after the
/// last reader left (<see cref="TranscodeProfile.OnDemandCloseAfter"/>). A config change restarts only the
/// profiles that changed.
/// </summary>
internal sealed partial class TranscodeManager : IConfigApplier, IHostedService, IAsyncDisposable
{
    /// <summary>How often idle on-demand profiles are looked for (the granularity of their close-after).</summary>
    private static readonly TimeSpan IdleCheckPeriod = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan OnDemandStartTimeout = TimeSpan.FromSeconds(15);

    /// <summary>How long a profile started by a client's request waits for that client to start reading.</summary>
    private static readonly TimeSpan DemandHold = TimeSpan.FromSeconds(10);

    /// <summary>How long a transcoder waits for the hardware probe before it settles for what is known.</summary>
    private static readonly TimeSpan ProbeWait = TimeSpan.FromSeconds(35);

    private readonly PathManager _paths;
    private readonly DecoderHub _decoders;
    private readonly AudioConverterHub _audio;
    private readonly MediaBufferPool _pool;
    private readonly Hosting.NativeCapabilities _native;
    private readonly Events.EventBus _events;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<TranscodeManager> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private EdgeBoxConfig _latest;
    private ITimer? _timer;
    private bool _stopped;

    public TranscodeManager(EdgeBoxConfig config, PathManager paths, DecoderHub decoders, AudioConverterHub audio, MediaBufferPool pool,
        Hosting.NativeCapabilities native, Events.EventBus events, TimeProvider time, ILoggerFactory loggers)
    {
        _audio = audio;
        _latest = config;
        _paths = paths;
        _decoders = decoders;
        _pool = pool;
        _native = native;
        _events = events;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<TranscodeManager>();
    }

    /// <summary>
    /// The annotator of a path (set by the detection service): draws its current detections on a
    /// picture. A path with <c>detect.annotate</c> gets the derived path <c>&lt;path&gt;/annotated</c>.
    /// </summary>
    public Func<string, Func<MediaFrame, MediaFrame?>>? Annotators { get; set; }

    /// <summary>The profile of <c>&lt;path&gt;/annotated</c>: the source's size and rate in H.264, audio copied.</summary>
    internal static readonly TranscodeProfile AnnotatedProfile = new(DetectConfig.AnnotatedSuffix);

    /// <summary>The transcoders, for the API.</summary>
    public IReadOnlyList<Transcoder> Running
    {
        get
        {
            lock (_entries)
            {
                return _entries.Values.Select(e => e.Transcoder).OfType<Transcoder>().ToList();
            }
        }
    }

    public Transcoder? For(string derivedPath)
    {
        lock (_entries)
        {
            return _entries.GetValueOrDefault(derivedPath)?.Transcoder;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReconcileAsync(Volatile.Read(ref _latest)).ConfigureAwait(false);
        _timer = _time.CreateTimer(_ => _ = StopIdleAsync(), null, IdleCheckPeriod, IdleCheckPeriod);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _timer?.Dispose();
        bool gated = await Infrastructure.ShutdownGate.TryEnterAsync(_gate, cancellationToken).ConfigureAwait(false);
        try
        {
            List<Entry> all;
            lock (_entries)
            {
                all = [.. _entries.Values];
                _entries.Clear();
            }

            await Task.WhenAll(all.Select(e => e.StopAsync())).ConfigureAwait(false);
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
        if (_timer is not null && changes.Any(c => c.Key.StartsWith("path", StringComparison.Ordinal) || c.Key.StartsWith("codecs", StringComparison.Ordinal)))
        {
            _ = ReconcileAsync(config);
        }
    }

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

    private int _disposed;

    private async Task ReconcileAsync(EdgeBoxConfig config)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return;
            }

            var wanted = new Dictionary<string, (MediaPath Source, PathConfig Settings, TranscodeProfile Profile)>(StringComparer.Ordinal);
            foreach (var named in config.Paths.Where(p => !p.IsRegex))
            {
                var settings = config.EffectivePath(named);
                var profiles = settings.Transcode ?? TranscodeList.Empty;
                if (settings.Detect is { Annotate: true, Model.Length: > 0 } && Annotators is not null
                    && profiles.All(p => p.Name != DetectConfig.AnnotatedSuffix))
                {
                    profiles = new TranscodeList([.. profiles, AnnotatedProfile]);
                }

                if (profiles.Count == 0 || _paths.GetOrCreate(named.Name) is not { } source)
                {
                    continue;
                }

                source.Pinned = true; // its derived paths follow it; it must stay the same object
                foreach (var profile in profiles)
                {
                    wanted[named.Name + "/" + profile.Name] = (source, settings, profile);
                }
            }

            var stale = new List<Entry>();
            lock (_entries)
            {
                foreach (var (name, entry) in _entries.ToList())
                {
                    if (!wanted.TryGetValue(name, out var want) || want.Profile != entry.Profile || want.Settings.Hwaccel != entry.Settings.Hwaccel)
                    {
                        stale.Add(entry);
                        _entries.Remove(name);
                    }
                }
            }

            foreach (var entry in stale)
            {
                await entry.StopAsync().ConfigureAwait(false);
                if (!wanted.ContainsKey(entry.Output.Name))
                {
                    _paths.RemoveDerived(entry.Output);
                }
            }

            lock (_entries)
            {
                foreach (var (name, want) in wanted)
                {
                    if (_entries.ContainsKey(name))
                    {
                        continue;
                    }

                    var output = _paths.GetOrCreateDerived(name, want.Settings with { Source = "transcode", Transcode = TranscodeList.Empty, Forward = TextList.Empty });
                    var entry = new Entry(this, want.Source, output, want.Settings, want.Profile);
                    _entries[name] = entry;
                    if (want.Profile.OnDemand)
                    {
                        output.OnDemand = entry.DemandAsync;
                    }
                    else
                    {
                        output.OnDemand = null;
                        entry.Start();
                    }
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopIdleAsync()
    {
        if (!await _gate.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            List<Entry> entries;
            lock (_entries)
            {
                entries = [.. _entries.Values];
            }

            foreach (var entry in entries)
            {
                if (entry.TakeIfIdle() is { } idle)
                {
                    Log.OnDemandStopping(_logger, entry.Output.Name);
                    await idle.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private Transcoder CreateTranscoder(MediaPath source, MediaPath output, PathConfig settings, TranscodeProfile profile) =>
        new(source, output, profile, token => ChooseEncodersAsync(output.Name, settings.Hwaccel, profile.Video.Codec, token), _decoders, _audio, _pool, _time,
            _loggers.CreateLogger<Transcoder>())
        {
            Decorate = ReferenceEquals(profile, AnnotatedProfile) ? Annotators?.Invoke(source.Name) : null,
        };

    /// <summary>
    /// The encoders a stream tries, once the hardware probe has answered (it runs just after start-up).
    /// A hardware API that was asked for by name but does not work here is this stream's fallback to
    /// software: one warning and a <c>hardware.fallback</c> event, and the stream runs.
    /// </summary>
    private async Task<EncoderChoice> ChooseEncodersAsync(string path, HwAccelSetting? setting, VideoCodecSetting codec, CancellationToken token)
    {
        await _native.WaitAsync(ProbeWait, token).ConfigureAwait(false);
        var hardware = _native.Resolve(setting);
        if (hardware.Warning)
        {
            Log.HardwareUnavailable(_logger, path, hardware.Reason);
            _events.Publish(Events.EventTypes.HardwareFallback, path, null, hardware.Reason);
        }

        return new EncoderChoice(EncoderChoice.For(codec, hardware.Selected), (stream, encoder, reason) =>
        {
            Log.HardwareFallback(_logger, stream, encoder, reason);
            _events.Publish(Events.EventTypes.HardwareFallback, stream, null, $"{encoder} could not be used ({reason}); encoding in software");
        })
        {
            Device = Volatile.Read(ref _latest).Codecs.HwaccelDevice,
        };
    }

    /// <summary>A profile's transcoder slot: the transcoder exists while it runs.</summary>
    private sealed class Entry(TranscodeManager owner, MediaPath source, MediaPath output, PathConfig settings, TranscodeProfile profile)
    {
        private readonly Lock _gate = new();
        private long _lastReader;
        private long _demanded;
        private int _joinedAtDemand = -1;

        public MediaPath Output { get; } = output;

        public PathConfig Settings { get; } = settings;

        public TranscodeProfile Profile { get; } = profile;

        public Transcoder? Transcoder { get; private set; }

        public void Start()
        {
            lock (_gate)
            {
                _lastReader = owner._time.GetTimestamp();
                if (Transcoder is null)
                {
                    Transcoder = owner.CreateTranscoder(source, Output, Settings, Profile);
                    Transcoder.Start();
                }
            }
        }

        /// <summary>For a reader of the derived path: start the profile and wait until its first picture is out.</summary>
        public async Task<bool> DemandAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                // The asking client is not a reader yet (RTSP: DESCRIBE comes before PLAY): hold the profile for it.
                _demanded = owner._time.GetTimestamp();
                _joinedAtDemand = Output.ReadersJoined;
            }

            Start();
            // Wait for this run's own output: a run that is still stopping may hold the path for a moment.
            var clock = owner._time.GetTimestamp();
            while (!Ready() && owner._time.GetElapsedTime(clock) < OnDemandStartTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), owner._time, cancellationToken).ConfigureAwait(false);
            }

            return Ready();

            bool Ready() => Transcoder is { Publishing: true } && Output.State == PathState.Ready;
        }

        /// <summary>
        /// The running transcoder when it has had no reader for its close-after time, detached in the same
        /// step, so a reader arriving meanwhile starts a new one instead of joining one about to stop.
        /// </summary>
        public Transcoder? TakeIfIdle()
        {
            lock (_gate)
            {
                if (!Profile.OnDemand || Transcoder is null)
                {
                    return null;
                }

                if (Output.Readers.Count > 0)
                {
                    _lastReader = owner._time.GetTimestamp();
                    return null;
                }

                if (owner._time.GetElapsedTime(_lastReader) < Profile.OnDemandCloseAfter)
                {
                    return null;
                }

                if (_joinedAtDemand >= 0 && Output.ReadersJoined == _joinedAtDemand && owner._time.GetElapsedTime(_demanded) < DemandHold)
                {
                    return null; // a client asked and has not become a reader yet
                }

                _joinedAtDemand = -1;

                var idle = Transcoder;
                Transcoder = null;
                return idle;
            }
        }

        public async Task StopAsync()
        {
            Transcoder? running;
            lock (_gate)
            {
                running = Transcoder;
                Transcoder = null;
            }

            if (running is not null)
            {
                await running.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.HardwareFallback, EventName = "HardwareEncoderFallback", Level = LogLevel.Warning,
            Message = "Transcode {Path}: {Encoder} cannot be used ({Reason}); encoding in software")]
        public static partial void HardwareFallback(ILogger logger, string path, string encoder, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.HardwareUnavailableForStream, EventName = "HardwareUnavailableForStream", Level = LogLevel.Warning,
            Message = "Transcode {Path}: {Reason}")]
        public static partial void HardwareUnavailable(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.TranscodeStopping, EventName = "TranscodeOnDemandStopping", Level = LogLevel.Information,
            Message = "Transcode {Path}: no readers left; stopping")]
        public static partial void OnDemandStopping(ILogger logger, string path);
    }
}
