namespace EdgeBox.Recording;

internal sealed partial class PathRecorder
{
    private static partial class Log
    {
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
