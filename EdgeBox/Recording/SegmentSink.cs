using EdgeBox.Configuration;
using EdgeBox.Formats.Mp4;
using EdgeBox.Media;

namespace EdgeBox.Recording;

/// <summary>
/// Writes one run of a path's access units (tracks fixed) to fMP4 segment files: a segment starts at a
/// video keyframe (any unit of an audio-only path), is cut at the first keyframe after
/// <c>recordSegmentDuration</c>, and is made of fragments of <c>recordPartDuration</c>, each written whole
/// and flushed to disk, so a crash costs at most the fragment being built. Every fragment updates the
/// segment's entry in the index. Used by the continuous recorder and by event clips.
/// </summary>
internal sealed partial class SegmentSink : IAsyncDisposable
{
    private readonly string _pathName;
    private readonly IReadOnlyList<MediaTrack> _tracks;
    private IReadOnlyList<MediaTrack> _recorded;
    private bool _settled;
    private readonly string _dataDirectory;
    private readonly SegmentIndex _index;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecordPathPattern _pattern;
    private readonly TimeSpan _segmentLength;
    private readonly TimeSpan _partLength;
    private bool _hasVideo;
    private Segment? _segment;

    /// <summary>How often the index gets the entry of the segment being written (see <see cref="FlushAsync"/>).</summary>
    public static readonly TimeSpan IndexInterval = TimeSpan.FromSeconds(10);

    /// <param name="tracks">The path's tracks; the ones fMP4 cannot hold are left out (see <see cref="Recorded"/>).</param>
    public SegmentSink(string pathName, IReadOnlyList<MediaTrack> tracks, PathConfig settings, string dataDirectory, SegmentIndex index,
        TimeProvider time, ILogger logger)
    {
        _pathName = pathName;
        _tracks = tracks;
        // A video track whose parameter sets come in-band (WebRTC, an RTSP publisher without sprop) is
        // kept until the first segment opens at its first keyframe, which brings them.
        _recorded = [.. tracks.Where(t => FragmentedMp4Writer.CanRecord(t, out _) || AwaitsParameters(t))];
        _dataDirectory = dataDirectory;
        _index = index;
        _time = time;
        _logger = logger;
        _pattern = new RecordPathPattern(settings.RecordPath ?? PathConfig.BuiltInDefaults.RecordPath!);
        _segmentLength = settings.RecordSegmentDuration ?? TimeSpan.FromMinutes(10);
        _partLength = settings.RecordPartDuration ?? TimeSpan.FromSeconds(1);
        _hasVideo = _recorded.Any(t => t.IsVideo);
        LogSkipped(tracks.Except(_recorded));
    }

    /// <summary>A video track that cannot be described yet only because its parameter sets have not arrived.</summary>
    private static bool AwaitsParameters(MediaTrack track) =>
        track.IsVideo && track.Codec is CodecId.H264 or CodecId.H265 or CodecId.Av1
        && track.Parameters is { Sps: null, SequenceHeader: null };

    /// <summary>At the first segment: the tracks whose parameters still lack are left out from now on.</summary>
    private void Settle()
    {
        if (_settled)
        {
            return;
        }

        _settled = true;
        var ready = _recorded.Where(t => FragmentedMp4Writer.CanRecord(t, out _)).ToList();
        LogSkipped(_recorded.Except(ready));
        _recorded = ready;
        _hasVideo = ready.Any(t => t.IsVideo);
    }

    private void LogSkipped(IEnumerable<MediaTrack> skipped)
    {
        foreach (var track in skipped)
        {
            FragmentedMp4Writer.CanRecord(track, out string? reason);
            Log.TrackSkipped(_logger, _pathName, track.Index, reason ?? "not supported");
        }
    }

    /// <summary>The tracks that are written.</summary>
    public IReadOnlyList<MediaTrack> Recorded => _recorded;

    /// <summary>The segment being written, for the API.</summary>
    public RecordedSegment? Current => _segment?.Entry;

    /// <summary>Called when a segment file was opened (the recorder clears its disk-full alarm then).</summary>
    public Action? Opened { get; init; }

    /// <summary>Every segment this sink wrote (complete ones and the current one), by index id.</summary>
    public List<long> Written { get; } = [];

    /// <summary>Writes <paramref name="unit"/> (the caller keeps its reference) and cuts or flushes where it is time.</summary>
    public async ValueTask WriteAsync(AccessUnit unit, CancellationToken token)
    {
        if (_recorded.All(t => t.Index != unit.TrackIndex))
        {
            return;
        }

        bool video = _tracks[unit.TrackIndex].IsVideo;
        bool cutPoint = !_hasVideo || (video && unit.Keyframe);
        if (_segment is null)
        {
            if (!cutPoint)
            {
                return; // a segment starts at a keyframe
            }

            Settle();
            if (_recorded.All(t => t.Index != unit.TrackIndex))
            {
                return;
            }

            _segment = Open(unit);
        }
        else if (cutPoint && _segment.Writer.TimeOf(unit) is { } at && at >= _segmentLength)
        {
            await CloseAsync(at, token).ConfigureAwait(false);
            _segment = Open(unit);
        }
        else if ((video || !_hasVideo) && _segment.Writer.TimeOf(unit) is { } now && now - _segment.FragmentStart >= _partLength)
        {
            await FlushAsync(_segment, now, token).ConfigureAwait(false);
        }

        if (_segment.Writer.Add(unit) && _segment.Writer.PendingSamples == 1)
        {
            _segment.FragmentStart = _segment.Writer.TimeOf(unit) ?? _segment.FragmentStart;
        }
    }

    /// <summary>Writes what is pending and closes the segment (<paramref name="end"/>: the file time it ends at, when known).</summary>
    public async ValueTask CloseAsync(TimeSpan? end, CancellationToken token)
    {
        if (_segment is not { } segment)
        {
            return;
        }

        try
        {
            if (!segment.Writer.Failed)
            {
                await FlushAsync(segment, end, token, closing: true).ConfigureAwait(false);
            }
        }
        finally
        {
            _segment = null;
            bool empty = segment.Writer.FragmentCount == 0;
            if (segment.Writer.Failed && !empty)
            {
                CutBack(segment);
            }

            segment.Writer.Dispose();
            await segment.Stream.DisposeAsync().ConfigureAwait(false);
            if (empty)
            {
                // Not one sample reached it (the source went away at once): no file, no entry.
                File.Delete(Path.Combine(_dataDirectory, segment.Entry.File));
                _index.Remove(segment.Entry.Id);
                Written.Remove(segment.Entry.Id);
            }
            else
            {
                segment.Entry = _index.Upsert(segment.Entry with { Complete = true });
                Log.SegmentClosed(_logger, _pathName, segment.Entry.File, segment.Entry.Duration.TotalSeconds, segment.Entry.Size);
            }
        }
    }

    public ValueTask DisposeAsync() => CloseAsync(null, CancellationToken.None);

    /// <summary>
    /// After a failed write (a full disk) the file may end in part of a fragment: cut it back to the end of the
    /// last complete one (shrinking needs no space), so the closed segment plays to its end like any other.
    /// </summary>
    private void CutBack(Segment segment)
    {
        try
        {
            segment.Stream.SetLength(segment.Writer.BytesWritten);
            segment.Stream.Flush(flushToDisk: true);
        }
        catch (IOException ex)
        {
            // Left as it is: the next start-up's repair cuts it back (SegmentRepair).
            Log.CutBackFailed(_logger, _pathName, segment.Entry.File, ex.Message);
        }
    }

    private Segment Open(AccessUnit first)
    {
        // Wall-clock start: when the first unit arrived (a cached GOP or pre-roll arrived before the writer joined).
        var start = _time.GetUtcNow() - _time.GetElapsedTime(first.Arrival);
        string file = _pattern.Expand(_pathName, start);
        string full = Path.Combine(_dataDirectory, file);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var stream = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        try
        {
            // The init segment goes out with the first fragment, in the same write.
            var writer = new FragmentedMp4Writer(stream, new FragmentedMp4Options { FlushToDisk = true });
            writer.WriteInit(_recorded);
            var entry = _index.Upsert(new RecordedSegment(_pathName, file, start, start, writer.BytesWritten)
            {
                Codecs = [.. _recorded.Select(t => t.Codec.Name())],
            });
            Written.Add(entry.Id);
            Opened?.Invoke();
            Log.SegmentOpened(_logger, _pathName, file);
            return new Segment(entry, stream, writer);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private async Task FlushAsync(Segment segment, TimeSpan? end, CancellationToken token, bool closing = false)
    {
        if (await segment.Writer.FlushAsync(end, token).ConfigureAwait(false) is null && !closing)
        {
            return;
        }

        var start = segment.Entry.Start;
        var entry = segment.Entry with { End = start + segment.Writer.Duration, Size = segment.Writer.BytesWritten };
        bool index = !closing && (segment.Indexed == 0 || _time.GetElapsedTime(segment.Indexed) >= IndexInterval);
        if (index || closing)
        {
            // The keyframe list grows with the segment: built only for what is stored.
            entry = entry with { Keyframes = [.. segment.Writer.Keyframes.Select(k => new SegmentKeyframe(start + k.Time, k.FragmentOffset))] };
        }

        // The entry in memory follows every fragment (the API reads it through RecordingManager.ForPath); the
        // index only every IndexInterval and at the end. Writing it every fragment made LiteDB the recorder's
        // main cost (the keyframe list grows with the segment: 12 % of the samples at 40 streams at first, 44 %
        // five minutes in) and, at 100 streams, outran its log. A crash loses nothing by it: the start-up repair
        // describes an open segment from its file. Closing writes the entry once, complete (CloseAsync).
        if (index)
        {
            entry = _index.Upsert(entry);
            segment.Indexed = _time.GetTimestamp();
        }

        segment.Entry = entry;
    }

    private sealed class Segment(RecordedSegment entry, FileStream stream, FragmentedMp4Writer writer)
    {
        public RecordedSegment Entry { get; set; } = entry;

        public FileStream Stream { get; } = stream;

        public FragmentedMp4Writer Writer { get; } = writer;

        /// <summary>File time of the first sample of the fragment being built.</summary>
        public TimeSpan FragmentStart { get; set; }

        /// <summary>When the index last got the entry (a <see cref="TimeProvider"/> timestamp; 0: not since it was opened).</summary>
        public long Indexed { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingSegmentOpened, EventName = "RecordingSegmentOpened", Level = LogLevel.Debug,
            Message = "Recording {Path}: writing {File}")]
        public static partial void SegmentOpened(ILogger logger, string path, string file);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingSegmentClosed, EventName = "RecordingSegmentClosed", Level = LogLevel.Information,
            Message = "Recording {Path}: {File} complete ({Seconds:0.0} s, {Bytes} bytes)")]
        public static partial void SegmentClosed(ILogger logger, string path, string file, double seconds, long bytes);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingTrackSkipped, EventName = "RecordingTrackSkipped", Level = LogLevel.Warning,
            Message = "Recording {Path}: track {Track} is not recorded ({Reason})")]
        public static partial void TrackSkipped(ILogger logger, string path, int track, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingCutBackFailed, EventName = "RecordingCutBackFailed", Level = LogLevel.Warning,
            Message = "Recording {Path}: {File} ends in an incomplete fragment that could not be cut off ({Reason}); the next start repairs it")]
        public static partial void CutBackFailed(ILogger logger, string path, string file, string reason);
    }
}
