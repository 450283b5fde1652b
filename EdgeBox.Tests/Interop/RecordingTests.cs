using System.Globalization;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Continuous recording in the AOT binary: ffmpeg publishes over RTSP, EdgeBox writes fMP4 segments;
/// ffprobe and ffmpeg check every file; a <c>kill -9</c> mid-recording loses at most one fragment and
/// every file still plays after the restart.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class RecordingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private const string Config = """
        paths:
          cam1: { record: true, recordSegmentDuration: 10s, recordPartDuration: 1s }
        """;

    private static IReadOnlyList<string> Segments(RtspTestServer box) =>
        Directory.Exists(box.Directory.File("data/recordings/cam1"))
            ? [.. Directory.EnumerateFiles(box.Directory.File("data/recordings/cam1"), "*.mp4", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>ffprobe's codecs and duration of a file, after checking ffmpeg decodes it without a complaint.</summary>
    private static async Task<(string[] Codecs, double Duration)> CheckAsync(string file)
    {
        var (decode, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-i", file, "-f", "null", "-");
        Assert.True(decode == 0 && errors.Trim().Length == 0, $"{file}: {errors}");
        var (code, probe, probeErrors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error",
            "-show_entries", "stream=codec_name:format=duration", "-of", "json", file);
        Assert.True(code == 0, probeErrors);
        var json = JsonDocument.Parse(probe).RootElement;
        return ([.. json.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("codec_name").GetString()!)],
            double.Parse(json.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Twenty_seconds_of_a_published_stream_become_playable_segments_that_add_up_to_twenty_seconds()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config);
        var publisher = box.PublishTestPattern("cam1", seconds: 20, audio: true);
        await box.WaitReadyAsync("cam1", publisher);
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        await box.Process.WaitForOutputAsync("Recording cam1: recordings/cam1/", 10);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the source times out; the last segment closes

        var files = Segments(box);
        Assert.True(files.Count >= 2, $"{files.Count} segments\n{box.Process.Output}");
        double total = 0;
        foreach (string file in files)
        {
            var (codecs, duration) = await CheckAsync(file);
            Assert.Equal(["h264", "aac"], codecs);
            total += duration;
        }

        Assert.InRange(total, 19.0, 20.5); // what was recorded after the path was ready, ± one fragment
        using var list = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings"));
        var item = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("items")[0];
        Assert.Equal(("cam1", files.Count), (item.GetProperty("path").GetString(), item.GetProperty("segments").GetInt32()));
        using var detail = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam1"));
        var spans = JsonDocument.Parse(await detail.Content.ReadAsStringAsync()).RootElement.GetProperty("spans");
        var span = Assert.Single(spans.EnumerateArray());
        double seconds = (span.GetProperty("end").GetDateTimeOffset() - span.GetProperty("start").GetDateTimeOffset()).TotalSeconds;
        Assert.InRange(seconds, total - 0.5, total + 0.5);
    }

    [Fact]
    public async Task After_kill_9_every_file_plays_and_the_open_segment_loses_at_most_one_fragment()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config);
        var publisher = box.PublishTestPattern("cam1", seconds: 60, audio: true);
        await box.WaitReadyAsync("cam1", publisher);
        await Task.Delay(TimeSpan.FromSeconds(14)); // one closed segment, one open for ~4 s
        box.Process.Signal(EdgeBoxProcess.SIGKILL);
        Assert.True(await box.Process.WaitForExitAsync(TimeSpan.FromSeconds(5)));

        // The same data directory again: the open segment is cut back to its last complete fragment.
        await using var again = EdgeBoxProcess.Start(await AotBinary.PathAsync(),
            ["run", "--data", box.Directory.File("data"), "--config", box.Directory.File("edgebox.yml")], EdgeBoxProcess.LoopbackEnvironment());
        var api = await again.WaitForHttpAsync();
        var files = Segments(box);
        Assert.True(files.Count >= 2, string.Join(", ", files) + "\n" + again.Output + "\n---\n" + box.Process.Output);
        var durations = new List<double>();
        foreach (string file in files)
        {
            var (codecs, duration) = await CheckAsync(file);
            Assert.Equal(["h264", "aac"], codecs);
            durations.Add(duration);
        }

        Assert.InRange(durations[^1], 1.5, 6.0); // ~4 s were being written; at most one fragment (1 s) lost
        using var detail = await box.Http.GetAsync(new Uri(api, "/api/v1/recordings/cam1"));
        var segments = JsonDocument.Parse(await detail.Content.ReadAsStringAsync()).RootElement.GetProperty("segments");
        Assert.All(segments.EnumerateArray(), s => Assert.True(s.GetProperty("complete").GetBoolean()));
        Assert.Contains("was being written when EdgeBox stopped: closed at its last complete fragment", again.Output, StringComparison.Ordinal);
    }
}
