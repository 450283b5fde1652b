namespace EdgeBox.Security;

/// <summary>
/// The paths an account may see: null = every path; otherwise names or patterns where <c>*</c> stands
/// for any run of characters within one segment and a trailing <c>/**</c> for anything below
/// (<c>cam1</c>, <c>lobby/*</c>, <c>site-a/**</c>).
/// </summary>
internal static class PathPermissions
{
    public const int MaxPatterns = 256;

    public static string? Problem(string pattern) =>
        pattern.Length is 0 or > 256 ? "a path pattern has 1 to 256 characters"
        : pattern.Any(c => char.IsControl(c) || c is ' ' or '?' or '#') ? $"'{pattern}' has a character paths cannot have"
        : null;

    public static bool Allows(IReadOnlyList<string>? patterns, string path)
    {
        if (patterns is null)
        {
            return true;
        }

        foreach (string pattern in patterns)
        {
            if (Matches(pattern, path))
            {
                return true;
            }
        }

        return false;
    }

    public static bool Matches(string pattern, string path)
    {
        if (pattern.EndsWith("/**", StringComparison.Ordinal))
        {
            string prefix = pattern[..^3];
            return path.StartsWith(prefix + "/", StringComparison.Ordinal) || Glob(prefix, path);
        }

        return Glob(pattern, path);
    }

    /// <summary><c>*</c> matches any characters except <c>/</c>; everything else literally.</summary>
    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        while (!pattern.IsEmpty)
        {
            if (pattern[0] == '*')
            {
                var rest = pattern[1..];
                for (int i = 0; i <= text.Length; i++)
                {
                    if (Glob(rest, text[i..]))
                    {
                        return true;
                    }

                    if (i < text.Length && text[i] == '/')
                    {
                        return false;
                    }
                }

                return false;
            }

            if (text.IsEmpty || text[0] != pattern[0])
            {
                return false;
            }

            pattern = pattern[1..];
            text = text[1..];
        }

        return text.IsEmpty;
    }
}
