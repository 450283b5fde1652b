using System.Buffers;
using EdgeBox.Configuration;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Codecs;

/// <summary>
/// The built-in generator (<c>source: testsrc</c>): draws <see cref="TestPattern"/> at the configured
/// size and frame rate, encodes it with libx264 (1 s GOP, zero latency), adds a 1 kHz tone as Opus,
/// and publishes both into its path in real time. A new user sees live video at once, and a latency
/// check needs nothing but a player: the picture carries the wall clock.
/// </summary>
internal sealed partial class TestPatternSource : Infrastructure.BackgroundWorker, IPulledSource
{
    private readonly MediaPath _path;
    private readonly TestSourceConfig _settings;
    private readonly MediaBufferPool _pool;
    private readonly Events.EventBus _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _forceKeyframe;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _state = "connecting";
    private string? _lastError;

    public TestPatternSource(MediaPath path, TestSourceConfig settings, MediaBufferPool pool, Events.EventBus events, TimeProvider time, ILogger logger)
    {
        _path = path;
        _settings = settings;
        _pool = pool;
        _events = events;
        _time = time;
        _logger = logger;
    }

    public string DisplayUrl => $"testsrc {_settings.Size}@{_settings.Fps}";

    public string State => Volatile.Read(ref _state);

    public string? LastError => Volatile.Read(ref _lastError);

    public Task Ready => _ready.Task;

    protected override async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                await GenerateAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is FfmpegException or InvalidOperationException or DllNotFoundException or EntryPointNotFoundException)
            {
                Volatile.Write(ref _state, "waiting");
                Volatile.Write(ref _lastError, ex.Message);
                Log.Failed(_logger, _path.Name, ex.Message);
                if (!await WaitAsync(TimeSpan.FromSeconds(5), _time, token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    private async Task GenerateAsync(CancellationToken token)
    {
        int width = _settings.Width, height = _settings.Height, fps = _settings.Fps;
        using var encoder = VideoEncoder.Open(new VideoEncoderSettings("libx264", width, height, PixelFormat.Yuv420P, 90000, fps)
        {
            Bitrate = _settings.Bitrate,
            Gop = fps,
            Options = "preset=veryfast:tune=zerolatency",
        });
        using var audio = _settings.Audio ? AudioEncoder.Open(CodecId.Opus, 48000, 1, 64_000) : null;
        var video = new MediaTrack(0, CodecId.H264, 90000, 0, CodecParameters.None);
        List<MediaTrack> tracks = audio is null ? [video] : [video, new MediaTrack(1, CodecId.Opus, 48000, 1, CodecParameters.None)];
        var pattern = new TestPattern(width, height);
        using var picture = new MediaFrame();
        using var tone = new MediaFrame();
        var canonical = new ArrayBufferWriter<byte>();
        PathSource? source = null;
        long sample = 0;
        long started = _time.GetTimestamp();
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / fps), _time);
            for (long n = 0; await timer.WaitForNextTickAsync(token).ConfigureAwait(false); n++)
            {
                // Real time: when a tick was late (a busy box), skip frames rather than fall behind the clock.
                double elapsed = _time.GetElapsedTime(started).TotalSeconds;
                n = Math.Max(n, (long)(elapsed * fps));
                picture.AllocateVideo(width, height, PixelFormat.Yuv420P);
                pattern.Draw(picture, n, _time.GetUtcNow());
                picture.Pts = n * 90000 / fps;
                encoder.Send(picture, Interlocked.Exchange(ref _forceKeyframe, 0) == 1);
                while (encoder.TryReceive(out var packet))
                {
                    canonical.ResetWrittenCount();
                    if (AnnexB.ToLengthPrefixed(packet.Data, canonical) == 0)
                    {
                        continue;
                    }

                    if (packet.Keyframe && ParameterSets.Update(CodecId.H264, video.Parameters, canonical.WrittenSpan) is { } parameters)
                    {
                        video.UpdateParameters(parameters);
                    }

                    if (source is null && packet.Keyframe && video.Parameters.Sps is not null)
                    {
                        source = Publish(tracks);
                    }

                    source?.Write(new AccessUnit(0, packet.Pts, packet.Keyframe, _pool.Rent(canonical.WrittenSpan), _time.GetTimestamp()));
                }

                int samplesPerFrame = (int)Math.Clamp((long)(elapsed * 48000) - sample, 0, 48000);
                if (audio is not null && samplesPerFrame > 0)
                {
                    tone.AllocateAudio(samplesPerFrame, 48000, 1);
                    var pcm = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(tone.Plane(0, 1, out _));
                    for (int i = 0; i < samplesPerFrame; i++, sample++)
                    {
                        pcm[i] = (short)(Math.Sin(2 * Math.PI * 1000 * sample / 48000.0) * 8000);
                    }

                    tone.Pts = sample - samplesPerFrame;
                    audio.Send(tone, 48000);
                    while (audio.TryReceive(out var packet))
                    {
                        source?.Write(new AccessUnit(1, packet.Pts, true, _pool.Rent(packet.Data), _time.GetTimestamp()));
                    }
                }
            }
        }
        finally
        {
            source?.Dispose();
            if (source is not null)
            {
                _events.Publish(Events.EventTypes.SourceNotReady, _path.Name, "testsrc", "test pattern stopped");
            }
        }
    }

    private PathSource? Publish(List<MediaTrack> tracks)
    {
        if (_path.TryPublish("testsrc", "testsrc", tracks, allowOverride: true, out var source) != PublishRefusal.None)
        {
            return null;
        }

        source!.KeyframeRequested = () => Volatile.Write(ref _forceKeyframe, 1);

        Volatile.Write(ref _state, "ready");
        Log.Started(_logger, _path.Name, DisplayUrl);
        _events.Publish(Events.EventTypes.SourceReady, _path.Name, "testsrc", $"test pattern {DisplayUrl} is running");
        _ready.TrySetResult();
        return source;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.TestSourceStarted, EventName = "TestSourceStarted", Level = LogLevel.Information,
            Message = "Path {Path}: generating {Pattern}")]
        public static partial void Started(ILogger logger, string path, string pattern);

        [LoggerMessage(EventId = Infrastructure.EventIds.TestSourceFailed, EventName = "TestSourceFailed", Level = LogLevel.Warning,
            Message = "Path {Path}: the test pattern failed: {Reason}; retrying in 5 s")]
        public static partial void Failed(ILogger logger, string path, string reason);
    }
}

/// <summary>Makes the generator for <c>source: testsrc</c> paths (through <see cref="SourceSupervisor"/>, so on-demand works too).</summary>
internal sealed class TestSourceProtocol(MediaBufferPool pool, Events.EventBus events, TimeProvider time, ILoggerFactory loggers) : IPullProtocol
{
    public bool CanPull(string source) => source == PathSources.TestSource;

    public IPulledSource CreateSource(MediaPath path, PathConfig config) =>
        new TestPatternSource(path, config.TestSrc ?? new TestSourceConfig(), pool, events, time, loggers.CreateLogger<TestPatternSource>());

    public bool CanForward(string url) => false;

    public IPathForwarder CreateForwarder(MediaPath path, PathConfig config, string url) => throw new NotSupportedException("testsrc is not a forward target");
}
