using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EdgeBox.Protocols.Rtsp;

internal enum RtspRangeUnit
{
    /// <summary>Normal play time: seconds from the start, or <c>now</c> for live (RFC 2326 §3.6).</summary>
    Npt,

    /// <summary>Absolute UTC time, <c>clock=19961108T142300Z-</c> (RFC 2326 §3.7).</summary>
    Clock,

    /// <summary>SMPTE time codes (RFC 2326 §3.5), kept as text.</summary>
    Smpte,
}

/// <summary>
/// <c>Range</c> (RFC 2326 §12.29): <c>npt=0-</c>, <c>npt=0.000-</c>, <c>npt=now-</c>,
/// <c>npt=10-20.5</c>, <c>npt=00:01:02.5-</c>, <c>clock=19961108T142300Z-19961108T143520Z</c>,
/// optionally followed by <c>;time=</c>. Start and end are kept as written; the typed properties
/// read them.
/// </summary>
internal sealed record RtspRange(RtspRangeUnit Unit, string Start, string? End)
{
    /// <summary>The <c>;time=</c> parameter (when the range should take effect), as written.</summary>
    public string? Time { get; init; }

    /// <summary><c>npt=now-</c>: what a live source answers and a client asks for.</summary>
    public static RtspRange NptNow { get; } = new(RtspRangeUnit.Npt, "now", null);

    public bool StartIsNow => Unit == RtspRangeUnit.Npt && Start.Equals("now", StringComparison.OrdinalIgnoreCase);

    /// <summary>The NPT start as a time, or null for <c>now</c>, an open start, or another unit.</summary>
    public TimeSpan? NptStart => Unit == RtspRangeUnit.Npt && TryParseNpt(Start, out var t) ? t : null;

    public TimeSpan? NptEnd => Unit == RtspRangeUnit.Npt && TryParseNpt(End, out var t) ? t : null;

    public DateTimeOffset? ClockStart => Unit == RtspRangeUnit.Clock && TryParseClock(Start, out var t) ? t : null;

    public DateTimeOffset? ClockEnd => Unit == RtspRangeUnit.Clock && TryParseClock(End, out var t) ? t : null;

    /// <summary><c>npt=S.sss-[E.eee]</c>, with millisecond precision like ffmpeg and live555 write it.</summary>
    public static RtspRange Npt(TimeSpan start, TimeSpan? end = null) =>
        new(RtspRangeUnit.Npt, FormatNpt(start), end is { } e ? FormatNpt(e) : null);

    public static RtspRange Clock(DateTimeOffset start, DateTimeOffset? end = null) =>
        new(RtspRangeUnit.Clock, FormatClock(start), end is { } e ? FormatClock(e) : null);

    public static bool TryParse(string? value, [NotNullWhen(true)] out RtspRange? range)
    {
        range = null;
        if (value is null)
        {
            return false;
        }

        var parts = HeaderValueSyntax.Split(value, ';');
        if (parts.Count == 0)
        {
            return false;
        }

        var eq = parts[0].IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return false;
        }

        var unitText = parts[0][..eq].Trim();
        RtspRangeUnit unit;
        if (unitText.Equals("npt", StringComparison.OrdinalIgnoreCase))
        {
            unit = RtspRangeUnit.Npt;
        }
        else if (unitText.Equals("clock", StringComparison.OrdinalIgnoreCase))
        {
            unit = RtspRangeUnit.Clock;
        }
        else if (unitText.StartsWith("smpte", StringComparison.OrdinalIgnoreCase))
        {
            unit = RtspRangeUnit.Smpte;
        }
        else
        {
            return false;
        }

        var spec = parts[0][(eq + 1)..].Trim();
        // SMPTE time codes have no '-' of their own; NPT and clock values neither.
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var start = spec[..dash].Trim();
        var end = spec[(dash + 1)..].Trim();
        if (start.Length == 0 && end.Length == 0)
        {
            return false;
        }

        if (unit == RtspRangeUnit.Npt
            && ((start.Length > 0 && !start.Equals("now", StringComparison.OrdinalIgnoreCase) && !TryParseNpt(start, out _))
                || (end.Length > 0 && !TryParseNpt(end, out _))))
        {
            return false;
        }

        if (unit == RtspRangeUnit.Clock && (!TryParseClock(start, out _) || (end.Length > 0 && !TryParseClock(end, out _))))
        {
            return false;
        }

        string? time = null;
        foreach (var parameter in parts.Skip(1))
        {
            var (name, text) = HeaderValueSyntax.SplitParameter(parameter);
            if (name.Equals("time", StringComparison.OrdinalIgnoreCase))
            {
                time = text;
            }
        }

        range = new RtspRange(unit, start, end.Length == 0 ? null : end) { Time = time };
        return true;
    }

    public override string ToString()
    {
        var unit = Unit switch
        {
            RtspRangeUnit.Clock => "clock",
            RtspRangeUnit.Smpte => "smpte",
            _ => "npt",
        };
        var text = unit + "=" + Start + "-" + End;
        return Time is null ? text : text + ";time=" + Time;
    }

    /// <summary>npt-sec = 1*DIGIT [ "." *DIGIT ]; npt-hhmmss = npt-hh ":" npt-mm ":" npt-ss [ "." *DIGIT ].</summary>
    private static bool TryParseNpt(string? text, out TimeSpan time)
    {
        time = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var fields = text.Split(':');
        if (fields.Length is not (1 or 3))
        {
            return false;
        }

        double seconds = 0;
        for (var i = 0; i < fields.Length; i++)
        {
            var last = i == fields.Length - 1;
            var style = last ? NumberStyles.AllowDecimalPoint : NumberStyles.None;
            if (fields[i].Length == 0 || !double.TryParse(fields[i], style, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            seconds = (seconds * 60) + value;
        }

        if (seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        time = TimeSpan.FromSeconds(seconds);
        return true;
    }

    private static readonly string[] ClockFormats = ["yyyyMMdd'T'HHmmss'Z'", "yyyyMMdd'T'HHmmss.FFFFFFF'Z'"];

    private static bool TryParseClock(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text, ClockFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    private static string FormatNpt(TimeSpan time) =>
        (Math.Floor(time.TotalMilliseconds) / 1000).ToString("0.000", CultureInfo.InvariantCulture);

    private static string FormatClock(DateTimeOffset time) =>
        time.UtcDateTime.ToString(time.UtcDateTime.Millisecond == 0 ? "yyyyMMdd'T'HHmmss'Z'" : "yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
}
