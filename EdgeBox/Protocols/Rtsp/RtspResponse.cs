namespace EdgeBox.Protocols.Rtsp;

/// <summary>An RTSP response: written by <see cref="RtspWriter.WriteResponse"/>, parsed by <see cref="RtspParser.TryParseResponse"/>.</summary>
internal sealed class RtspResponse
{
    public RtspResponse(int statusCode, int? cseq, string? reasonPhrase = null)
    {
        StatusCode = statusCode;
        CSeq = cseq;
        ReasonPhrase = reasonPhrase ?? RtspStatusCodes.ReasonPhrase(statusCode);
    }

    public RtspVersion Version { get; init; } = RtspVersion.Rtsp10;

    public int StatusCode { get; }

    public string ReasonPhrase { get; }

    /// <summary>
    /// The request's CSeq. Every response carries one (RFC 2326 §12.17); it is null only in a parsed
    /// response from a server that left it out, and in an answer to a request whose CSeq was unreadable.
    /// </summary>
    public int? CSeq { get; }

    /// <summary>Every header but CSeq and Content-Length, which the parser and writer own.</summary>
    public RtspHeaders Headers { get; } = new();

    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Sets <c>Session: id[;timeout=N]</c> (RFC 2326 §12.37).</summary>
    public RtspResponse WithSession(string id, int? timeoutSeconds = null)
    {
        Headers.Set(RtspHeaderNames.Session, new RtspSessionHeader(id, timeoutSeconds).ToString());
        return this;
    }
}
