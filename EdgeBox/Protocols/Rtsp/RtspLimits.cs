namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Size limits the RTSP message parser enforces before it parses anything: the input is cut at the
/// limit first, then rejected with an <see cref="RtspParseError"/> (Kestrel's <c>TakeStartLine</c> /
/// <c>RequestRejectionReason</c> pattern). Each default says where it comes from.
/// </summary>
internal sealed record RtspLimits
{
    public static RtspLimits Default { get; } = new();

    /// <summary>
    /// Longest start line (request line or status line) in bytes, CRLF included. Default 8 KiB:
    /// Kestrel's <c>MaxRequestLineSize</c> (8,192) and nginx's <c>large_client_header_buffers</c>
    /// line size (8k). Camera URLs with long query strings fit with room to spare.
    /// </summary>
    public int MaxStartLineBytes { get; init; } = 8 * 1024;

    /// <summary>
    /// Most bytes of all header lines together, the empty line included. Default 64 KiB: twice
    /// Kestrel's <c>MaxRequestHeadersTotalSize</c> (32 KiB) and nginx's 4 x 8k
    /// <c>large_client_header_buffers</c>, because RTSP puts long values in a few headers (Digest
    /// <c>Authorization</c>, <c>RTP-Info</c> and <c>Transport</c> of sessions with many tracks).
    /// </summary>
    public int MaxHeaderBytes { get; init; } = 64 * 1024;

    /// <summary>Most header lines. Default 100: Kestrel's <c>MaxRequestHeaderCount</c> and Apache's <c>LimitRequestFields</c>.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>
    /// Largest body (<c>Content-Length</c>). Default 64 KiB: the SDP size limit
    /// (<see cref="SdpLimits.MaxBytes"/>), since an SDP is the only body EdgeBox reads (ANNOUNCE,
    /// DESCRIBE responses). gortsplib allows 128 KiB; real SDPs are under 4 KiB.
    /// </summary>
    public int MaxContentLength { get; init; } = 64 * 1024;
}
