namespace EdgeBox.Events;

/// <summary>
/// Something that happened, kept in the event store and shown by <c>GET /api/v1/events</c>. Types are
/// dotted names (<c>source.ready</c>, <c>reader.dropped</c>...), listed in <see cref="EventTypes"/>.
/// </summary>
internal sealed record EdgeBoxEvent(long Id, DateTimeOffset Time, string Type, string? Path, string? Session, string Message);

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
}
