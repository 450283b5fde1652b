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

    [Fact]
    public async Task A_range_across_two_segments_downloads_as_one_mp4_with_ranges_and_plays_as_hls()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config);
        var publisher = box.PublishTestPattern("cam1", seconds: 25, audio: true); // GOP 1 s
        await box.WaitReadyAsync("cam1", publisher);
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(45)));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the source times out; the last segment closes

        using var detail = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam1"));
        var segments = JsonDocument.Parse(await detail.Content.ReadAsStringAsync()).RootElement.GetProperty("segments");
        Assert.True(segments.GetArrayLength() >= 2, box.Process.Output);
        var from = segments[0].GetProperty("start").GetDateTimeOffset().AddSeconds(5);
        var to = segments[1].GetProperty("start").GetDateTimeOffset().AddSeconds(5);
        var url = new Uri(box.Api, $"/api/v1/recordings/cam1/download?from={from.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}&to={to.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}");

        using var whole = await box.Http.GetAsync(url);
        Assert.Equal(System.Net.HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("video/mp4", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", whole.Content.Headers.ContentDisposition?.DispositionType);
        byte[] body = await whole.Content.ReadAsByteArrayAsync();
        string file = box.Directory.File("range.mp4");
        await File.WriteAllBytesAsync(file, body);
        var (codecs, duration) = await CheckAsync(file);
        Assert.Equal(["h264", "aac"], codecs);
        Assert.InRange(duration, 9.9, 12.1); // 10 s, from the keyframe at or before from (≤ 1 GOP) to the end of the fragment holding to (≤ 1 s)

        using var partial = new HttpRequestMessage(HttpMethod.Get, url);
        partial.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100_000, 100_999);
        using var part = await box.Http.SendAsync(partial);
        Assert.Equal(System.Net.HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal($"bytes 100000-100999/{body.Length}", part.Content.Headers.ContentRange?.ToString());
        Assert.Equal(body.AsSpan(100_000, 1000).ToArray(), await part.Content.ReadAsByteArrayAsync());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(whole.Headers.ETag!);
        using var unchanged = await box.Http.SendAsync(conditional);
        Assert.Equal(System.Net.HttpStatusCode.NotModified, unchanged.StatusCode);

        string playlist = new Uri(box.Api, "/api/v1/recordings/cam1/index.m3u8").ToString();
        var (decode, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-i", playlist, "-f", "null", "-");
        Assert.True(decode == 0 && errors.Trim().Length == 0, errors);
        var (_, probe, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", playlist);
        Assert.InRange(double.Parse(probe.Trim(), CultureInfo.InvariantCulture), 23.5, 25.5);
        // Seeking: in the MP4 over HTTP (its sidx lets FFmpeg jump with a Range request). Not in the playlist:
        // FFmpeg 5.1's HLS demuxer decodes garbage after any seek into a fragmented-MP4 playlist of one-second
        // fragments, its own HLS output of the same stream included; browsers (hls.js, Safari) fetch segments alone.
        var (seek, _, seekErrors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-ss", "6", "-i", url.ToString(), "-frames:v", "1", "-f", "null", "-");
        Assert.True(seek == 0 && seekErrors.Trim().Length == 0, seekErrors);

        using var reversed = await box.Http.GetAsync(new Uri(box.Api, $"/api/v1/recordings/cam1/download?from={to.UtcDateTime:O}&to={from.UtcDateTime:O}"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, reversed.StatusCode);
        using var unknown = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/nosuch/index.m3u8"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
