using System.Globalization;

namespace EdgeBox.Configuration;

/// <summary>Durations as Go and MediaMTX write them (<c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h30m</c>, and MediaMTX's <c>7d</c>); a bare number is seconds.</summary>
internal static class DurationText
{
    /// <summary>Longest duration accepted: ten years (recording retention); each key's validator narrows it.</summary>
    private static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        if (double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds >= 0 && seconds <= Max.TotalSeconds && Set(TimeSpan.FromSeconds(seconds), out value);
        }

        double total = 0;
        while (!span.IsEmpty)
        {
            int digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                return false;
            }

            span = span[digits..];
            int unit = 0;
            while (unit < span.Length && char.IsAsciiLetter(span[unit]))
            {
                unit++;
            }

            double scale = span[..unit] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => -1,
            };
            if (scale < 0)
            {
                return false;
            }

            total += number * scale;
            span = span[unit..];
        }

        return total <= Max.TotalSeconds && Set(TimeSpan.FromSeconds(total), out value);
    }

    /// <summary>The shortest form that reads back to the same value: 10s, 1m30s, 500ms.</summary>
    public static string Format(TimeSpan value)
    {
        if (value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        long seconds = (long)value.TotalSeconds;
        string result = "";
        if (seconds >= 86400)
        {
            result += (seconds / 86400).ToString(CultureInfo.InvariantCulture) + "d";
            seconds %= 86400;
        }

        if (seconds >= 3600)
        {
            result += (seconds / 3600).ToString(CultureInfo.InvariantCulture) + "h";
            seconds %= 3600;
        }

        if (seconds >= 60)
        {
            result += (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m";
            seconds %= 60;
        }

        return seconds > 0 || result.Length == 0 ? result + seconds.ToString(CultureInfo.InvariantCulture) + "s" : result;
    }

    private static bool Set(TimeSpan parsed, out TimeSpan value)
    {
        value = parsed;
        return true;
    }
}
