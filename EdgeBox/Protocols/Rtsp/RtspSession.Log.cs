using EdgeBox.Infrastructure;

namespace EdgeBox.Protocols.Rtsp;

internal sealed partial class RtspSession
{
    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.RtspOpened, EventName = "RtspOpened", Level = LogLevel.Debug, Message = "RTSP session {Session} opened from {Remote}")]
        public static partial void Opened(ILogger logger, string session, string remote);

        [LoggerMessage(EventId = EventIds.RtspClosed, EventName = "RtspClosed", Level = LogLevel.Information, Message = "RTSP session {Session} from {Remote} closed: {Reason}")]
        public static partial void Closed(ILogger logger, string session, string remote, string reason);

        [LoggerMessage(EventId = EventIds.RtspPublishing, EventName = "RtspPublishing", Level = LogLevel.Information, Message = "RTSP session {Session} is publishing to {Path} ({Codecs})")]
        public static partial void Publishing(ILogger logger, string session, string path, string codecs);

        [LoggerMessage(EventId = EventIds.RtspReading, EventName = "RtspReading", Level = LogLevel.Information, Message = "RTSP session {Session} is reading {Path}")]
        public static partial void Reading(ILogger logger, string session, string path);

        [LoggerMessage(EventId = EventIds.RtspPublishRefused, EventName = "RtspPublishRefused", Level = LogLevel.Warning, Message = "RTSP session {Session} may not publish to {Path}: {Reason}")]
        public static partial void PublishRefused(ILogger logger, string session, string path, string reason);

        [LoggerMessage(EventId = EventIds.RtspNoSuchPath, EventName = "RtspNoSuchPath", Level = LogLevel.Warning, Message = "RTSP session {Session} asked for {Path}, which no configured path matches")]
        public static partial void NoSuchPath(ILogger logger, string session, string path);

        [LoggerMessage(EventId = EventIds.RtspNotReady, EventName = "RtspNotReady", Level = LogLevel.Debug, Message = "RTSP session {Session} asked for {Path}, which has no source")]
        public static partial void NotReady(ILogger logger, string session, string path);

        [LoggerMessage(EventId = EventIds.RtspBadSdp, EventName = "RtspBadSdp", Level = LogLevel.Warning, Message = "RTSP session {Session} announced an SDP that cannot be read: {Error}")]
        public static partial void BadSdp(ILogger logger, string session, string error);

        [LoggerMessage(EventId = EventIds.RtspTrackSkipped, EventName = "RtspTrackSkipped", Level = LogLevel.Warning, Message = "RTSP session {Session}: {Media} track with encoding '{Encoding}' is not supported and is ignored")]
        public static partial void TrackSkipped(ILogger logger, string session, string encoding, string media);

        [LoggerMessage(EventId = EventIds.RtspBadRtp, EventName = "RtspBadRtp", Level = LogLevel.Debug, Message = "RTSP session {Session}: malformed RTP packet on track {Track} ignored")]
        public static partial void BadRtp(ILogger logger, string session, int track);

        [LoggerMessage(EventId = EventIds.RtspAuthFailed, EventName = "RtspAuthFailed", Level = LogLevel.Warning, Message = "RTSP session {Session} from {Remote}: wrong credentials for {Method}")]
        public static partial void AuthFailed(ILogger logger, string session, string remote, string method);
    }
}
