using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// <c>Session: id[;timeout=seconds]</c> (RFC 2326 §12.37). Without a timeout the client assumes 60
/// seconds; a server that wants the client's keep-alives at a known pace says it.
/// </summary>
internal sealed record RtspSessionHeader(string Id, int? TimeoutSeconds = null)
{
    public const int DefaultTimeoutSeconds = 60;

    public static bool TryParse(string? value, [NotNullWhen(true)] out RtspSessionHeader? session)
    {
        session = null;
        if (value is null)
        {
            return false;
        }

        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        var id = (semicolon < 0 ? value : value[..semicolon]).Trim();
        if (!IsSessionId(id))
        {
            return false;
        }

        int? timeout = null;
        foreach (var parameter in semicolon < 0 ? [] : HeaderValueSyntax.Split(value[(semicolon + 1)..], ';'))
        {
            var (name, text) = HeaderValueSyntax.SplitParameter(parameter);
            if (string.Equals(name, "timeout", StringComparison.OrdinalIgnoreCase))
            {
                // A timeout that is not a number is ignored, as live555 and ffmpeg do: the session still works.
                timeout = HeaderValueSyntax.TryParseInt(text, 1, int.MaxValue, out var seconds) ? seconds : null;
            }
        }

        session = new RtspSessionHeader(id, timeout);
        return true;
    }

    public override string ToString() =>
        TimeoutSeconds is { } timeout ? Id + ";timeout=" + timeout.ToString(CultureInfo.InvariantCulture) : Id;

    // RFC 2326 §3.4: session-id = 1*( ALPHA | DIGIT | safe ), safe = "$" | "-" | "_" | "." | "+";
    // RFC 7826 widens it to 1*256 visible characters but a ';' always ends it.
    private static bool IsSessionId(string id) =>
        id.Length is > 0 and <= 256 && id.All(c => c is > ' ' and < (char)0x7F and not ';' and not ',' and not '"');
}
