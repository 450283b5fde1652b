using EdgeBox.Configuration;
using EdgeBox.Media;

namespace EdgeBox.Recording;

/// <summary>
/// Records one path continuously: a reader of the path (so the source never waits for the disk)
/// writes fMP4 segments of <c>recordSegmentDuration</c>, cut at a video keyframe, each made of
/// fragments of <c>recordPartDuration</c> written whole and flushed to disk, so a crash or a power
/// loss costs at most the fragment being built. Every fragment updates the segment's index entry.
/// When the disk is full, recording stops with an alarm (live serving goes on) and resumes once
/// retention or the user made room.
/// </summary>
internal sealed partial class PathRecorder : Infrastructure.BackgroundWorker
{
    /// <summary>Free bytes under which a write failure is taken for a full disk.</summary>
    private const long DiskFullBytes = 16 << 20;

    private readonly MediaPath _path;
    private readonly PathConfig _settings;
    private readonly string _dataDirectory;
    private readonly SegmentIndex _index;
    private readonly Events.EventBus _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private string _state = "waiting";
    private bool _diskFull;
    private SegmentSink? _sink;

    public PathRecorder(MediaPath path, PathConfig settings, string dataDirectory, SegmentIndex index, Events.EventBus events, TimeProvider time, ILogger logger)
    {
        _path = path;
        _settings = settings;
        _dataDirectory = dataDirectory;
        _index = index;
        _events = events;
        _time = time;
        _logger = logger;
    }

    public MediaPath Path => _path;

    public PathConfig Settings => _settings;

    /// <summary><c>waiting</c> (for the source), <c>recording</c>, <c>diskfull</c>, <c>failed</c> (retrying), <c>stopped</c>.</summary>
    public string State => Volatile.Read(ref _state);

    /// <summary>The segment being written, for the API.</summary>
    public RecordedSegment? Current => Volatile.Read(ref _sink)?.Current;

    protected override void OnStopped() => Volatile.Write(ref _state, "stopped");

    protected override async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                while (_path.State != PathState.Ready || _path.Tracks.Count == 0)
                {
                    Volatile.Write(ref _state, "waiting");
                    await Task.Delay(TimeSpan.FromMilliseconds(200), _time, token).ConfigureAwait(false);
                }

                await RecordAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (IsDiskFull())
                {
                    if (!_diskFull)
                    {
                        _diskFull = true;
                        Log.DiskFull(_logger, _path.Name, ex.Message);
                        _events.Publish(Events.EventTypes.RecordingDiskFull, _path.Name, null, "the recordings volume is full: recording stopped until there is room");
                    }

                    Volatile.Write(ref _state, "diskfull");
                }
                else
                {
                    Volatile.Write(ref _state, "failed");
                    Log.Failed(_logger, _path.Name, ex.Message);
                }

                if (!await WaitAsync(TimeSpan.FromSeconds(5), _time, token).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    private bool IsDiskFull()
    {
        try
        {
            return new DriveInfo(System.IO.Path.GetFullPath(_dataDirectory)).AvailableFreeSpace < DiskFullBytes;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>One run while the source is up and its tracks stay the same.</summary>
    private async Task RecordAsync(CancellationToken token)
    {
        var tracks = _path.Tracks;
        await using var sink = new SegmentSink(_path.Name, tracks, _settings, _dataDirectory, _index, _time, _logger) { Opened = SegmentOpened };
        _sink = sink;
        try
        {
            if (sink.Recorded.Count == 0)
            {
                await WaitWhileAsync(() => ReferenceEquals(_path.Tracks, tracks) && _path.State == PathState.Ready, token).ConfigureAwait(false);
                return;
            }

            using var reader = _path.TryAddReader("recorder", 0) ?? throw new IOException("the path refused the recorder as a reader");
            while (await NextAsync(reader, token).ConfigureAwait(false) && ReferenceEquals(_path.Tracks, tracks))
            {
                while (reader.Units.TryRead(out var unit))
                {
                    try
                    {
                        await sink.WriteAsync(unit, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        unit.Release();
                    }
                }
            }

            // The source went away, or came back with other tracks: the sink closes this segment.
        }
        finally
        {
            _sink = null;
        }
    }

    private void SegmentOpened()
    {
        if (_diskFull)
        {
            _diskFull = false;
            Log.Resumed(_logger, _path.Name);
        }

        Volatile.Write(ref _state, "recording");
    }

    /// <summary>Waits for queued units; false when none came for a while and the source is gone.</summary>
    private async Task<bool> NextAsync(PathReader reader, CancellationToken token)
    {
        while (true)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(token);
            wait.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                return await reader.Units.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                if (_path.State != PathState.Ready)
                {
                    return false;
                }
            }
        }
    }

    private async Task WaitWhileAsync(Func<bool> condition, CancellationToken token)
    {
        while (condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), _time, token).ConfigureAwait(false);
        }
    }
}
