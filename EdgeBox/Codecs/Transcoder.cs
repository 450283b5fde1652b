using System.Buffers;
using System.Threading.Channels;
using EdgeBox.Configuration;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Codecs;

/// <summary>
/// One transcode profile of a path: pictures from the path's shared decoder are scaled, re-timed to
/// the profile's frame rate and encoded, and published as the derived path <c>&lt;path&gt;/&lt;name&gt;</c>
/// (with the source's audio copied) which every protocol serves like any other path. The encoder
/// gets its own thread; pictures reach it through a short queue, so a slow encoder drops pictures
/// (counted) instead of stalling the decoder other consumers share. When the source goes away the
/// derived path goes idle and its readers wait; when it is back, encoding resumes.
/// </summary>
internal sealed partial class Transcoder : Infrastructure.BackgroundWorker
{
    /// <summary>Pictures waiting for the encoder; beyond this the oldest is dropped.</summary>
    private const int QueueLength = 8;

    private readonly MediaPath _source;
    private readonly MediaPath _output;
    private readonly TranscodeProfile _profile;
    private readonly Func<CancellationToken, Task<EncoderChoice>> _chooseEncoders;
    private EncoderChoice? _encoders;
    private bool _softwareOnly;
    private readonly DecoderHub _decoders;
    private readonly AudioConverterHub _audio;
    private readonly MediaBufferPool _pool;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private string _state = "waiting";
    private string? _lastError;
    private long _framesIn;
    private long _framesOut;
    private long _framesDropped;
    private int _forceKeyframe;
    private bool _publishing;

    /// <param name="chooseEncoders">
    /// The encoders to try, asked for once when the transcoder first runs: the hardware probe finishes
    /// after start-up, and an always-on profile must not settle for software before it is known.
    /// </param>
    public Transcoder(MediaPath source, MediaPath output, TranscodeProfile profile, Func<CancellationToken, Task<EncoderChoice>> chooseEncoders,
        DecoderHub decoders, AudioConverterHub audio, MediaBufferPool pool, TimeProvider time, ILogger logger)
    {
        _audio = audio;
        _source = source;
        _output = output;
        _profile = profile;
        _chooseEncoders = chooseEncoders;
        _decoders = decoders;
        _pool = pool;
        _time = time;
        _logger = logger;
    }

    public MediaPath Output => _output;

    /// <summary>
    /// Draws on each picture before it is encoded (the detections of <c>&lt;path&gt;/annotated</c>):
    /// returns a new picture, or null to encode the picture as it is.
    /// </summary>
    public Func<MediaFrame, MediaFrame?>? Decorate { get; init; }

    public TranscodeProfile Profile => _profile;

    /// <summary><c>waiting</c> (for the source), <c>running</c>, <c>failed</c> (retrying), <c>stopped</c>.</summary>
    public string State => Volatile.Read(ref _state);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>The encoder actually in use (<c>libx264</c>, <c>h264_nvenc</c>...).</summary>
    public string? EncoderName { get; private set; }

    /// <summary>Whether this transcoder is the derived path's source now (its first keyframe is out).</summary>
    public bool Publishing => Volatile.Read(ref _publishing);

    public long FramesIn => Interlocked.Read(ref _framesIn);

    public long FramesOut => Interlocked.Read(ref _framesOut);

    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>Makes the next encoded picture a keyframe (a player joined or asked for one).</summary>
    public void RequestKeyframe() => Volatile.Write(ref _forceKeyframe, 1);

    protected override void OnStopped() => Volatile.Write(ref _state, "stopped");

    protected override async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                while (_source.State != PathState.Ready || !_source.Tracks.Any(t => t.IsVideo))
                {
                    Volatile.Write(ref _state, "waiting");
                    await Task.Delay(TimeSpan.FromMilliseconds(200), _time, token).ConfigureAwait(false);
                }

                _encoders ??= await _chooseEncoders(token).ConfigureAwait(false);
                await TranscodeAsync(_encoders, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is FfmpegException or InvalidOperationException)
            {
                Volatile.Write(ref _state, "failed");
                Volatile.Write(ref _lastError, ex.Message);
                Log.Failed(_logger, _output.Name, ex.Message);
                if (!await WaitAsync(TimeSpan.FromSeconds(2), _time, token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    /// <summary>One run while the source is up: ends when the source goes away (or its tracks change).</summary>
    private async Task TranscodeAsync(EncoderChoice encoders, CancellationToken token)
    {
        var pictures = Channel.CreateBounded<MediaFrame>(new BoundedChannelOptions(QueueLength)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        }, dropped =>
        {
            dropped.Dispose();
            Interlocked.Increment(ref _framesDropped);
        });
        var sourceTracks = _source.Tracks;
        using var subscription = _decoders.For(_source).Subscribe((frame, _) =>
        {
            Interlocked.Increment(ref _framesIn);
            if (!pictures.Writer.TryWrite(frame.Clone()))
            {
                Interlocked.Increment(ref _framesDropped);
            }
        });
        var conversion = ConvertAudio(sourceTracks);
        var output = new OutputState(this, sourceTracks, conversion);
        var audioCopy = Task.CompletedTask;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        try
        {
            audioCopy = AudioAsync(output, sourceTracks, conversion, stop.Token);
            await EncodeAsync(pictures.Reader, output, encoders, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            pictures.Writer.TryComplete();
            while (pictures.Reader.TryRead(out var left))
            {
                left.Dispose();
            }

            await audioCopy.ConfigureAwait(false);
            output.Dispose();
        }
    }

    private async Task EncodeAsync(ChannelReader<MediaFrame> pictures, OutputState output, EncoderChoice encoders, CancellationToken token)
    {
        VideoPipeline? pipeline = null;
        var canonical = new ArrayBufferWriter<byte>();
        long nextPts = long.MinValue;
        long previousPts = long.MinValue;
        long lastEncodedPts = long.MinValue;
        int sourceFps = 0;
        try
        {
            while (true)
            {
                using var received = await NextPictureAsync(pictures, token).ConfigureAwait(false);
                if (received is null)
                {
                    return; // the source went away
                }

                using var decorated = Decorate?.Invoke(received);
                var picture = decorated ?? received;

                var info = picture.Info;
                if (info.Pts <= lastEncodedPts)
                {
                    continue; // an older picture again (the shared decoder restarted at the cached GOP): keep time moving forward
                }

                if (sourceFps == 0)
                {
                    // The source's frame rate, from the first two pictures (an SPS often does not say).
                    if (previousPts == long.MinValue)
                    {
                        previousPts = info.Pts;
                        continue;
                    }

                    long delta = info.Pts - previousPts;
                    sourceFps = delta > 0 ? (int)Math.Clamp(Math.Round(90000.0 / delta), 1, 240) : 25;
                }

                int fps = _profile.Video.Fps is { } wanted ? Math.Min(wanted, sourceFps) : sourceFps;
                if (fps < sourceFps)
                {
                    // Fewer pictures out than in: keep one per output interval.
                    if (nextPts != long.MinValue && info.Pts < nextPts)
                    {
                        continue;
                    }

                    nextPts = (nextPts == long.MinValue ? info.Pts : nextPts) + (90000 / fps);
                }

                if (pipeline is null)
                {
                    var (width, height) = OutputSize(info.Width, info.Height);
                    pipeline = OpenPipeline(encoders, picture, width, height, fps);
                    EncoderName = pipeline.EncoderName;
                    Volatile.Write(ref _state, "running");
                    Log.Started(_logger, _output.Name, EncoderName, width, height, fps);
                }

                lastEncodedPts = info.Pts;
                try
                {
                    pipeline.Send(picture, Interlocked.Exchange(ref _forceKeyframe, 0) == 1);
                    while (pipeline.TryReceive(out var packet))
                    {
                        canonical.ResetWrittenCount();
                        if (ToCanonical(output.VideoCodec, packet.Data, canonical) > 0)
                        {
                            output.WriteVideo(canonical.WrittenSpan, packet.Pts, packet.Keyframe);
                            Interlocked.Increment(ref _framesOut);
                        }
                    }
                }
                catch (FfmpegException ex) when (!_softwareOnly && pipeline.Candidate.Hardware)
                {
                    // The GPU failed mid-stream: this stream goes on in software from the next picture, a keyframe.
                    encoders.ReportFallback(_output.Name, pipeline.EncoderName, ex.Message);
                    _softwareOnly = true;
                    pipeline.Dispose();
                    pipeline = null;
                    RequestKeyframe();
                }
            }
        }
        finally
        {
            pipeline?.Dispose();
        }
    }

    /// <summary>
    /// An encoder's packet in the track's canonical form (<see cref="CodecId"/>): H.264/H.265 from Annex B
    /// to length-prefixed; AV1 without its temporal delimiter; VP9 as it is. Returns the bytes written.
    /// </summary>
    internal static int ToCanonical(CodecId codec, ReadOnlySpan<byte> packet, ArrayBufferWriter<byte> canonical)
    {
        switch (codec)
        {
            case CodecId.H264 or CodecId.H265:
                return AnnexB.ToLengthPrefixed(packet, canonical);
            case CodecId.Av1:
                foreach (var obu in Av1Obu.Enumerate(packet))
                {
                    if (obu.Type is not (Av1Obu.TemporalDelimiter or Av1Obu.TileList or Av1Obu.Padding))
                    {
                        canonical.Write(obu.Data);
                    }
                }

                return canonical.WrittenCount;
            default:
                canonical.Write(packet);
                return packet.Length;
        }
    }

    /// <summary>The next picture, or null when none came for a while and the source is gone.</summary>
    private async Task<MediaFrame?> NextPictureAsync(ChannelReader<MediaFrame> pictures, CancellationToken token)
    {
        while (true)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
            wait.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                return await pictures.ReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                if (_source.State != PathState.Ready)
                {
                    return null;
                }
            }
        }
    }

    private (int Width, int Height) OutputSize(int sourceWidth, int sourceHeight)
    {
        var video = _profile.Video;
        return (video.Width, video.Height) switch
        {
            ({ } w, { } h) => (w, h),
            ({ } w, null) => Scaler.FitWidth(sourceWidth, sourceHeight, w),
            (null, { } h) => (Math.Max(2, (int)Math.Round(sourceWidth * (double)h / sourceHeight) & ~1), h),
            _ => (sourceWidth & ~1, sourceHeight & ~1),
        };
    }

    private VideoPipeline OpenPipeline(EncoderChoice encoders, MediaFrame first, int width, int height, int fps)
    {
        var video = _profile.Video;
        int gop = Math.Max(1, (int)Math.Round(video.Gop.TotalSeconds * fps));
        foreach (var candidate in encoders.Candidates)
        {
            if (candidate.Hardware && _softwareOnly)
            {
                continue;
            }

            var settings = new VideoEncoderSettings(candidate.Name, width, height, PixelFormat.Yuv420P, 90000, fps)
            {
                Bitrate = video.Bitrate,
                Gop = gop,
                Options = candidate.Options(video.Preset),
            };
            try
            {
                return VideoPipeline.Open(candidate, settings, first, encoders.Device);
            }
            catch (FfmpegException ex) when (candidate.Hardware)
            {
                // The hardware encoder cannot open here: fall back to software for this stream.
                encoders.ReportFallback(_output.Name, candidate.Name, ex.Message);
                _softwareOnly = true;
            }
            catch (FfmpegException ex) when (!ReferenceEquals(candidate, encoders.Candidates[^1]))
            {
                // A software encoder this FFmpeg build lacks (or rejects): the next one.
                Log.EncoderUnavailable(_logger, _output.Name, candidate.Name, ex.Message);
            }
        }

        throw new InvalidOperationException($"no {video.Codec.ToString().ToLowerInvariant()} encoder could be opened");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.TranscodeStarted, EventName = "TranscodeStarted", Level = LogLevel.Information,
            Message = "Transcode {Path}: {Encoder} {Width}x{Height} at {Fps} fps")]
        public static partial void Started(ILogger logger, string path, string encoder, int width, int height, int fps);

        [LoggerMessage(EventId = Infrastructure.EventIds.TranscodeEncoderUnavailable, EventName = "TranscodeEncoderUnavailable", Level = LogLevel.Information,
            Message = "Transcode {Path}: {Encoder} cannot be used ({Reason}); trying the next encoder")]
        public static partial void EncoderUnavailable(ILogger logger, string path, string encoder, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.TranscodeFailed, EventName = "TranscodeFailed", Level = LogLevel.Warning,
            Message = "Transcode {Path} failed: {Reason}; retrying")]
        public static partial void Failed(ILogger logger, string path, string reason);
    }
}
