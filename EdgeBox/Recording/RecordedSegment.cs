namespace EdgeBox.Recording;

/// <summary>A keyframe in a segment file: where it starts (the fragment holding it) and when.</summary>
internal readonly record struct SegmentKeyframe(DateTimeOffset Time, long ByteOffset);

/// <summary>
/// One recorded file of a path (an fMP4 segment) as the index knows it. <see cref="File"/> is relative
/// to the data directory. <see cref="End"/> is the end of the last complete fragment; while the segment is
/// being written, <see cref="Complete"/> is false and <see cref="End"/> advances with each fragment.
/// </summary>
internal sealed record RecordedSegment(string Path, string File, DateTimeOffset Start, DateTimeOffset End, long Size)
{
    /// <summary>0 until stored.</summary>
    public long Id { get; init; }

    public bool Complete { get; init; }

    /// <summary>Codec names of the tracks (h264, aac...).</summary>
    public IReadOnlyList<string> Codecs { get; init; } = [];

    public IReadOnlyList<SegmentKeyframe> Keyframes { get; init; } = [];

    /// <summary>Kept from retention until then (an event clip, an export in progress); null = not locked.</summary>
    public DateTimeOffset? LockedUntil { get; init; }

    public TimeSpan Duration => End - Start;

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;

    public bool Overlaps(DateTimeOffset from, DateTimeOffset to) => Start < to && End > from;

    /// <summary>By value, lists included (the storage check compares what it wrote with what it read).</summary>
    public bool Equals(RecordedSegment? other) =>
        other is not null && Path == other.Path && File == other.File && Start == other.Start && End == other.End && Size == other.Size
        && Id == other.Id && Complete == other.Complete && LockedUntil == other.LockedUntil
        && Codecs.SequenceEqual(other.Codecs) && Keyframes.SequenceEqual(other.Keyframes);

    public override int GetHashCode() => HashCode.Combine(Path, File, Start, Id);
}

/// <summary>A stretch of time a path was recorded without a gap (segments back to back).</summary>
internal readonly record struct RecordedSpan(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Duration => End - Start;
}
