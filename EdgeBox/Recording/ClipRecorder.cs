using EdgeBox.Configuration;
using EdgeBox.Media;

namespace EdgeBox.Recording;

/// <summary>
/// Writes an event clip of a path that does not record continuously: it joins the path with up to
/// <c>preRoll</c> of history (the path's pre-roll buffer, from the keyframe at or before the pre-roll),
/// writes it and then the live units to segment files until <see cref="Until"/>, which later clips of the
/// same path may push back (<see cref="Extend"/>), so overlapping clips share one set of files. It stops
/// early when the source goes away or changes its tracks.
/// </summary>
internal sealed partial class ClipRecorder : Infrastructure.BackgroundWorker
{
    private readonly MediaPath _path;
    private readonly PathConfig _settings;
    private readonly TimeSpan _preRoll;
    private readonly string _dataDirectory;
    private readonly SegmentIndex _index;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<DateTimeOffset?> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DateTimeOffset> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _untilTicks;
    private SegmentSink? _sink;

    public ClipRecorder(MediaPath path, PathConfig settings, TimeSpan preRoll, DateTimeOffset until, string dataDirectory, SegmentIndex index,
        TimeProvider time, ILogger logger)
    {
        _path = path;
        _settings = settings;
        _preRoll = preRoll;
        _untilTicks = until.UtcTicks;
        _dataDirectory = dataDirectory;
        _index = index;
        _time = time;
        _logger = logger;
    }

    public MediaPath Path => _path;

    /// <summary>When the clip stops recording.</summary>
    public DateTimeOffset Until => new(Interlocked.Read(ref _untilTicks), TimeSpan.Zero);

    /// <summary>The wall-clock time of the clip's first picture once its first file is open (null: nothing was recorded).</summary>
    public Task<DateTimeOffset?> Started => _started.Task;

    /// <summary>The segment being written, as it is now (the index gets it every few seconds).</summary>
    public RecordedSegment? Current => Volatile.Read(ref _sink)?.Current;

    /// <summary>When the clip stopped recording.</summary>
    public Task<DateTimeOffset> Finished => _finished.Task;

    /// <summary>Records until <paramref name="until"/> if that is later; false when the clip already stopped.</summary>
    public bool Extend(DateTimeOffset until)
    {
        long ticks = until.UtcTicks;
        long seen = Interlocked.Read(ref _untilTicks);
        while (ticks > seen)
        {
            long was = Interlocked.CompareExchange(ref _untilTicks, ticks, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }

        return !_finished.Task.IsCompleted;
    }

    protected override async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await RecordAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // EdgeBox is stopping: the sink closed what was written.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            Log.Failed(_logger, _path.Name, ex.Message);
        }
        finally
        {
            _started.TrySetResult(null);
            _finished.TrySetResult(_time.GetUtcNow());
        }
    }

    private async Task RecordAsync(CancellationToken stopping)
    {
        var tracks = _path.Tracks;
        using var reader = _path.TryAddReader("clip", 0, _preRoll, out var past) ?? throw new IOException("the path refused the clip as a reader");
        try
        {
            await using var sink = new SegmentSink(_path.Name, tracks, _settings, _dataDirectory, _index, _time, _logger);
            Volatile.Write(ref _sink, sink);
            foreach (var unit in past)
            {
                await WriteAsync(sink, unit, stopping).ConfigureAwait(false);
            }

            while (_time.GetUtcNow() < Until && ReferenceEquals(_path.Tracks, tracks))
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                var left = Until - _time.GetUtcNow();
                wait.CancelAfter(left < TimeSpan.FromSeconds(1) ? (left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1)) : TimeSpan.FromSeconds(1));
                bool more;
                try
                {
                    more = await reader.Units.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    if (_path.State != PathState.Ready)
                    {
                        break; // the source went away
                    }

                    continue;
                }

                if (!more)
                {
                    break; // the reader was closed (tracks changed, path removed)
                }

                while (reader.Units.TryRead(out var unit))
                {
                    try
                    {
                        await WriteAsync(sink, unit, stopping).ConfigureAwait(false);
                    }
                    finally
                    {
                        unit.Release();
                    }
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sink, null);
            foreach (var unit in past)
            {
                unit.Release();
            }
        }
    }

    private async ValueTask WriteAsync(SegmentSink sink, AccessUnit unit, CancellationToken stopping)
    {
        await sink.WriteAsync(unit, stopping).ConfigureAwait(false);
        if (!_started.Task.IsCompleted && sink.Current is { } first)
        {
            _started.TrySetResult(first.Start);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingClipFailed, EventName = "RecordingClipFailed", Level = LogLevel.Warning,
            Message = "Clip of {Path} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string path, string reason);
    }
}
