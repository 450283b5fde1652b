namespace EdgeBox.Protocols.Rtsp;

/// <summary>An RTSP request: parsed by <see cref="RtspParser.TryParseRequest"/>, written by <see cref="RtspWriter.WriteRequest"/>.</summary>
internal sealed class RtspRequest
{
    public RtspRequest(string method, string uri, int cseq)
    {
        Method = method;
        Uri = uri;
        CSeq = cseq;
    }

    /// <summary>The method as sent (case-sensitive): see <see cref="RtspMethods"/>.</summary>
    public string Method { get; }

    /// <summary>The request URI as sent: an absolute <c>rtsp://</c> URL, or <c>*</c> for OPTIONS.</summary>
    public string Uri { get; }

    public RtspVersion Version { get; init; } = RtspVersion.Rtsp10;

    /// <summary>The sequence number the response echoes (RFC 2326 §12.17). The writer puts it right after the request line.</summary>
    public int CSeq { get; }

    /// <summary>Every header but CSeq and Content-Length, which the parser and writer own.</summary>
    public RtspHeaders Headers { get; } = new();

    /// <summary>The body (Content-Length bytes), copied out of the receive buffer.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The session id of the <c>Session</c> header, without parameters, or null.</summary>
    public string? SessionId =>
        Headers.TryGet(RtspHeaderNames.Session, out var value) && RtspSessionHeader.TryParse(value, out var session) ? session.Id : null;
}
