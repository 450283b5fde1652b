namespace EdgeBox.Recording;

/// <summary>A path's retention: delete segments older than <see cref="DeleteAfter"/>, keep at most <see cref="MaxSize"/> bytes (null: no limit).</summary>
internal sealed record RetentionSettings(TimeSpan? DeleteAfter, long? MaxSize);

/// <summary>
/// Which segments retention deletes, oldest first. Pure (the clock and the disk figures are passed
/// in), so every rule is unit-tested: a segment still being written, or locked by an event clip or an
/// export, is never chosen; age and size apply per path; the free-disk floor applies to the volume as a
/// whole and takes the oldest segments of any path until enough space would be free.
/// </summary>
internal static class RetentionPolicy
{
    /// <param name="segments">One path's segments.</param>
    public static IReadOnlyList<RecordedSegment> ForPath(IEnumerable<RecordedSegment> segments, RetentionSettings settings, DateTimeOffset now)
    {
        var ordered = segments.OrderBy(s => s.Start).ToList();
        var doomed = new List<RecordedSegment>();
        if (settings.DeleteAfter is { } age && age > TimeSpan.Zero)
        {
            doomed.AddRange(ordered.Where(s => Deletable(s, now) && s.End < now - age));
        }

        if (settings.MaxSize is { } max and > 0)
        {
            long total = ordered.Sum(s => s.Size) - doomed.Sum(s => s.Size);
            foreach (var segment in ordered)
            {
                if (total <= max)
                {
                    break;
                }

                if (Deletable(segment, now) && !doomed.Contains(segment))
                {
                    doomed.Add(segment);
                    total -= segment.Size;
                }
            }
        }

        return doomed.OrderBy(s => s.Start).ToList();
    }

    /// <summary>The oldest deletable segments of any path whose removal brings free space back to <paramref name="floorBytes"/>.</summary>
    public static IReadOnlyList<RecordedSegment> ForFreeSpace(IEnumerable<RecordedSegment> all, long freeBytes, long floorBytes, DateTimeOffset now)
    {
        var doomed = new List<RecordedSegment>();
        long free = freeBytes;
        foreach (var segment in all.OrderBy(s => s.Start))
        {
            if (free >= floorBytes)
            {
                break;
            }

            if (Deletable(segment, now))
            {
                doomed.Add(segment);
                free += segment.Size;
            }
        }

        return doomed;
    }

    private static bool Deletable(RecordedSegment segment, DateTimeOffset now) => segment.Complete && !segment.IsLocked(now);
}
