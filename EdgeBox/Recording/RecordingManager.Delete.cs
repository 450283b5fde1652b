using EdgeBox.Configuration;

namespace EdgeBox.Recording;

/// <summary>What a deletion did, or why it did nothing (an HTTP status and a message).</summary>
internal sealed record RangeDeletion(int Status, string? Error, int Deleted = 0, int Trimmed = 0, long BytesFreed = 0)
{
    public static RangeDeletion Refused(int status, string error) => new(status, error);
}

/// <summary>
/// <c>DELETE /api/v1/recordings/{path}?from=&amp;to=</c>: removes a path's recording over a time range. Segments
/// wholly inside go; a segment that the range cuts keeps only its keyframe groups that lie wholly outside it, so
/// what was asked for is always gone, with up to a keyframe group more at each end (files must start at a
/// keyframe). The kept parts are written as new files (the part after the range under its own start time) and
/// replace the old file only once they are on disk. Locked recordings (an event clip, a download in progress)
/// and the segment being written refuse the whole deletion.
/// </summary>
internal sealed partial class RecordingManager
{
    public async Task<RangeDeletion> DeleteRangeAsync(string path, DateTimeOffset from, DateTimeOffset to, CancellationToken token)
    {
        if (to <= from)
        {
            return RangeDeletion.Refused(400, "to must be after from");
        }

        await _gate.WaitAsync(token).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var segments = WithLocks(ForPath(path, from, to), now);
            if (segments.Count == 0)
            {
                return _index.ForPath(path).Count == 0
                    ? RangeDeletion.Refused(404, $"no recordings of '{path}'")
                    : RangeDeletion.Refused(404, $"'{path}' has no recording between {from:O} and {to:O}");
            }

            if (segments.FirstOrDefault(s => !s.Complete) is { } open)
            {
                return RangeDeletion.Refused(409, $"the range reaches the segment being recorded now (since {open.Start:O}); end the range before it");
            }

            var locked = segments.Where(s => s.IsLocked(now)).ToList();
            if (locked.Count > 0)
            {
                var clips = _clips.Locking(now).Where(c => locked.Any(s => c.Locks(s, now))).Select(c => c.Id).ToList();
                string why = clips.Count > 0 ? $"event clip {string.Join(", ", clips)} (release it with DELETE /api/v1/clips/{{id}})" : "a download in progress";
                return RangeDeletion.Refused(409,
                    $"the range holds recordings that are locked by {why}: {locked.Min(s => s.Start):O} to {locked.Max(s => s.End):O}");
            }

            var settings = _paths.Resolve(path) ?? Volatile.Read(ref _latest).PathDefaults.Overlay(new PathConfig());
            var pattern = new RecordPathPattern(settings.RecordPath ?? PathConfig.BuiltInDefaults.RecordPath!);
            int deleted = 0, trimmed = 0;
            long freed = 0;
            foreach (var segment in segments)
            {
                if (segment.Start >= from && segment.End <= to)
                {
                    File.Delete(Path.Combine(_dataDirectory, segment.File));
                    _index.Remove(segment.Id);
                    deleted++;
                    freed += segment.Size;
                }
                else
                {
                    freed += await TrimAsync(segment, from, to, pattern, token).ConfigureAwait(false);
                    trimmed++;
                }
            }

            Log.RangeDeleted(_logger, path, from, to, deleted, trimmed, freed);
            _events.Publish(Events.EventTypes.RecordingDeleted, path, null,
                $"recording from {from:O} to {to:O} deleted: {deleted} segment(s) removed, {trimmed} cut, {freed} bytes freed");
            return new RangeDeletion(200, null, deleted, trimmed, freed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return RangeDeletion.Refused(500, $"the recording of '{path}' could not be changed: {ex.Message}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Rewrites <paramref name="segment"/> without [from, to); returns the bytes freed.</summary>
    private async Task<long> TrimAsync(RecordedSegment segment, DateTimeOffset from, DateTimeOffset to, RecordPathPattern pattern, CancellationToken token)
    {
        var end = segment.End + TimeSpan.FromMilliseconds(1);
        List<ExportGroup> groups;
        using (var whole = RecordingExport.Create([segment], _dataDirectory, segment.Start, end)
            ?? throw new InvalidDataException($"{segment.File} holds no complete fragment"))
        {
            groups = [.. whole.Groups];
        }

        int headCount = groups.TakeWhile(g => g.Wall + g.Duration <= from).Count();
        int tailFirst = groups.FindIndex(g => g.Wall >= to);
        string full = Path.Combine(_dataDirectory, segment.File);
        long kept = 0;

        // The part after the range first, as a new file: until the old file is replaced, a crash leaves a
        // duplicate of that part (which plays), never a loss.
        if (tailFirst >= 0)
        {
            var start = groups[tailFirst].Wall;
            string file = pattern.Expand(segment.Path, start);
            // A millisecond on, so the keyframe "at or before" is this group's own even where times were rounded.
            var piece = await WritePieceAsync(segment, start + TimeSpan.FromMilliseconds(1), end, Path.Combine(_dataDirectory, file), token).ConfigureAwait(false);
            kept += IndexFile(segment with { Id = 0, File = file, Start = start }, Path.Combine(_dataDirectory, file))?.Size ?? piece;
        }

        if (headCount > 0)
        {
            string temporary = full + ".trim";
            // A millisecond early, so the first group that is not kept stays out even where times were rounded.
            var headEnd = headCount < groups.Count ? groups[headCount].Wall - TimeSpan.FromMilliseconds(1) : end;
            await WritePieceAsync(segment, segment.Start, headEnd, temporary, token).ConfigureAwait(false);
            File.Move(temporary, full, overwrite: true);
            kept += IndexFile(segment, full)?.Size ?? 0;
        }
        else
        {
            File.Delete(full);
            _index.Remove(segment.Id);
        }

        return Math.Max(0, segment.Size - kept);
    }

    /// <summary>Writes the export of [from, to) of one segment to <paramref name="target"/> and flushes it to disk.</summary>
    private async Task<long> WritePieceAsync(RecordedSegment segment, DateTimeOffset from, DateTimeOffset to, string target, CancellationToken token)
    {
        using var export = RecordingExport.Create([segment], _dataDirectory, from, to)
            ?? throw new InvalidDataException($"{segment.File} has nothing between {from:O} and {to:O}");
        var buffer = new byte[256 * 1024];
        await using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
        try
        {
            for (long position = 0; position < export.Length;)
            {
                int read = await export.ReadAsync(position, buffer, token).ConfigureAwait(false);
                await output.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                position += read;
            }

            output.Flush(flushToDisk: true);
            return export.Length;
        }
        catch
        {
            await output.DisposeAsync().ConfigureAwait(false);
            File.Delete(target);
            throw;
        }
    }

    /// <summary>Indexes a file just written from its content (its entry keeps <paramref name="entry"/>'s id, path and start).</summary>
    private RecordedSegment? IndexFile(RecordedSegment entry, string full)
    {
        var described = SegmentRepair.Repair(full, entry with { Id = 0, Keyframes = [], End = entry.Start, Size = 0 }, _logger);
        return described is null ? null : _index.Upsert(described with { Id = entry.Id });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingRangeDeleted, EventName = "RecordingRangeDeleted", Level = LogLevel.Information,
            Message = "Recording {Path} from {From:O} to {To:O} deleted: {Deleted} segment(s) removed, {Trimmed} cut, {Bytes} bytes freed")]
        public static partial void RangeDeleted(ILogger logger, string path, DateTimeOffset from, DateTimeOffset to, int deleted, int trimmed, long bytes);
    }
}
