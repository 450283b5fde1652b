namespace EdgeBox.Media;

/// <summary>Limits of the media core. Defaults follow MediaMTX's (writeQueueSize 512) where one exists.</summary>
internal sealed record MediaOptions
{
    /// <summary>Access units a reader may have queued before it counts as behind (MediaMTX: 512).</summary>
    public int ReaderQueueSize { get; init; } = 512;

    /// <summary>How long a reader may stay behind before it is dropped.</summary>
    public TimeSpan ReaderMaxLag { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most bytes of the GOP cache per path; a longer GOP is not cached (readers then wait for the next keyframe).</summary>
    public long GopCacheMaxBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Most bytes a path keeps for its <c>preRoll</c> (5 minutes of a 2 Mbit/s camera is 75 MB; longer windows keep fewer seconds).</summary>
    public long PreRollMaxBytes { get; init; } = 96 * 1024 * 1024;
}
