using System.Globalization;

namespace EdgeBox.Bench.WebRtcLoad;

/// <summary>
/// Lightweight WebRTC clients for bench/webrtc.py, built on EdgeBox's own STUN, DTLS and SRTP code.
/// <code>
/// webrtcload whep --url http://127.0.0.1:8080/bench/whep --viewers 40 [--seconds 60] [--connect-concurrency 8]
/// webrtcload latency --whip URL --whep URL --file clip.h264 [--seconds 20] [--warmup-seconds 3] [--fps 30]
/// </code>
/// Results are JSON lines on stdout (see <see cref="WhepLoad"/> and <see cref="LatencyProbe"/>), progress
/// goes to stderr. Exit status: 0 when the run produced numbers, 1 when nothing connected or no sample
/// arrived, 2 for bad arguments.
/// </summary>
internal static class Program
{
    private const string Usage =
        "usage: webrtcload whep --url URL --viewers N [--seconds S] [--connect-concurrency C] [--connect-timeout S]\n"
        + "       webrtcload latency --whip URL --whep URL --file clip.h264 [--seconds S] [--warmup-seconds W] [--fps F] [--connect-timeout S]";

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || (args.Length - 1) % 2 != 0)
        {
            return Fail("");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        try
        {
            var connectTimeout = TimeSpan.FromSeconds(Number(values, "--connect-timeout", 15));
            switch (args[0])
            {
                case "whep":
                    Known(values, "--url", "--viewers", "--seconds", "--connect-concurrency", "--connect-timeout");
                    return await WhepLoad.RunAsync(new WhepOptions(Url(values, "--url"), (int)Number(values, "--viewers", 1), Number(values, "--seconds", 0),
                        (int)Number(values, "--connect-concurrency", 8), connectTimeout)).ConfigureAwait(false);
                case "latency":
                    Known(values, "--whip", "--whep", "--file", "--seconds", "--warmup-seconds", "--fps", "--connect-timeout");
                    string file = values.GetValueOrDefault("--file") ?? throw new ArgumentException("--file is required");
                    return await LatencyProbe.RunAsync(new LatencyOptions(Url(values, "--whip"), Url(values, "--whep"), Number(values, "--seconds", 20), file,
                        Number(values, "--warmup-seconds", 3), (int)Number(values, "--fps", 30), connectTimeout)).ConfigureAwait(false);
                default:
                    return Fail($"unknown mode {args[0]}");
            }
        }
        catch (ArgumentException ex)
        {
            return Fail(ex.Message);
        }
    }

    private static int Fail(string message)
    {
        if (message.Length > 0)
        {
            Console.Error.WriteLine("webrtcload: " + message);
        }

        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static void Known(Dictionary<string, string> values, params string[] known)
    {
        foreach (string key in values.Keys)
        {
            if (!known.Contains(key))
            {
                throw new ArgumentException($"unknown option {key}");
            }
        }
    }

    private static Uri Url(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out string? text) && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new ArgumentException($"{key} needs an absolute URL");

    private static double Number(Dictionary<string, string> values, string key, double fallback)
    {
        if (!values.TryGetValue(key, out string? text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0
            ? value
            : throw new ArgumentException($"{key} takes a number >= 0");
    }
}
