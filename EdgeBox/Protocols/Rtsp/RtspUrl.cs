namespace EdgeBox.Protocols.Rtsp;

/// <summary>Reads the path name out of a request URL: <c>rtsp://host:8554/cam1/trackID=0</c> → <c>cam1</c>.</summary>
internal static class RtspUrl
{
    public static bool TryGetPath(string url, bool stripControl, out string path)
    {
        path = "";
        string rest;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme is "rtsp" or "rtsps" or "rtspt"))
        {
            rest = Uri.UnescapeDataString(uri.AbsolutePath);
        }
        else if (url.StartsWith('/'))
        {
            rest = Uri.UnescapeDataString(url.Split('?', 2)[0]);
        }
        else
        {
            return false;
        }

        rest = rest.Trim('/');
        if (stripControl)
        {
            int slash = rest.LastIndexOf('/');
            if (slash >= 0 && rest.AsSpan(slash + 1).StartsWith("trackID=", StringComparison.OrdinalIgnoreCase))
            {
                rest = rest[..slash];
            }
            else if (slash < 0 && rest.StartsWith("trackID=", StringComparison.OrdinalIgnoreCase))
            {
                rest = "";
            }
        }

        path = rest;
        return path.Length > 0;
    }
}
