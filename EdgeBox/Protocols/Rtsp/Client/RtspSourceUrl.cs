using System.Diagnostics.CodeAnalysis;

namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>
/// An <c>rtsp://</c> or <c>rtsps://</c> URL that EdgeBox connects to (a camera, another server), split
/// into what goes on the wire and what does not: the credentials in the user-info part are used for
/// authentication only and never sent in a request line, logged or shown (<see cref="Redacted"/>).
/// </summary>
internal sealed record RtspSourceUrl
{
    public const int DefaultPort = 554;

    /// <summary>RTSP over TLS (RFC 7826 §19.2.2 / the <c>rtsps</c> scheme; Hikvision and Axis use 322).</summary>
    public const int DefaultTlsPort = 322;

    private RtspSourceUrl(bool tls, string host, int port, string requestUri, string redacted, string? user, string? password)
    {
        Tls = tls;
        Host = host;
        Port = port;
        RequestUri = requestUri;
        Redacted = redacted;
        User = user;
        Password = password;
    }

    public bool Tls { get; }

    /// <summary>Host name or address, without brackets for IPv6.</summary>
    public string Host { get; }

    public int Port { get; }

    /// <summary>The URL without credentials, as sent in request lines.</summary>
    public string RequestUri { get; }

    /// <summary>For logs and the API: the URL with the password replaced by <c>***</c>.</summary>
    public string Redacted { get; }

    public string? User { get; }

    public string? Password { get; }

    public bool HasCredentials => User is not null;

    public override string ToString() => Redacted;

    public static bool TryParse(string text, [NotNullWhen(true)] out RtspSourceUrl? url, out string error)
    {
        url = null;
        error = "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "rtsp" && uri.Scheme != "rtsps"))
        {
            error = "expected an rtsp:// or rtsps:// URL such as rtsp://user:pass@192.168.1.64:554/stream1";
            return false;
        }

        if (uri.Host.Length == 0 || uri.HostNameType == UriHostNameType.Unknown)
        {
            error = "the URL has no host";
            return false;
        }

        bool tls = uri.Scheme == "rtsps";
        int port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? DefaultTlsPort : DefaultPort) : uri.Port;
        string? user = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        string host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;
        string pathAndQuery = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped);
        string requestUri = $"{uri.Scheme}://{host}:{port}{pathAndQuery}";
        string redacted = user is null
            ? requestUri
            : $"{uri.Scheme}://{Uri.EscapeDataString(user)}:***@{host}:{port}{pathAndQuery}";
        url = new RtspSourceUrl(tls, uri.IdnHost, port, requestUri, redacted, user, password);
        return true;
    }

    /// <summary><paramref name="text"/> with any password hidden; the text itself when it is not a URL with credentials.</summary>
    public static string Redact(string text) => TryParse(text, out var url, out _) ? url.Redacted : text;
}
