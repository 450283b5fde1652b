using System.Diagnostics.CodeAnalysis;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// The generic shape of <c>Authorization</c> and <c>WWW-Authenticate</c> values (RFC 7235 §2.1):
/// a scheme, then either a token68 (<c>Basic dXNlcjpwYXNz</c>) or comma-separated auth-params
/// whose values may be quoted (<c>Digest realm="x", nonce="y", algorithm=MD5</c>). Parameter names
/// compare case-insensitively.
/// </summary>
internal sealed record RtspAuthHeader(string Scheme, string? Token68, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsScheme(string scheme) => Scheme.Equals(scheme, StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.TryGetValue(name, out var value) ? value : null;

    public static bool TryParse(string? value, [NotNullWhen(true)] out RtspAuthHeader? header)
    {
        header = null;
        if (value is null)
        {
            return false;
        }

        value = value.Trim();
        var space = value.IndexOfAny([' ', '\t']);
        var scheme = space < 0 ? value : value[..space];
        if (!IsToken(scheme))
        {
            return false;
        }

        var rest = space < 0 ? "" : value[(space + 1)..].Trim();
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" : no comma, no quote,
        // and any '=' only at the end (base64 padding), which tells it from "name=value".
        var trimmedPadding = rest.TrimEnd('=');
        if (rest.Length > 0 && trimmedPadding.Length > 0 && trimmedPadding.All(IsToken68Char))
        {
            header = new RtspAuthHeader(scheme, rest, parameters);
            return true;
        }

        foreach (var parameter in HeaderValueSyntax.Split(rest, ','))
        {
            var (name, text) = HeaderValueSyntax.SplitParameter(parameter);
            if (!IsToken(name) || text is null)
            {
                return false;
            }

            parameters.TryAdd(name, text);
        }

        header = new RtspAuthHeader(scheme, null, parameters);
        return true;
    }

    private static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => c is > ' ' and < (char)0x7F && !"()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal));

    private static bool IsToken68Char(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/';
}
