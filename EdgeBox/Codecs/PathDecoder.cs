using EdgeBox.Media;

namespace EdgeBox.Codecs;

/// <summary>Receives decoded pictures of a path; the frame is borrowed: <see cref="MediaFrame.Clone"/> it to keep it.</summary>
/// <param name="frame">The picture.</param>
/// <param name="live">True when the decoder has caught up with the source (nothing older queued): the current picture.</param>
internal delegate void FrameHandler(MediaFrame frame, bool live);

/// <summary>
/// Decode once per path: one reader of the path decodes its video track for every consumer that needs
/// pictures (snapshots, transcode profiles, analyzers). It runs while someone is subscribed and stops
/// <see cref="Linger"/> after the last one left, so a path nobody looks at costs no decoding. A corrupt
/// unit is skipped (the decoder resynchronises at the next keyframe); a change of tracks reopens it.
/// </summary>
internal sealed partial class PathDecoder : IAsyncDisposable
{
    /// <summary>How long decoding goes on after the last consumer left (snapshot polling keeps it warm).</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(10);

    private readonly MediaPath _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<FrameHandler> _consumers = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private readonly Func<MediaPath, HwDeviceHandle?> _openDevice;
    private long _idleSince;

    /// <param name="openDevice">The GPU to decode on for a path, or null for software.</param>
    public PathDecoder(MediaPath path, TimeProvider time, ILogger logger, Func<MediaPath, HwDeviceHandle?> openDevice)
    {
        _path = path;
        _openDevice = openDevice;
        _time = time;
        _logger = logger;
        _idleSince = time.GetTimestamp();
    }

    public MediaPath Path => _path;

    /// <summary>Pictures decoded since start.</summary>
    public long FramesDecoded => Interlocked.Read(ref _framesDecoded);

    private long _framesDecoded;

    /// <summary>Whether no one has been subscribed for <see cref="Linger"/> (the owner then disposes it).</summary>
    public bool Idle
    {
        get
        {
            lock (_gate)
            {
                return _consumers.Count == 0 && _time.GetElapsedTime(_idleSince) >= Linger;
            }
        }
    }

    /// <summary>Adds a consumer (starting the decoder if needed); dispose the result to leave.</summary>
    public IDisposable Subscribe(FrameHandler handler)
    {
        lock (_gate)
        {
            _consumers.Add(handler);
            _loop ??= Task.Run(RunAsync);
        }

        return new Subscription(this, handler);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void Unsubscribe(FrameHandler handler)
    {
        lock (_gate)
        {
            _consumers.Remove(handler);
            if (_consumers.Count == 0)
            {
                _idleSince = _time.GetTimestamp();
            }
        }
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await DecodeAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (FfmpegException ex)
            {
                Log.DecoderFailed(_logger, _path.Name, ex.Message);
            }

            // The path has no video now, or its tracks changed: look again shortly.
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task DecodeAsync(CancellationToken token)
    {
        if (_path.State != PathState.Ready || _path.Tracks.FirstOrDefault(t => t.IsVideo) is not { } track)
        {
            return;
        }

        using var reader = _path.TryAddReader("decoder", 0);
        if (reader is null)
        {
            return;
        }

        using var device = track.Codec is CodecId.H264 or CodecId.H265 ? _openDevice(_path) : null;
        using var decoder = Decoder.Open(track, device);
        using var frame = new MediaFrame();
        string codec = track.Codec.Name();
        Log.DecoderStarted(_logger, _path.Name, decoder.Implementation, codec);
        while (await reader.Units.WaitToReadAsync(token).ConfigureAwait(false))
        {
            while (reader.Units.TryRead(out var unit))
            {
                try
                {
                    if (unit.TrackIndex != track.Index || !decoder.Send(unit))
                    {
                        continue;
                    }
                }
                finally
                {
                    unit.Release();
                }

                while (decoder.Receive(frame))
                {
                    Interlocked.Increment(ref _framesDecoded);
                    Deliver(frame, live: reader.Units.Count == 0);
                }
            }
        }
    }

    private void Deliver(MediaFrame frame, bool live)
    {
        FrameHandler[] consumers;
        lock (_gate)
        {
            consumers = [.. _consumers];
        }

        foreach (var consumer in consumers)
        {
            consumer(frame, live);
        }
    }

    private sealed class Subscription(PathDecoder owner, FrameHandler handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.DecoderStarted, EventName = "DecoderStarted", Level = LogLevel.Debug,
            Message = "Path {Path}: decoding {Codec} with {Decoder}")]
        public static partial void DecoderStarted(ILogger logger, string path, string decoder, string codec);

        [LoggerMessage(EventId = Infrastructure.EventIds.DecoderFailed, EventName = "DecoderFailed", Level = LogLevel.Warning,
            Message = "Path {Path}: the decoder failed: {Reason}")]
        public static partial void DecoderFailed(ILogger logger, string path, string reason);
    }
}
