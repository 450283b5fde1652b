namespace EdgeBox.Protocols.WebRtc;

internal sealed partial class WebRtcSession
{
    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcConnected, EventName = "WebRtcConnected", Level = LogLevel.Information,
            Message = "WebRTC session {Session} on path {Path}: ICE and DTLS up, SRTP {Profile}")]
        public static partial void Connected(ILogger logger, string session, string path, string profile);

        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcSessionFailed, EventName = "WebRtcSessionFailed", Level = LogLevel.Warning,
            Message = "WebRTC session {Session} on path {Path} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string session, string path, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcSessionEnded, EventName = "WebRtcSessionEnded", Level = LogLevel.Information,
            Message = "WebRTC session {Session} on path {Path} ended ({Reason}): {BytesIn} bytes in, {BytesOut} bytes out, {BadSrtp} SRTP packets refused, {RtcpSent} RTCP packets sent")]
        public static partial void Ended(ILogger logger, string session, string path, string reason, long bytesIn, long bytesOut, long badSrtp, long rtcpSent);
    }
}
