namespace EdgeBox.Protocols.Rtsp;

/// <summary>Why the parser rejected a message. The session answers (when it can) and closes the connection.</summary>
internal enum RtspParseError
{
    None,

    /// <summary>The start line is longer than <see cref="RtspLimits.MaxStartLineBytes"/>.</summary>
    StartLineTooLong,

    /// <summary>The start line is not <c>METHOD URI RTSP/x.y</c> (or <c>RTSP/x.y CODE reason</c>), or has control characters.</summary>
    InvalidStartLine,

    /// <summary>The method is not a token (RFC 2326 §6.1: extension-method = token).</summary>
    InvalidMethod,

    /// <summary>The request URI is empty or has control characters or spaces.</summary>
    InvalidUri,

    /// <summary>The version is neither RTSP/1.0 nor RTSP/2.0.</summary>
    UnsupportedVersion,

    /// <summary>A response's status code is not three digits.</summary>
    InvalidStatusCode,

    /// <summary>The header lines are longer than <see cref="RtspLimits.MaxHeaderBytes"/>.</summary>
    HeadersTooLarge,

    /// <summary>More than <see cref="RtspLimits.MaxHeaderCount"/> header lines.</summary>
    TooManyHeaders,

    /// <summary>A header line has no colon, an empty or non-token name, control characters, or is a continuation line with nothing to continue.</summary>
    InvalidHeader,

    /// <summary>A request has no CSeq header (RFC 2326 §12.17: it MUST be present).</summary>
    MissingCSeq,

    /// <summary>The CSeq is not a number of at most 9 digits (RFC 7826 §18.20), or two CSeq headers disagree.</summary>
    InvalidCSeq,

    /// <summary>Content-Length is not a number, or two Content-Length headers disagree (a smuggling vector).</summary>
    InvalidContentLength,

    /// <summary>Content-Length is larger than <see cref="RtspLimits.MaxContentLength"/>; rejected before the body arrives.</summary>
    ContentTooLarge,

    /// <summary>A message parser was called where an interleaved <c>$</c> frame starts: use <see cref="RtspParser.Classify"/> first.</summary>
    UnexpectedInterleavedFrame,
}

internal static class RtspParseErrors
{
    /// <summary>The status code a server answers a rejected request with before closing (RFC 2326 §7.1.1).</summary>
    public static int ToStatusCode(this RtspParseError error) => error switch
    {
        RtspParseError.StartLineTooLong => RtspStatusCodes.RequestUriTooLarge,
        RtspParseError.UnsupportedVersion => RtspStatusCodes.RtspVersionNotSupported,
        RtspParseError.ContentTooLarge => RtspStatusCodes.RequestEntityTooLarge,
        _ => RtspStatusCodes.BadRequest,
    };
}
