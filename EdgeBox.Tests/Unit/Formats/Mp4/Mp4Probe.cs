using System.Globalization;
using System.Text.Json;
using EdgeBox.Formats.Mp4;
using EdgeBox.Media;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

/// <summary>A stream as <c>ffprobe -show_streams -count_frames</c> reports it.</summary>
internal sealed record ProbedStream(string CodecName, string CodecTag, int Frames, double Duration, double StartTime, int Width, int Height, int SampleRate, int Channels);

/// <summary>What ffprobe and ffmpeg say of a file: the streams, and the errors each printed (both must be empty for a good file).</summary>
internal sealed record ProbeResult(List<ProbedStream> Streams, double FormatDuration, string ProbeErrors, string DecodeErrors);

/// <summary>Runs the real tools on written files, and writes files the way a recorder would.</summary>
internal static class Mp4Probe
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    public static async Task<ProbeResult> ProbeAsync(string path)
    {
        var (code, json, errors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-show_streams", "-show_format",
            "-count_frames", "-of", "json", path);
        Assert.True(code == 0, $"ffprobe failed: {errors}");
        using var document = JsonDocument.Parse(json);
        var streams = new List<ProbedStream>();
        foreach (var s in document.RootElement.GetProperty("streams").EnumerateArray())
        {
            streams.Add(new ProbedStream(
                s.GetProperty("codec_name").GetString()!,
                Text(s, "codec_tag_string"),
                (int)Number(s, "nb_read_frames"),
                Number(s, "duration"),
                Number(s, "start_time"),
                (int)Number(s, "width"),
                (int)Number(s, "height"),
                (int)Number(s, "sample_rate"),
                (int)Number(s, "channels")));
        }

        double formatDuration = Number(document.RootElement.GetProperty("format"), "duration");
        var (_, _, decodeErrors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-");
        return new ProbeResult(streams, formatDuration, errors.Trim(), decodeErrors.Trim());
    }

    /// <summary>
    /// Writes <paramref name="streams"/> as a recorder would: units interleaved by time, a fragment cut before each
    /// keyframe of the first (video) track — or, with <paramref name="part"/> or without video, at the first unit
    /// past each part's time — with that unit's time as the fragment's end. Returns the writer's fragments.
    /// </summary>
    public static List<Mp4FragmentInfo> Record(Stream output, IReadOnlyList<TestStream> streams, MediaBufferPool pool,
        IReadOnlyList<TimeSpan>? startOffsets = null, TimeSpan? part = null, FragmentedMp4Options? options = null)
    {
        using var writer = new FragmentedMp4Writer(output, options);
        writer.WriteInit([.. streams.Select(s => s.Track)], startOffsets);
        var fragments = new List<Mp4FragmentInfo>();
        var units = Interleave(streams, startOffsets);
        var partLength = part ?? TimeSpan.FromSeconds(1);
        TimeSpan partStart = TimeSpan.Zero;
        bool atKeyframes = part is null && streams[0].Track.IsVideo;
        foreach (var (stream, unit) in units)
        {
            var access = new AccessUnit(stream.Track.Index, unit.Pts, unit.Keyframe, pool.Rent(unit.Payload), 0);
            var time = writer.TimeOf(access)!.Value;
            bool cut = atKeyframes ? stream == streams[0] && unit.Keyframe : time - partStart >= partLength;
            if (cut && writer.PendingSamples > 0)
            {
                fragments.Add(writer.Flush(time)!.Value);
                partStart = time;
            }

            Assert.True(writer.Add(access));
            access.Release();
        }

        if (writer.Flush() is { } last)
        {
            fragments.Add(last);
        }

        Assert.Equal(0, writer.PendingSamples);
        return fragments;
    }

    /// <summary>
    /// The units of all streams merged by time, each stream kept in its own (decode) order: a unit arrives at the
    /// latest time its stream has reached, as reordered pictures do.
    /// </summary>
    public static List<(TestStream Stream, (byte[] Payload, long Pts, bool Keyframe) Unit)> Interleave(IReadOnlyList<TestStream> streams, IReadOnlyList<TimeSpan>? startOffsets = null)
    {
        var merged = new List<(TestStream, (byte[], long, bool))>();
        var next = new int[streams.Count];
        var reached = new double[streams.Count];
        while (true)
        {
            int pick = -1;
            double best = double.MaxValue;
            for (int s = 0; s < streams.Count; s++)
            {
                var stream = streams[s];
                if (next[s] >= stream.Units.Count)
                {
                    continue;
                }

                double time = (startOffsets?[s].TotalSeconds ?? 0) + stream.Seconds(stream.Units[next[s]].Pts - stream.Units[0].Pts);
                double arrival = Math.Max(time, reached[s]);
                if (arrival < best)
                {
                    (best, pick) = (arrival, s);
                }
            }

            if (pick < 0)
            {
                return merged;
            }

            reached[pick] = best;
            merged.Add((streams[pick], streams[pick].Units[next[pick]++]));
        }
    }

    /// <summary>The presentation timestamps (in the stream's time base) of the decoded frames of a stream, in display order.</summary>
    public static async Task<List<long>> FramePtsAsync(string path, string stream)
    {
        var (code, output, errors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-select_streams", stream,
            "-show_entries", "frame=pts", "-of", "csv=p=0", path);
        Assert.True(code == 0, errors);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => long.Parse(line.Split(',')[0], CultureInfo.InvariantCulture))];
    }

    private static string Text(JsonElement e, string name) => e.TryGetProperty(name, out var p) ? p.GetString() ?? "" : "";

    private static double Number(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var p))
        {
            return double.NaN;
        }

        return p.ValueKind == JsonValueKind.Number
            ? p.GetDouble()
            : double.TryParse(p.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : double.NaN;
    }
}
