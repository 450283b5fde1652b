using System.Globalization;

namespace EdgeBox.Configuration;

/// <summary>Sizes as people write them: <c>50G</c>, <c>500M</c>, <c>1.5T</c>, <c>4096</c> (bytes; K/M/G/T are powers of 1024).</summary>
internal static class ByteSizeText
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        string unit = text.EndsWith('B') || text.EndsWith('b') ? text[..^1] : text;
        double scale = unit.Length > 0 ? char.ToUpperInvariant(unit[^1]) switch
        {
            'K' => 1024d,
            'M' => 1024d * 1024,
            'G' => 1024d * 1024 * 1024,
            'T' => 1024d * 1024 * 1024 * 1024,
            _ => 1,
        } : 1;
        string number = scale == 1 ? unit : unit[..^1];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value < 0 || value * scale > 1e18)
        {
            return false;
        }

        bytes = (long)Math.Round(value * scale);
        return true;
    }

    public static string Format(long bytes)
    {
        foreach (var (suffix, scale) in (ReadOnlySpan<(string, long)>)[("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10)])
        {
            if (bytes >= scale && bytes % scale == 0)
            {
                return (bytes / scale).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>Free space to keep on the recordings volume: a percentage of it, or a number of bytes.</summary>
internal readonly record struct DiskFloor(double Percent, long Bytes)
{
    public static readonly DiskFloor Default = new(10, 0);

    public static bool TryParse(string text, out DiskFloor floor)
    {
        floor = default;
        text = text.Trim();
        if (text.EndsWith('%'))
        {
            if (double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double percent) && percent is >= 0 and < 100)
            {
                floor = new DiskFloor(percent, 0);
                return true;
            }

            return false;
        }

        if (ByteSizeText.TryParse(text, out long bytes))
        {
            floor = new DiskFloor(0, bytes);
            return true;
        }

        return false;
    }

    /// <summary>The floor in bytes on a volume of <paramref name="volumeBytes"/>.</summary>
    public long For(long volumeBytes) => Bytes > 0 ? Bytes : (long)(volumeBytes * Percent / 100);

    public override string ToString() => Bytes > 0 ? ByteSizeText.Format(Bytes) : Percent.ToString(CultureInfo.InvariantCulture) + "%";
}
