using System.Globalization;
using System.Text;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Shared pieces of header value grammar: lists split outside quoted strings, quoted strings (RFC 2616 §2.2).</summary>
internal static class HeaderValueSyntax
{
    /// <summary>Splits at <paramref name="separator"/> where it is not inside a quoted string; trims each piece and drops empty ones.</summary>
    public static List<string> Split(string value, char separator)
    {
        var parts = new List<string>();
        var inQuotes = false;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (inQuotes && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (c == separator && !inQuotes)
            {
                AddTrimmed(parts, value[start..i]);
                start = i + 1;
            }
        }

        AddTrimmed(parts, value[start..]);
        return parts;
    }

    /// <summary>Splits <c>name=value</c> (or a bare <c>name</c>) and removes the quotes around a quoted value.</summary>
    public static (string Name, string? Value) SplitParameter(string parameter)
    {
        var eq = parameter.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            return (parameter.Trim(), null);
        }

        return (parameter[..eq].Trim(), Unquote(parameter[(eq + 1)..].Trim()));
    }

    public static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var inner = value[1..^1];
        if (!inner.Contains('\\', StringComparison.Ordinal))
        {
            return inner;
        }

        var text = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length)
            {
                i++;
            }

            text.Append(inner[i]);
        }

        return text.ToString();
    }

    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    public static bool TryParseInt(string? text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static void AddTrimmed(List<string> parts, string part)
    {
        part = part.Trim();
        if (part.Length > 0)
        {
            parts.Add(part);
        }
    }
}
