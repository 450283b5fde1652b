using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Hardware selection on this GPU-less machine, in the AOT binary: <c>auto</c> settles for software and
/// says why; a path that asks for CUDA falls back to software with a warning and an event, and its
/// stream plays.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class HardwareFallbackTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() =>
        _box = await RtspTestServer.StartWithConfigAsync("""
                codecs: { hwaccel: auto }
                paths:
                  cam1:
                    hwaccel: cuda
                    transcode:
                      - { name: 360p, video: { height: 360, fps: 10, preset: ultrafast }, audio: { codec: none } }
                """);

    public async Task DisposeAsync() => await _box.DisposeAsync();

    [Fact]
    public async Task Auto_selects_software_and_cuda_falls_back_with_a_warning_and_an_event_and_the_stream_plays_and_makes_keyframes_on_request()
    {
        await _box.Process.WaitForOutputAsync("hwaccel: auto found no hardware codec API", 40);
        using (var info = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/info")))
        {
            var hardware = JsonDocument.Parse(await info.Content.ReadAsStringAsync()).RootElement.GetProperty("hardware");
            Assert.Equal("none", hardware.GetProperty("selected").GetString());
            Assert.Contains("using software codecs", hardware.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains(hardware.GetProperty("apis").EnumerateArray(), a => a.GetProperty("name").GetString() == "cuda" && !a.GetProperty("available").GetBoolean());
        }

        var publisher = _box.PublishTestPattern("cam1", "640x480");
        await _box.WaitReadyAsync("cam1", publisher);

        var (code, probe, errors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
            "-show_entries", "stream=codec_name,width,height", "-of", "json", $"{_box.Rtsp}cam1/360p");
        Assert.True(code == 0, errors + "\n" + _box.Process.Output);
        var video = JsonDocument.Parse(probe).RootElement.GetProperty("streams")[0];
        Assert.Equal(("h264", 480, 360), (video.GetProperty("codec_name").GetString(), video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));

        // The transcoder makes keyframes on request; the camera (an ffmpeg publisher) cannot.
        using (var derived = await _box.Http.PostAsync(new Uri(_box.Api, "/api/v1/paths/cam1/360p/keyframe"), null))
        using (var camera = await _box.Http.PostAsync(new Uri(_box.Api, "/api/v1/paths/cam1/keyframe"), null))
        using (var unknown = await _box.Http.PostAsync(new Uri(_box.Api, "/api/v1/paths/nope/keyframe"), null))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, derived.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Conflict, camera.StatusCode);
            Assert.Contains("rtsp", await camera.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
        }

        string log = _box.Process.Output;
        Assert.Contains("Transcode cam1/360p: hwaccel: cuda is not available", log, StringComparison.Ordinal);
        Assert.Contains("Transcode cam1/360p: libx264 480x360", log, StringComparison.Ordinal);
        using var events = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/events?type=hardware.fallback"));
        var list = JsonDocument.Parse(await events.Content.ReadAsStringAsync()).RootElement;
        var fallback = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("cam1/360p", fallback.GetProperty("path").GetString());
        Assert.Contains("cuda", fallback.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
