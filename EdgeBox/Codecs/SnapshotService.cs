using EdgeBox.Media;

namespace EdgeBox.Codecs;

/// <summary>Why a snapshot could not be taken.</summary>
internal enum SnapshotFailure
{
    None,

    /// <summary>The path has no source (or no video track) right now.</summary>
    NoSource,

    /// <summary>No picture was decoded in time (no keyframe arrived, or the stream is corrupt).</summary>
    Timeout,

    /// <summary>FFmpeg is not available in this installation.</summary>
    Unavailable,
}

/// <summary>
/// JPEG snapshots of a path's current picture, from the path's shared decoder. A result is kept for
/// <see cref="CacheFor"/> per path and width, so a wall of dashboards polling once a second costs one
/// encode per second, not one per viewer.
/// </summary>
internal sealed partial class SnapshotService(DecoderHub decoders, TimeProvider time, ILogger<SnapshotService> logger)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for a picture: a keyframe interval of a few seconds plus decoding.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(8);

    private readonly Lock _gate = new();
    private readonly Dictionary<(MediaPath, int), (long At, byte[] Jpeg)> _cache = [];

    public async Task<(byte[]? Jpeg, SnapshotFailure Failure)> TakeAsync(MediaPath path, int? width, bool available, CancellationToken cancellationToken)
    {
        if (!available)
        {
            return (null, SnapshotFailure.Unavailable);
        }

        if (path.State != PathState.Ready || !path.Tracks.Any(t => t.IsVideo))
        {
            return (null, SnapshotFailure.NoSource);
        }

        var key = (path, width ?? 0);
        lock (_gate)
        {
            if (_cache.TryGetValue(key, out var cached) && time.GetElapsedTime(cached.At) < CacheFor)
            {
                return (cached.Jpeg, SnapshotFailure.None);
            }
        }

        using var picture = await NextPictureAsync(path, cancellationToken).ConfigureAwait(false);
        if (picture is null)
        {
            return (null, SnapshotFailure.Timeout);
        }

        byte[] jpeg;
        try
        {
            jpeg = JpegEncoder.Encode(picture, width);
        }
        catch (FfmpegException ex)
        {
            Log.SnapshotFailed(logger, path.Name, ex.Message);
            return (null, SnapshotFailure.Timeout);
        }

        lock (_gate)
        {
            foreach (var stale in _cache.Where(c => time.GetElapsedTime(c.Value.At) >= CacheFor).Select(c => c.Key).ToList())
            {
                _cache.Remove(stale);
            }

            _cache[key] = (time.GetTimestamp(), jpeg);
        }

        return (jpeg, SnapshotFailure.None);
    }

    /// <summary>The first live picture (or the last one decoded when the wait runs out).</summary>
    private async Task<MediaFrame?> NextPictureAsync(MediaPath path, CancellationToken cancellationToken)
    {
        var waiting = new PictureWait();
        using (decoders.For(path).Subscribe(waiting.Offer))
        {
            try
            {
                await waiting.Live.WaitAsync(Wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Take whatever was decoded.
            }
        }

        return waiting.Take();
    }

    /// <summary>Keeps the newest picture offered until it is taken; pictures offered after that are released.</summary>
    private sealed class PictureWait
    {
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private MediaFrame? _latest;
        private bool _taken;

        public Task Live => _live.Task;

        public void Offer(MediaFrame frame, bool live)
        {
            lock (_gate)
            {
                if (_taken || _live.Task.IsCompleted)
                {
                    return;
                }

                _latest?.Dispose();
                _latest = frame.Clone();
            }

            if (live)
            {
                _live.TrySetResult();
            }
        }

        public MediaFrame? Take()
        {
            lock (_gate)
            {
                _taken = true;
                var picture = _latest;
                _latest = null;
                return picture;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.SnapshotFailed, EventName = "SnapshotFailed", Level = LogLevel.Warning,
            Message = "Path {Path}: snapshot failed: {Reason}")]
        public static partial void SnapshotFailed(ILogger logger, string path, string reason);
    }
}
