namespace EdgeBox.Recording;

internal sealed partial class PathRecorder
{
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

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingDiskFull, EventName = "RecordingDiskFull", Level = LogLevel.Error,
            Message = "Recording {Path}: the disk is full ({Reason}); recording stops until there is room, live serving goes on")]
        public static partial void DiskFull(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingResumed, EventName = "RecordingResumed", Level = LogLevel.Information,
            Message = "Recording {Path}: there is room again; recording resumed")]
        public static partial void Resumed(ILogger logger, string path);

        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingFailed, EventName = "RecordingFailed", Level = LogLevel.Warning,
            Message = "Recording {Path} failed: {Reason}; retrying")]
        public static partial void Failed(ILogger logger, string path, string reason);
    }
}
