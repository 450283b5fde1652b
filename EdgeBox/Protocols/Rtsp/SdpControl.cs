namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Resolves <c>a=control</c> values to the URL a SETUP (or an aggregate PLAY/RECORD) uses, the
/// way ffmpeg (<c>rtsp.c</c>) and gortsplib do, not by RFC 3986 resolution: RFC 3986 would turn
/// <c>trackID=0</c> against <c>rtsp://h/live</c> into <c>rtsp://h/trackID=0</c>, while every server
/// expects <c>rtsp://h/live/trackID=0</c>.
/// <list type="bullet">
/// <item>absent, empty or <c>*</c>: the base itself (a single track, or the aggregate control);</item>
/// <item>an absolute URL (<c>rtsp://h/p/trackID=0</c>, any <c>scheme://</c>): used as is;</item>
/// <item>starting with <c>?</c> (<c>?ctype=video</c>): appended to the base;</item>
/// <item>anything else: appended to the base after a <c>/</c> unless the base ends in one.</item>
/// </list>
/// The base is the response's Content-Base, else its Content-Location, else the request URL
/// (RFC 2326 C.1.1); <see cref="ChooseBase"/> picks it.
/// </summary>
internal static class SdpControl
{
    public static string Resolve(string? control, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        control = control?.Trim();
        if (string.IsNullOrEmpty(control) || control == "*")
        {
            return baseUrl;
        }

        if (IsAbsolute(control))
        {
            return control;
        }

        if (control[0] == '?' || baseUrl.EndsWith('/'))
        {
            return baseUrl + control;
        }

        return baseUrl + "/" + control;
    }

    /// <summary>The base URL for a DESCRIBE response's controls: Content-Base, else Content-Location, else the request URL.</summary>
    public static string ChooseBase(string requestUrl, string? contentBase, string? contentLocation) =>
        !string.IsNullOrWhiteSpace(contentBase) ? contentBase.Trim()
        : !string.IsNullOrWhiteSpace(contentLocation) ? contentLocation.Trim()
        : requestUrl;

    /// <summary>Whether a SETUP URL names this track, ignoring a trailing slash on either side.</summary>
    public static bool Matches(string requestUrl, string? control, string baseUrl) =>
        string.Equals(requestUrl.TrimEnd('/'), Resolve(control, baseUrl).TrimEnd('/'), StringComparison.Ordinal);

    private static bool IsAbsolute(string control)
    {
        var scheme = control.IndexOf("://", StringComparison.Ordinal);
        return scheme > 0 && char.IsAsciiLetter(control[0]) && control[..scheme].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }
}
