using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeBox.Recording;

/// <summary>
/// A path's <c>recordPath</c>: expands to a segment's file name from the path name and its UTC start
/// time, and reads both back from a file name (the index is rebuilt from files this way).
/// Fields: <c>%path</c>, <c>%Y</c> <c>%m</c> <c>%d</c> <c>%H</c> <c>%M</c> <c>%S</c>, <c>%f</c> (microseconds).
/// </summary>
internal sealed class RecordPathPattern
{
    private static readonly string[] Fields = ["%path", "%Y", "%m", "%d", "%H", "%M", "%S", "%f"];
    private readonly string _pattern;
    private readonly Regex _parser;

    public RecordPathPattern(string pattern)
    {
        _pattern = pattern;
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length;)
        {
            string? field = Fields.FirstOrDefault(f => string.CompareOrdinal(pattern, i, f, 0, f.Length) == 0);
            if (field is null)
            {
                regex.Append(Regex.Escape(pattern[i].ToString()));
                i++;
                continue;
            }

            regex.Append(field switch
            {
                "%path" => "(?<path>.+?)",
                "%Y" => @"(?<Y>\d{4})",
                "%f" => @"(?<f>\d{6})",
                _ => $@"(?<{field[1]}>\d{{2}})",
            });
            i += field.Length;
        }

        _parser = new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>The folder (relative to the data directory) every file of the pattern lies under: its text before the first field.</summary>
    public string Root
    {
        get
        {
            int first = _pattern.IndexOf('%', StringComparison.Ordinal);
            string head = first < 0 ? _pattern : _pattern[..first];
            int slash = head.LastIndexOf('/');
            return slash < 0 ? "." : head[..slash];
        }
    }

    /// <summary>The file of a segment of <paramref name="path"/> starting at <paramref name="start"/>, relative to the data directory, with '/' separators.</summary>
    public string Expand(string path, DateTimeOffset start)
    {
        var utc = start.ToUniversalTime();
        return _pattern
            .Replace("%path", path, StringComparison.Ordinal)
            .Replace("%Y", utc.Year.ToString("0000", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%m", utc.Month.ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%d", utc.Day.ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%H", utc.Hour.ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%M", utc.Minute.ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%S", utc.Second.ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%f", (utc.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>The path name and start time a file name was made from; false when it does not fit the pattern.</summary>
    public bool TryParse(string file, out string path, out DateTimeOffset start)
    {
        path = "";
        start = default;
        var match = _parser.Match(file.Replace('\\', '/'));
        if (!match.Success)
        {
            return false;
        }

        int Field(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        try
        {
            start = new DateTimeOffset(Field("Y"), Field("m"), Field("d"), Field("H"), Field("M"), Field("S"), TimeSpan.Zero).AddTicks(Field("f") * 10L);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }

        path = match.Groups["path"].Value;
        return path.Length > 0;
    }
}
