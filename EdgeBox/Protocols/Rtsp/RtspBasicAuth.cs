using System.Text;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Basic authentication (RFC 7617): <c>Authorization: Basic base64(user:password)</c>, UTF-8.</summary>
internal static class RtspBasicAuth
{
    public static string FormatAuthorization(string username, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password));

    public static string FormatChallenge(string realm) => "Basic realm=" + HeaderValueSyntax.Quote(realm);

    /// <summary>Reads an <c>Authorization</c> value of the Basic scheme. The password is everything after the first colon.</summary>
    public static bool TryParseAuthorization(string? value, out string username, out string password)
    {
        username = password = "";
        if (!RtspAuthHeader.TryParse(value, out var header) || !header.IsScheme("Basic") || header.Token68 is null)
        {
            return false;
        }

        var bytes = new byte[(header.Token68.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(header.Token68, bytes, out var length))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        username = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }
}
