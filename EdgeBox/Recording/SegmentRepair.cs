using EdgeBox.Formats.Mp4;

namespace EdgeBox.Recording;

/// <summary>
/// Makes the recordings index and the files agree at start-up. A segment that was being written when
/// EdgeBox died (<c>kill -9</c>, power loss) is cut back to its last complete fragment, so it plays;
/// the loss is the fragment being built (at most <c>recordPartDuration</c>). Index entries whose file is
/// gone are dropped; files the index does not know (a lost <c>edgebox.db</c>, files copied in by hand)
/// are added from their names (path and start time) and contents (duration, keyframes).
/// </summary>
internal static partial class SegmentRepair
{
    public static void Run(SegmentIndex index, string dataDirectory, IReadOnlyList<RecordPathPattern> patterns, ILogger logger)
    {
        var known = new Dictionary<string, RecordedSegment>(StringComparer.Ordinal);
        foreach (var entry in index.All())
        {
            string full = Path.Combine(dataDirectory, entry.File);
            if (!File.Exists(full))
            {
                index.Remove(entry.Id);
                Log.Forgotten(logger, entry.File);
                continue;
            }

            known[entry.File] = entry;
            if (!entry.Complete)
            {
                Update(index, entry, Repair(full, entry, logger), logger);
            }
        }

        int added = 0;
        foreach (var (file, path, start) in Discover(dataDirectory, patterns))
        {
            if (known.ContainsKey(file))
            {
                continue;
            }

            var entry = new RecordedSegment(path, file, start, start, 0);
            if (Repair(Path.Combine(dataDirectory, file), entry, logger) is { } found)
            {
                index.Upsert(found);
                added++;
            }
        }

        if (added > 0)
        {
            Log.Added(logger, added);
        }
    }

    private static void Update(SegmentIndex index, RecordedSegment entry, RecordedSegment? repaired, ILogger logger)
    {
        if (repaired is null)
        {
            index.Remove(entry.Id);
            Log.Forgotten(logger, entry.File);
        }
        else
        {
            index.Upsert(repaired with { Id = entry.Id });
        }
    }

    /// <summary>
    /// The segment as its file now is, cut back to its last complete fragment; null (and the file deleted) when nothing plays.
    /// An entry without an id (a file just written) is described without a log line.
    /// </summary>
    internal static RecordedSegment? Repair(string full, RecordedSegment entry, ILogger logger)
    {
        Mp4ScanResult scan;
        try
        {
            scan = Mp4FragmentScanner.Scan(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.Unreadable(logger, entry.File, ex.Message);
            return null;
        }

        if (scan.Stop is Mp4ScanStop.Malformed or Mp4ScanStop.TooLarge && (!scan.HasInit || scan.Fragments.Count == 0))
        {
            // Not a layout this reader follows: never delete what may be somebody's recording.
            Log.Unreadable(logger, entry.File, $"{scan.Stop} at byte {scan.StopOffset}; kept as it is");
            return entry with { Size = scan.FileLength, Complete = true };
        }

        if (!scan.HasInit || scan.Fragments.Count == 0)
        {
            TryDelete(full); // an init segment (or less) and nothing after it: nothing to play
            Log.Empty(logger, entry.File);
            return null;
        }

        if (scan.NeedsTruncation)
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.Read);
            stream.SetLength(scan.ValidLength);
            stream.Flush(flushToDisk: true);
        }

        var duration = TimeSpan.Zero;
        foreach (var track in scan.Tracks.Where(t => t.Timescale > 0))
        {
            var end = TimeSpan.FromSeconds(scan.EndOf(track.Id) / (double)track.Timescale);
            duration = end > duration ? end : duration;
        }

        var video = scan.Tracks.FirstOrDefault(t => t.IsVideo);
        var keyframes = video.Timescale == 0 ? [] : scan.Fragments
            .SelectMany(f => f.Keyframes.Where(k => k.TrackId == video.Id).Select(k =>
                new SegmentKeyframe(entry.Start + TimeSpan.FromSeconds(k.DecodeTime / (double)video.Timescale), f.Offset)))
            .ToList();
        if (entry.Id > 0)
        {
            Log.Repaired(logger, entry.File, duration.TotalSeconds, scan.FileLength - scan.ValidLength);
        }

        return entry with { End = entry.Start + duration, Size = scan.ValidLength, Complete = true, Keyframes = keyframes };
    }

    /// <summary>The .mp4 files under the folders the patterns write to, with the path and start time their names give.</summary>
    private static IEnumerable<(string File, string Path, DateTimeOffset Start)> Discover(string dataDirectory, IReadOnlyList<RecordPathPattern> patterns)
    {
        foreach (string root in patterns.Select(p => p.Root).Distinct(StringComparer.Ordinal))
        {
            string folder = Path.Combine(dataDirectory, root);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (string full in Directory.EnumerateFiles(folder, "*.mp4", SearchOption.AllDirectories))
            {
                string file = Path.GetRelativePath(dataDirectory, full).Replace('\\', '/');
                foreach (var pattern in patterns)
                {
                    if (pattern.TryParse(file, out string path, out var start))
                    {
                        yield return (file, path, start);
                        break;
                    }
                }
            }
        }
    }

    private static void TryDelete(string full)
    {
        try
        {
            File.Delete(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for retention; the index does not list it.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingRepaired, EventName = "RecordingRepaired", Level = LogLevel.Warning,
            Message = "Recording {File} was being written when EdgeBox stopped: closed at its last complete fragment ({Seconds:0.0} s kept, {Bytes} bytes of an incomplete fragment cut)")]
        public static partial void Repaired(ILogger logger, string file, double seconds, long bytes);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingEmpty, EventName = "RecordingEmpty", Level = LogLevel.Information,
            Message = "Recording {File} holds no complete fragment; removed")]
        public static partial void Empty(ILogger logger, string file);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingForgotten, EventName = "RecordingForgotten", Level = LogLevel.Information,
            Message = "Recording {File} is no longer on disk; removed from the index")]
        public static partial void Forgotten(ILogger logger, string file);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingIndexed, EventName = "RecordingIndexed", Level = LogLevel.Information,
            Message = "Recordings index: added {Count} segment files found on disk")]
        public static partial void Added(ILogger logger, int count);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingUnreadable, EventName = "RecordingUnreadable", Level = LogLevel.Warning,
            Message = "Recording {File} cannot be read: {Reason}")]
        public static partial void Unreadable(ILogger logger, string file, string reason);
    }
}
