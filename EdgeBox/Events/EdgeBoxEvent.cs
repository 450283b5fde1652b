namespace EdgeBox.Events;

/// <summary>
/// Something that happened, kept in the event store and shown by <c>GET /api/v1/events</c>. Types are
/// dotted names (<c>source.ready</c>, <c>reader.dropped</c>...), listed in <see cref="EventTypes"/>.
/// A <c>detection</c> event carries <see cref="Detection"/>: it is stored when the object appears and
/// updated when it leaves.
/// </summary>
internal sealed record EdgeBoxEvent(long Id, DateTimeOffset Time, string Type, string? Path, string? Session, string Message)
{
    public DetectionInfo? Detection { get; init; }
}

/// <summary>
/// An object seen on a path: its label, best score and box (normalized 0..1, at the best picture), the
/// zone it was in, when it appeared and left (null while it is still there), its tracker id, the
/// model, whether a snapshot was stored, and the clip recorded for it.
/// </summary>
internal sealed record DetectionInfo(
    string Label,
    float Score,
    string? Zone,
    float X1,
    float Y1,
    float X2,
    float Y2,
    DateTimeOffset Start,
    DateTimeOffset? End,
    long ObjectId,
    string Model,
    bool Snapshot,
    long? ClipId);

internal static class EventTypes
{
    public const string SourceReady = "source.ready";
    public const string SourceNotReady = "source.notready";
    public const string SourceReconnecting = "source.reconnecting";
    public const string ForwardReady = "forward.ready";
    public const string ForwardNotReady = "forward.notready";
    public const string HardwareFallback = "hardware.fallback";
    public const string PublisherRefused = "publisher.refused";
    public const string ReaderJoined = "reader.joined";
    public const string ReaderLeft = "reader.left";
    public const string ReaderDropped = "reader.dropped";
    public const string RecordingDiskFull = "recording.diskfull";
    public const string RecordingClip = "recording.clip";
    public const string RecordingDeleted = "recording.deleted";
    public const string Detection = "detection";
    public const string DetectionFailed = "detection.failed";
    public const string LoginFailed = "security.loginfailed";
    public const string LoginLockedOut = "security.lockout";
    public const string AccountChanged = "security.account";
}
