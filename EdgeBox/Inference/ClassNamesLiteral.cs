using System.Globalization;
using System.Text;

namespace EdgeBox.Inference;

/// <summary>
/// Reads the class names Ultralytics writes into an ONNX export's <c>names</c> metadata: Python's
/// <c>str()</c> of a dict, <c>{0: 'person', 1: 'bicycle'}</c> (YOLOv8/v11), or of a list,
/// <c>['person', 'bicycle']</c> (older YOLOv5 exports). Python quotes a string with <c>'</c> unless it
/// holds a <c>'</c> and no <c>"</c>, and escapes with a backslash; both quotes are taken here.
/// Anything else is not guessed at: the parse gives null and the caller falls back to numbers.
/// </summary>
internal static class ClassNamesLiteral
{
    /// <summary>
    /// Largest class index taken. Detection datasets stop well below it (COCO 80, Objects365 365,
    /// Open Images 601, LVIS 1203); the limit keeps <c>{999999999: 'x'}</c> from allocating a huge list.
    /// </summary>
    public const int MaxClasses = 10_000;

    /// <summary>Names by class index (indices a dict leaves out are named by their number); null when <paramref name="text"/> is not such a literal.</summary>
    public static string[]? Parse(string text)
    {
        var reader = new Reader(text);
        reader.SkipSpaces();
        char open = reader.Peek();
        if (open is not ('{' or '['))
        {
            return null;
        }

        reader.Next();
        char close = open == '{' ? '}' : ']';
        var names = new SortedDictionary<int, string>();
        while (true)
        {
            reader.SkipSpaces();
            if (reader.Peek() == close)
            {
                reader.Next();
                break;
            }

            int key = names.Count;
            if (open == '{')
            {
                if (!reader.TryReadIndex(out key))
                {
                    return null;
                }

                reader.SkipSpaces();
                if (reader.Next() != ':')
                {
                    return null;
                }

                reader.SkipSpaces();
            }

            if (key >= MaxClasses || !reader.TryReadString(out string? name) || !names.TryAdd(key, name))
            {
                return null;
            }

            reader.SkipSpaces();
            char separator = reader.Next();
            if (separator == close)
            {
                break;
            }

            if (separator != ',')
            {
                return null;
            }
        }

        reader.SkipSpaces();
        if (!reader.AtEnd || names.Count == 0)
        {
            return null;
        }

        var result = new string[names.Keys.Max() + 1];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = names.TryGetValue(i, out string? name) ? name : i.ToString(CultureInfo.InvariantCulture);
        }

        return result;
    }

    /// <summary>A cursor over the text; reading past the end gives <c>'\0'</c>, which no rule accepts.</summary>
    private ref struct Reader(string text)
    {
        private readonly string _text = text;
        private int _position;

        public readonly bool AtEnd => _position >= _text.Length;

        public readonly char Peek() => _position < _text.Length ? _text[_position] : '\0';

        public char Next() => _position < _text.Length ? _text[_position++] : '\0';

        public void SkipSpaces()
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            {
                _position++;
            }
        }

        public bool TryReadIndex(out int value)
        {
            value = 0;
            int start = _position;
            while (char.IsAsciiDigit(Peek()))
            {
                value = (value * 10) + (Next() - '0');
                if (value >= MaxClasses)
                {
                    return false;
                }
            }

            return _position > start;
        }

        public bool TryReadString([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
        {
            value = null;
            char quote = Next();
            if (quote is not ('\'' or '"'))
            {
                return false;
            }

            var builder = new StringBuilder();
            while (true)
            {
                char c = Next();
                if (c == '\0' && AtEnd)
                {
                    return false;
                }

                if (c == quote)
                {
                    value = builder.ToString();
                    return true;
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                char escaped = Next();
                switch (escaped)
                {
                    case 'n':
                        builder.Append('\n');
                        break;
                    case 't':
                        builder.Append('\t');
                        break;
                    case 'r':
                        builder.Append('\r');
                        break;
                    case 'x' or 'u':
                        if (!TryReadHex(escaped == 'x' ? 2 : 4, out char code))
                        {
                            return false;
                        }

                        builder.Append(code);
                        break;
                    case '\0' when AtEnd:
                        return false;
                    default:
                        // \\, \' and \" stand for themselves; so does anything Python would print otherwise.
                        builder.Append(escaped);
                        break;
                }
            }
        }

        private bool TryReadHex(int digits, out char code)
        {
            code = '\0';
            if (_position + digits > _text.Length
                || !int.TryParse(_text.AsSpan(_position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
            {
                return false;
            }

            _position += digits;
            code = (char)value;
            return true;
        }
    }
}
