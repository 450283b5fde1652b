using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace EdgeBox.Protocols.WebRtc;

/// <summary>
/// A STUN or TURN server from <c>webrtc.iceServers</c>, as WHIP and WHEP announce it to clients in a
/// <c>Link</c> header (RFC 9725 §4.4, the attributes of RFC 8489/8656 URIs): <c>stun:host[:port]</c>, or
/// <c>turn:</c>/<c>turns:</c> with optional <c>user:password@</c> before the host and a
/// <c>?transport=udp|tcp</c> query. The credentials are EdgeBox's own notation: a TURN URI has none.
/// </summary>
internal sealed record IceServer(string Uri, string? Username, string? Credential)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out IceServer? server)
    {
        server = null;
        if (string.IsNullOrWhiteSpace(text) || text.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or '"' or ',' or ';'))
        {
            return false;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon > 0 ? text[..colon].ToLowerInvariant() : "";
        if (scheme is not ("stun" or "stuns" or "turn" or "turns"))
        {
            return false;
        }

        string rest = text[(colon + 1)..];
        string? user = null, password = null;
        int at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            if (scheme.StartsWith("stun", StringComparison.Ordinal))
            {
                return false; // STUN servers take no credentials
            }

            string credentials = rest[..at];
            int separator = credentials.IndexOf(':', StringComparison.Ordinal);
            if (separator <= 0 || separator == credentials.Length - 1)
            {
                return false;
            }

            user = credentials[..separator];
            password = credentials[(separator + 1)..];
            rest = rest[(at + 1)..];
        }

        string query = "";
        int question = rest.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            query = rest[question..];
            rest = rest[..question];
            if (scheme.StartsWith("stun", StringComparison.Ordinal) || query is not ("?transport=udp" or "?transport=tcp"))
            {
                return false;
            }
        }

        string host = rest;
        int portColon = rest.LastIndexOf(':');
        if (portColon > 0 && !rest.EndsWith(']'))
        {
            host = rest[..portColon];
            if (!ushort.TryParse(rest[(portColon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ushort port) || port == 0)
            {
                return false;
            }
        }

        if (System.Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            return false;
        }

        server = new IceServer($"{scheme}:{rest}{query}", user, password);
        return true;
    }

    /// <summary>The <c>Link</c> header value: <c>&lt;turn:host&gt;; rel="ice-server"; username="u"; credential="p"; credential-type="password"</c>.</summary>
    public string ToLinkHeader()
    {
        var text = new StringBuilder().Append('<').Append(Uri).Append(">; rel=\"ice-server\"");
        if (Username is not null)
        {
            text.Append("; username=\"").Append(Username).Append("\"; credential=\"").Append(Credential).Append("\"; credential-type=\"password\"");
        }

        return text.ToString();
    }
}
