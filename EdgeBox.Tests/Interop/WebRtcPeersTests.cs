using System.Net;
using System.Text;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Non-browser WebRTC peers against the AOT binary: Debian's aiortc and GStreamer's webrtcbin, each as a WHEP
/// viewer and a WHIP publisher; and the WHIP/WHEP HTTP resource (trickle PATCH, If-Match, DELETE).
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class WebRtcPeersTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string Script(string name) => Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "TestData", "WebRtc", name);

    [Fact]
    public async Task Aiortc_plays_h264_and_aac_as_opus_over_whep()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam1: {}\n");
        var publisher = box.PublishTestPattern("cam1", seconds: 60, audio: true);
        await box.WaitReadyAsync("cam1", publisher);

        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "/usr/bin/python3", Script("aiortc_peer.py"), "whep", new Uri(box.Api, "/cam1/whep").ToString(), "8");
        Assert.True(code == 0, stderr + "\n" + box.Process.Output);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.True(result.GetProperty("video_frames").GetInt32() > 50, stdout + "\n" + box.Process.Output);
        Assert.True(result.GetProperty("audio_frames").GetInt32() > 50, stdout);
        Assert.Equal(640, result.GetProperty("width").GetInt32());
        Assert.Equal("connected", result.GetProperty("connection").GetString());
        Assert.Equal(200, result.GetProperty("deleted").GetInt32());
    }

    [Fact]
    public async Task Aiortc_publishes_over_whip_and_ffprobe_reads_it_over_rtsp()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam2: {}\n");
        var publisher = box.Track(ExternalProcess.Start("/usr/bin/python3", Script("aiortc_peer.py"), "whip", new Uri(box.Api, "/cam2/whip").ToString(), "12"));
        await box.WaitReadyAsync("cam2", publisher);

        string probe = "";
        for (var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(10); TimeProvider.System.GetUtcNow() < deadline; await Task.Delay(500))
        {
            var (code, stdout, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
                "-show_entries", "stream=codec_name,width,height", "-of", "json", $"{box.Rtsp}cam2");
            probe = stdout;
            if (code == 0 && stdout.Contains("\"width\": 320", StringComparison.Ordinal) && stdout.Contains("opus", StringComparison.Ordinal))
            {
                break;
            }
        }

        var streams = JsonDocument.Parse(probe).RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.Single(s => s.TryGetProperty("width", out _));
        Assert.Contains(video.GetProperty("codec_name").GetString(), new[] { "vp8", "h264" });
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "opus");
        Assert.True(await publisher.WaitForExitAsync(Bound), "aiortc did not finish");
        Assert.Contains("\"deleted\": 200", publisher.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_that_vanishes_is_dropped_after_the_session_timeout_and_its_reader_freed()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam1: {}\n", new Dictionary<string, string?>
        {
            ["EDGEBOX_WEBRTC_SESSIONTIMEOUT"] = "3s",
        });
        var publisher = box.PublishTestPattern("cam1", seconds: 60);
        await box.WaitReadyAsync("cam1", publisher);
        var viewer = box.Track(ExternalProcess.Start("/usr/bin/python3", Script("aiortc_peer.py"), "whep", new Uri(box.Api, "/cam1/whep").ToString(), "60"));
        await WebRtcChromiumTests.WaitForWebRtcSessionsAsync(box, 1);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await viewer.DisposeAsync(); // killed: no DELETE, no more consent checks

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await WebRtcChromiumTests.WaitForWebRtcSessionsAsync(box, 0);
        // Up to the 3 s timeout after the kill; less when a loaded machine delayed the viewer's last consent check.
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        var path = JsonDocument.Parse(await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/paths/cam1"))).RootElement;
        Assert.Equal(0, path.GetProperty("readers").GetInt32());
        Assert.Contains("consent expired", box.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gstreamer_webrtcbin_plays_over_whep()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam1: {}\n");
        var publisher = box.PublishTestPattern("cam1", seconds: 60, audio: true);
        await box.WaitReadyAsync("cam1", publisher);

        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "/usr/bin/python3", Script("gst_whep.py"), new Uri(box.Api, "/cam1/whep").ToString(), "8");
        Assert.True(code == 0, stderr + "\n" + box.Process.Output);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.True(result.GetProperty("video_frames").GetInt32() > 50, stdout + "\n" + stderr + "\n" + box.Process.Output);
        Assert.True(result.GetProperty("audio_buffers").GetInt32() > 0, stdout);
        Assert.Equal(640, result.GetProperty("width").GetInt32());
        Assert.Equal(200, result.GetProperty("deleted").GetInt32());
    }

    [Fact]
    public async Task Gstreamer_webrtcbin_publishes_over_whip_and_ffprobe_reads_it_over_rtsp()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam2: {}\n");
        var publisher = box.Track(ExternalProcess.Start("/usr/bin/python3", Script("gst_whip.py"), new Uri(box.Api, "/cam2/whip").ToString(), "12"));
        await box.WaitReadyAsync("cam2", publisher);

        string probe = "";
        for (var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(10); TimeProvider.System.GetUtcNow() < deadline; await Task.Delay(500))
        {
            var (code, stdout, _) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(15), "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
                "-show_entries", "stream=codec_name,width,height", "-of", "json", $"{box.Rtsp}cam2");
            probe = stdout;
            if (code == 0 && stdout.Contains("\"width\": 320", StringComparison.Ordinal) && stdout.Contains("opus", StringComparison.Ordinal))
            {
                break;
            }
        }

        var streams = JsonDocument.Parse(probe).RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_name").GetString() == "h264");
        Assert.Equal(240, video.GetProperty("height").GetInt32());
        Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "opus");
        Assert.True(await publisher.WaitForExitAsync(Bound), "gst_whip.py did not finish");
        Assert.Contains("\"deleted\": 200", publisher.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"connected\"", publisher.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_session_resource_takes_trickle_patches_checks_if_match_and_ends_on_delete()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam1: {}\n");
        var publisher = box.PublishTestPattern("cam1", seconds: 60);
        await box.WaitReadyAsync("cam1", publisher);

        using var preflight = await box.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, new Uri(box.Api, "/cam1/whep")));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("*", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);

        var content = new StringContent(WebRtcChromiumTests.ChromiumLikeOffer, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/sdp");
        using var created = await box.Http.PostAsync(new Uri(box.Api, "/cam1/whep"), content);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("application/sdp", created.Content.Headers.ContentType!.MediaType);
        var location = new Uri(box.Api, created.Headers.Location!);
        string etag = created.Headers.ETag!.Tag;
        Assert.Contains("a=ice-lite", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using (var sessions = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/sessions")))
        {
            Assert.Contains("\"webrtc\"", await sessions.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(box, location, "a=ice-ufrag:AbCd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n", etag)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PatchAsync(box, location, "a=ice-ufrag:NewOne\r\na=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\n", etag)).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await PatchAsync(box, location, "a=end-of-candidates\r\n", "\"other\"")).StatusCode);
        using (var wrongType = await box.Http.PatchAsync(location, new StringContent("a=end-of-candidates", Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await box.Http.DeleteAsync(location)).StatusCode);
        for (var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(10); TimeProvider.System.GetUtcNow() < deadline; await Task.Delay(100))
        {
            using var again = await box.Http.DeleteAsync(location);
            if (again.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
        }

        Assert.Fail("the session was not gone after DELETE");
    }

    private static async Task<HttpResponseMessage> PatchAsync(RtspTestServer box, Uri location, string fragment, string etag)
    {
        var content = new StringContent(fragment, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/trickle-ice-sdpfrag");
        var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return await box.Http.SendAsync(request);
    }
}
