using System.Globalization;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>Transcode profiles in the AOT binary: ffmpeg publishes, ffprobe/ffmpeg read the derived path.</summary>
[Collection(HeavyTests.Name)]
public sealed class TranscodeTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() =>
        _box = await RtspTestServer.StartWithConfigAsync("""
                paths:
                  cam1:
                    transcode:
                      - { name: 720p, video: { codec: h264, height: 720, fps: 10, bitrate: 1M, gop: 1s, preset: ultrafast }, audio: { codec: opus, bitrate: 64k } }
                      - { name: small, video: { width: 320 }, audio: { codec: copy }, onDemand: true }
                      - { name: tiny, video: { width: 160, fps: 5, preset: ultrafast }, audio: { codec: opus, bitrate: 64k }, onDemand: true }
                """);

    public async Task DisposeAsync() => await _box.DisposeAsync();

    private ExternalProcess Publish(string path) => _box.PublishTestPattern(path, "1280x720", fps: 20, audio: true);

    private async Task<JsonElement> CopyAndProbeAsync(string path, double seconds)
    {
        string output = _box.Directory.File($"{path.Replace('/', '-')}-{Guid.NewGuid():N}.mkv");
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
            "-i", $"{_box.Rtsp}{path}", "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c", "copy", output);
        Assert.True(code == 0, errors + "\n" + _box.Process.Output);
        var (_, probe, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-count_packets",
            "-show_entries", "stream=codec_name,width,height,sample_rate,nb_read_packets:format=duration,filename", "-of", "json", output);
        var json = JsonDocument.Parse(probe).RootElement;
        Assert.Equal(output, json.GetProperty("format").GetProperty("filename").GetString());
        return json;
    }

    private static JsonElement Stream(JsonElement probe, string codec) =>
        probe.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("codec_name").GetString() == codec);

    [Fact]
    public async Task A_published_stream_is_transcoded_to_720p_h264_at_half_rate_with_opus_and_the_source_is_unaffected()
    {
        var publisher = Publish("cam1");
        await _box.WaitReadyAsync("cam1", publisher);

        // A reader of the source alongside the transcode: clean decode.
        var sourceReader = _box.Track(ExternalProcess.Start("ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
            "-i", $"{_box.Rtsp}cam1", "-t", "6", "-f", "null", "-"));

        // The profile publishes once its encoder has its first picture: wait for that, as a reader of a derived path would retry.
        await _box.WaitReadyAsync("cam1/720p", publisher);
        var probe = await CopyAndProbeAsync("cam1/720p", 5);
        var video = Stream(probe, "h264");
        Assert.Equal((1280, 720), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.Equal("48000", Stream(probe, "opus").GetProperty("sample_rate").GetString());
        // Frame rate from the video packets' own timestamps (the file's duration also spans the audio).
        var (_, times, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "packet=pts_time", "-of", "csv=p=0", probe.GetProperty("format").GetProperty("filename").GetString()!);
        var pts = times.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => double.Parse(t, CultureInfo.InvariantCulture)).Order().ToList();
        // The median interval: a reader's first GOP comes from the cache and may start with a gap.
        var intervals = pts.Zip(pts.Skip(1), (a, b) => b - a).Order().ToList();
        double fps = 1 / intervals[intervals.Count / 2];
        Assert.InRange(fps, 10 * 0.98, 10 * 1.02);

        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
            "-i", $"{_box.Rtsp}cam1/720p", "-t", "3", "-f", "null", "-");
        Assert.Equal(0, code);
        Assert.Equal("", errors.Trim());

        Assert.True(await sourceReader.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, sourceReader.ExitCode);
        Assert.Equal("", sourceReader.StandardError.Trim());
    }

    [Fact]
    public async Task Two_profiles_that_want_opus_share_one_audio_conversion()
    {
        int logStart = _box.Process.Output.Length; // earlier tests of this class had sources (and conversions) of their own
        var publisher = Publish("cam1");
        await _box.WaitReadyAsync("cam1", publisher);
        var big = await CopyAndProbeAsync("cam1/720p", 3);
        var tiny = await CopyAndProbeAsync("cam1/tiny", 3);
        Assert.Equal("48000", Stream(big, "opus").GetProperty("sample_rate").GetString());
        Assert.Equal("48000", Stream(tiny, "opus").GetProperty("sample_rate").GetString());
        Assert.True(Stream(tiny, "opus").GetProperty("nb_read_packets").GetString() is { } packets && int.Parse(packets, CultureInfo.InvariantCulture) > 50);
        string log = _box.Process.Output[logStart..];
        string line = "Path cam1: converting audio aac to opus at 64000 bit/s";
        Assert.Equal(log.IndexOf(line, StringComparison.Ordinal), log.LastIndexOf(line, StringComparison.Ordinal));
        Assert.Contains(line, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_on_demand_profile_starts_for_a_reader_and_stops_after_the_last()
    {
        var publisher = Publish("cam1");
        await _box.WaitReadyAsync("cam1", publisher);
        using (var before = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/paths/cam1/small")))
        {
            Assert.Equal("idle", JsonDocument.Parse(await before.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString());
        }

        var probe = await CopyAndProbeAsync("cam1/small", 2);
        Assert.Equal((320, 180), (Stream(probe, "h264").GetProperty("width").GetInt32(), Stream(probe, "h264").GetProperty("height").GetInt32()));
        Assert.Equal("aac", Stream(probe, "aac").GetProperty("codec_name").GetString());
        await _box.Process.WaitForOutputAsync("Transcode cam1/small: no readers left; stopping", 30);
    }
}
