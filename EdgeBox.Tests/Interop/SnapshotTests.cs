using System.Net;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>JPEG snapshots from the AOT binary of a stream ffmpeg publishes; ffprobe checks the JPEGs.</summary>
[Collection(HeavyTests.Name)]
public sealed class SnapshotTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() => _box = await RtspTestServer.StartAsync();

    public async Task DisposeAsync() => await _box.DisposeAsync();

    private async Task<(int Width, int Height)> ProbeJpegAsync(byte[] jpeg)
    {
        string file = _box.Directory.File($"snap-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(file, jpeg);
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error",
            "-show_entries", "stream=codec_name,width,height", "-of", "json", file);
        Assert.True(code == 0, stderr);
        var stream = JsonDocument.Parse(stdout).RootElement.GetProperty("streams")[0];
        Assert.Equal("mjpeg", stream.GetProperty("codec_name").GetString());
        return (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32());
    }

    [Fact]
    public async Task Snapshots_are_decodable_jpegs_of_the_requested_width()
    {
        var publisher = _box.PublishTestPattern("live/snap", "1280x720", fps: 25, seconds: 30);
        await _box.WaitReadyAsync("live/snap", publisher);

        using var full = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/paths/live/snap/snapshot.jpg"));
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal("image/jpeg", full.Content.Headers.ContentType?.MediaType);
        Assert.Equal((1280, 720), await ProbeJpegAsync(await full.Content.ReadAsByteArrayAsync()));

        using var small = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/paths/live/snap/snapshot.jpg?width=320"));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal((320, 180), await ProbeJpegAsync(await small.Content.ReadAsByteArrayAsync()));
    }

    [Theory]
    [InlineData("/api/v1/paths/unknown/snapshot.jpg", HttpStatusCode.NotFound)]
    [InlineData("/api/v1/paths/live/nobody/snapshot.jpg", HttpStatusCode.ServiceUnavailable)]
    [InlineData("/api/v1/paths/live/nobody/snapshot.jpg?width=2", HttpStatusCode.BadRequest)]
    public async Task Snapshot_errors_say_what_is_wrong(string url, HttpStatusCode expected)
    {
        using var response = await _box.Http.GetAsync(new Uri(_box.Api, url));
        Assert.Equal(expected, response.StatusCode);
        Assert.Contains("error", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_configurations_demo_path_plays_the_test_pattern_on_demand()
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
            "-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "json", $"{_box.Rtsp}demo");
        Assert.True(code == 0, stderr + "\n" + _box.Process.Output);
        var streams = JsonDocument.Parse(stdout).RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_name").GetString() == "h264");
        Assert.Equal((1280, 720), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.Equal("48000", streams.Single(s => s.GetProperty("codec_name").GetString() == "opus").GetProperty("sample_rate").GetString());

        var (decode, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
            "-i", $"{_box.Rtsp}demo", "-t", "2", "-f", "null", "-");
        Assert.Equal(0, decode);
        Assert.Equal("", errors.Trim());

        using var snapshot = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/paths/demo/snapshot.jpg?width=640"));
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        Assert.Equal((640, 360), await ProbeJpegAsync(await snapshot.Content.ReadAsByteArrayAsync()));
    }
}
