namespace EdgeBox.Protocols.Rtsp;

/// <summary>Header names as EdgeBox writes them. Lookups are case-insensitive.</summary>
internal static class RtspHeaderNames
{
    public const string Accept = "Accept";
    public const string Authorization = "Authorization";
    public const string ContentBase = "Content-Base";
    public const string ContentLength = "Content-Length";
    public const string ContentLocation = "Content-Location";
    public const string ContentType = "Content-Type";
    public const string CSeq = "CSeq";
    public const string Date = "Date";
    public const string Public = "Public";
    public const string Range = "Range";
    public const string RtpInfo = "RTP-Info";
    public const string Server = "Server";
    public const string Session = "Session";
    public const string Transport = "Transport";
    public const string UserAgent = "User-Agent";
    public const string WwwAuthenticate = "WWW-Authenticate";
}
