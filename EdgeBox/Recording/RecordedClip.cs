namespace EdgeBox.Recording;

/// <summary>
/// An event clip: a stretch of a path's recording, from <see cref="Start"/> (the call minus its pre-roll) to
/// <see cref="End"/>, that retention keeps until <see cref="KeepUntil"/>. When the path records continuously the
/// clip is a lock on those segments; otherwise EdgeBox writes the clip's own segment files
/// (<see cref="OwnFiles"/>), which the index, downloads and playlists show like any other recording.
/// </summary>
internal sealed record RecordedClip(string Path, DateTimeOffset Start, DateTimeOffset End, string Reason, DateTimeOffset KeepUntil)
{
    /// <summary>0 until stored.</summary>
    public long Id { get; init; }

    /// <summary>When the clip was asked for.</summary>
    public DateTimeOffset Requested { get; init; }

    /// <summary>True when the clip has segment files of its own (the path does not record continuously).</summary>
    public bool OwnFiles { get; init; }

    public bool Locks(RecordedSegment segment, DateTimeOffset now) => KeepUntil > now && segment.Path == Path && segment.Overlaps(Start, End);
}
