using EdgeBox.Configuration;
using EdgeBox.Formats.Mp4;
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
    private readonly RecordPathPattern _pattern;
    private string _state = "waiting";
    private bool _diskFull;

    public PathRecorder(MediaPath path, PathConfig settings, string dataDirectory, SegmentIndex index, Events.EventBus events, TimeProvider time, ILogger logger)
    {
        _path = path;
        _settings = settings;
        _dataDirectory = dataDirectory;
        _index = index;
        _events = events;
        _time = time;
        _logger = logger;
        _pattern = new RecordPathPattern(settings.RecordPath ?? PathConfig.BuiltInDefaults.RecordPath!);
    }

    public MediaPath Path => _path;

    public PathConfig Settings => _settings;

    /// <summary><c>waiting</c> (for the source), <c>recording</c>, <c>diskfull</c>, <c>failed</c> (retrying), <c>stopped</c>.</summary>
    public string State => Volatile.Read(ref _state);

    /// <summary>The segment being written, for the API.</summary>
    public RecordedSegment? Current { get; private set; }

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
        var recorded = tracks.Where(t => FragmentedMp4Writer.CanRecord(t, out _)).ToList();
        foreach (var skipped in tracks.Except(recorded))
        {
            FragmentedMp4Writer.CanRecord(skipped, out string? reason);
            Log.TrackSkipped(_logger, _path.Name, skipped.Index, reason ?? "not supported");
        }

        if (recorded.Count == 0)
        {
            await WaitWhileAsync(() => ReferenceEquals(_path.Tracks, tracks) && _path.State == PathState.Ready, token).ConfigureAwait(false);
            return;
        }

        using var reader = _path.TryAddReader("recorder", 0) ?? throw new IOException("the path refused the recorder as a reader");
        bool hasVideo = recorded.Any(t => t.IsVideo);
        var segmentLength = _settings.RecordSegmentDuration ?? TimeSpan.FromMinutes(10);
        var partLength = _settings.RecordPartDuration ?? TimeSpan.FromSeconds(1);
        Segment? segment = null;
        try
        {
            while (true)
            {
                if (!await NextAsync(reader, token).ConfigureAwait(false) || !ReferenceEquals(_path.Tracks, tracks))
                {
                    return; // the source went away, or came back with other tracks: close this segment
                }

                while (reader.Units.TryRead(out var unit))
                {
                    try
                    {
                        if (recorded.All(t => t.Index != unit.TrackIndex))
                        {
                            continue;
                        }

                        bool video = tracks[unit.TrackIndex].IsVideo;
                        bool cutPoint = !hasVideo || (video && unit.Keyframe);
                        if (segment is null)
                        {
                            if (!cutPoint)
                            {
                                continue; // a segment starts at a keyframe
                            }

                            segment = Open(recorded, unit);
                        }
                        else if (cutPoint && segment.Writer.TimeOf(unit) is { } at && at >= segmentLength)
                        {
                            await CloseAsync(segment, at, token).ConfigureAwait(false);
                            segment = Open(recorded, unit);
                        }
                        else if ((video || !hasVideo) && segment.Writer.TimeOf(unit) is { } now && now - segment.FragmentStart >= partLength)
                        {
                            await FlushAsync(segment, now, token).ConfigureAwait(false);
                        }

                        if (segment.Writer.Add(unit) && segment.Writer.PendingSamples == 1)
                        {
                            segment.FragmentStart = segment.Writer.TimeOf(unit) ?? segment.FragmentStart;
                        }
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
            if (segment is not null)
            {
                await CloseAsync(segment, null, CancellationToken.None).ConfigureAwait(false);
            }
        }
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

    private Segment Open(IReadOnlyList<MediaTrack> tracks, AccessUnit first)
    {
        // Wall-clock start: when the first unit arrived (a cached GOP arrived before the recorder joined).
        var start = _time.GetUtcNow() - _time.GetElapsedTime(first.Arrival);
        string file = _pattern.Expand(_path.Name, start);
        string full = System.IO.Path.Combine(_dataDirectory, file);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var stream = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        // The init segment goes out with the first fragment, in the same write.
        var writer = new FragmentedMp4Writer(stream, new FragmentedMp4Options { FlushToDisk = true });
        writer.WriteInit(tracks);

        var entry = _index.Upsert(new RecordedSegment(_path.Name, file, start, start, writer.BytesWritten)
        {
            Codecs = [.. tracks.Select(t => t.Codec.Name())],
        });
        Current = entry;
        if (_diskFull)
        {
            _diskFull = false;
            Log.Resumed(_logger, _path.Name);
        }

        Volatile.Write(ref _state, "recording");
        Log.SegmentOpened(_logger, _path.Name, file);
        return new Segment(entry, stream, writer);
    }

    private async Task FlushAsync(Segment segment, TimeSpan? end, CancellationToken token)
    {
        if (await segment.Writer.FlushAsync(end, token).ConfigureAwait(false) is null)
        {
            return;
        }

        var start = segment.Entry.Start;
        segment.Entry = _index.Upsert(segment.Entry with
        {
            End = start + segment.Writer.Duration,
            Size = segment.Writer.BytesWritten,
            Keyframes = [.. segment.Writer.Keyframes.Select(k => new SegmentKeyframe(start + k.Time, k.FragmentOffset))],
        });
        Current = segment.Entry;
    }

    private async Task CloseAsync(Segment segment, TimeSpan? end, CancellationToken token)
    {
        try
        {
            await FlushAsync(segment, end, token).ConfigureAwait(false);
        }
        finally
        {
            bool empty = segment.Writer.FragmentCount == 0;
            segment.Writer.Dispose();
            await segment.Stream.DisposeAsync().ConfigureAwait(false);
            Current = null;
            if (empty)
            {
                // Not one sample reached it (the source went away at once): no file, no entry.
                File.Delete(System.IO.Path.Combine(_dataDirectory, segment.Entry.File));
                _index.Remove(segment.Entry.Id);
            }
            else
            {
                segment.Entry = _index.Upsert(segment.Entry with { Complete = true });
                Log.SegmentClosed(_logger, _path.Name, segment.Entry.File, segment.Entry.Duration.TotalSeconds, segment.Entry.Size);
            }
        }
    }

    private sealed class Segment(RecordedSegment entry, FileStream stream, FragmentedMp4Writer writer)
    {
        public RecordedSegment Entry { get; set; } = entry;

        public FileStream Stream { get; } = stream;

        public FragmentedMp4Writer Writer { get; } = writer;

        /// <summary>File time of the first sample of the fragment being built.</summary>
        public TimeSpan FragmentStart { get; set; }
    }
}
