using System.Text.Json;

namespace EdgeBox.Bench.WebRtcLoad;

/// <summary>Writes one JSON object as one line of stdout (what bench/webrtc.py reads), without reflection.</summary>
internal static class JsonLine
{
    private static readonly Lock Gate = new();

    public static void Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        lock (Gate)
        {
            using var stdout = Console.OpenStandardOutput();
            buffer.WriteTo(stdout);
            stdout.WriteByte((byte)'\n');
            stdout.Flush();
        }
    }

    /// <summary>Nearest-rank percentile of sorted values; NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>A number rounded to <paramref name="digits"/>, or null for NaN (JSON has no NaN).</summary>
    public static void WriteRounded(this Utf8JsonWriter writer, string name, double value, int digits)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, Math.Round(value, digits));
        }
    }
}
