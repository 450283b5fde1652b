using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// WebRTC against Debian's Chromium (Playwright, fake camera and microphone, loopback candidates allowed) and
/// the AOT binary: the console's live page plays an ffmpeg-published RTSP stream over WHEP, and Chromium
/// publishes over WHIP in H.264 and in VP8 with Opus, read back over RTSP and from the recording.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed partial class WebRtcChromiumTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly PageWaitForFunctionOptions Polling = new() { PollingInterval = 200, Timeout = 30_000 };

    private static readonly string[] BrowserFlags =
        ["--allow-loopback-in-peer-connection", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"];

    /// <summary>
    /// Chromium gathers host candidates on a loopback-only machine only once the page holds a media
    /// permission (shared/TESTING.md): take the fake camera once and let it go.
    /// </summary>
    private const string HoldMediaPermission = """
        async () => {
          const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
          stream.getTracks().forEach((t) => t.stop());
        }
        """;

    [Fact]
    public async Task The_console_live_page_plays_an_rtsp_stream_with_aac_over_whep()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam1: {}\n");
        var publisher = box.PublishTestPattern("cam1", seconds: 60, audio: true);
        await box.WaitReadyAsync("cam1", publisher);
        await using var chromium = await HeadlessChromium.LaunchAsync(BrowserFlags);
        var page = await NewPageAsync(chromium, box);
        var log = Watch(page);
        try
        {
            await page.EvaluateAsync(HoldMediaPermission);
            var overviewLink = page.Locator("#path-tiles .tile", new() { HasText = "cam1" }).GetByRole(AriaRole.Link, new() { Name = "watch" });
            await overviewLink.ClickAsync();
            await Assertions.Expect(page.Locator("#live-title")).ToHaveTextAsync("Live: cam1");

            // framesDecoded > 100 within 10 s of the first frame, audio packets arriving, no freezes.
            await page.WaitForFunctionAsync("() => Number(document.getElementById('live-frames').textContent) > 0", null, Polling);
            var started = TimeProvider.System.GetUtcNow();
            await page.WaitForFunctionAsync("() => Number(document.getElementById('live-frames').textContent) > 100", null, Polling);
            Assert.True(TimeProvider.System.GetUtcNow() - started < TimeSpan.FromSeconds(10), "fewer than 100 frames decoded in 10 s");
            await page.WaitForFunctionAsync("() => parseInt(document.getElementById('live-audio').textContent) > 50", null, Polling);
            Assert.Equal("0", await page.Locator("#live-freezes").TextContentAsync());
            Assert.Matches(new Regex("^640×360"), await page.Locator("#live-size").TextContentAsync() ?? "");

            // The session is listed; leaving the page ends it (DELETE).
            await WaitForWebRtcSessionsAsync(box, 1);
            await page.EvaluateAsync("() => { location.hash = '#/'; }");
            await WaitForWebRtcSessionsAsync(box, 0);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex}\nbrowser:\n{string.Join('\n', log)}\nserver:\n{box.Process.Output}");
        }
    }

    [Theory]
    [InlineData("H264", "h264")]
    [InlineData("VP8", "vp8")]
    public async Task Chromium_publishes_over_whip_and_rtsp_and_the_recording_read_it_back(string codec, string probed)
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam2: { record: true, recordSegmentDuration: 10s, recordPartDuration: 1s }\n");
        await using var chromium = await HeadlessChromium.LaunchAsync(BrowserFlags);
        var page = await NewPageAsync(chromium, box);
        var log = Watch(page);
        try
        {
            string session = await page.EvaluateAsync<string>(WhipPublish, new { path = "cam2", codec });
            Assert.StartsWith("/cam2/whip/", session);
            await page.WaitForFunctionAsync("() => window.whip && window.whip.connectionState === 'connected'", null, Polling);

            // ffprobe over RTSP sees the codec and the fake camera's size, and Opus.
            var streams = await ProbeUntilAsync(box, "cam2", probed);
            var video = streams.Single(s => s.GetProperty("codec_name").GetString() == probed);
            Assert.Equal(640, video.GetProperty("width").GetInt32());
            Assert.Equal(480, video.GetProperty("height").GetInt32());
            Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "opus");

            await Task.Delay(TimeSpan.FromSeconds(4));
            var deleted = await page.EvaluateAsync<int>("async (url) => (await fetch(url, { method: 'DELETE' })).status", session);
            Assert.Equal(200, deleted);
            await WaitForStateAsync(box, "cam2", "idle");

            // The recording plays: ffprobe reads frames of the same codec from the download.
            string from = TimeProvider.System.GetUtcNow().AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture);
            string to = TimeProvider.System.GetUtcNow().AddMinutes(1).ToString("O", CultureInfo.InvariantCulture);
            var download = new Uri(box.Api, $"/api/v1/recordings/cam2/download?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}");
            var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", download.ToString());
            Assert.True(code == 0, stderr);
            var recorded = JsonDocument.Parse(stdout).RootElement.GetProperty("streams")[0];
            Assert.Equal(probed, recorded.GetProperty("codec_name").GetString());
            Assert.True(int.Parse(recorded.GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture) > 30, stdout);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex}\nbrowser:\n{string.Join('\n', log)}\nserver:\n{box.Process.Output}");
        }
    }

    [Fact]
    public async Task Garbage_on_the_webrtc_port_and_bad_offers_leave_a_playing_session_alone()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam1: {}\n");
        var publisher = box.PublishTestPattern("cam1", seconds: 60);
        await box.WaitReadyAsync("cam1", publisher);

        // Bad offers: each a clear 4xx, none a session.
        Assert.Equal(HttpStatusCode.BadRequest, (await PostOfferAsync(box, "cam1", "whep", "this is not sdp")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostOfferAsync(box, "cam1", "whep", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n")).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await box.Http.PostAsync(new Uri(box.Api, "/cam1/whep"), new StringContent("v=0", Encoding.UTF8, "text/plain"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await box.Http.DeleteAsync(new Uri(box.Api, "/cam1/whep/0123456789abcdef"))).StatusCode);

        await using var chromium = await HeadlessChromium.LaunchAsync(BrowserFlags);
        var page = await NewPageAsync(chromium, box);
        var log = Watch(page);
        try
        {
            await page.EvaluateAsync(HoldMediaPermission);
            await page.EvaluateAsync("() => { location.hash = '#/live/cam1'; }");
            await page.WaitForFunctionAsync("() => Number(document.getElementById('live-frames').textContent) > 30", null, Polling);

            // The port from the candidates of a second answer (a session that never connects and times out).
            var answer = await (await PostOfferAsync(box, "cam1", "whep", ChromiumLikeOffer)).Content.ReadAsStringAsync();
            int port = int.Parse(CandidatePort().Match(answer).Groups[1].Value, CultureInfo.InvariantCulture);
            using (var hostile = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            {
                var target = new IPEndPoint(IPAddress.Loopback, port);
                var random = new Random(7);
                foreach (byte first in new byte[] { 0x00, 0x01, 0x16, 0x17, 0x80, 0x90, 0xC8, 0xFF })
                {
                    for (int i = 0; i < 200; i++)
                    {
                        byte[] datagram = new byte[random.Next(1, 1400)];
                        random.NextBytes(datagram);
                        datagram[0] = first;
                        if (first <= 1 && datagram.Length >= 20)
                        {
                            // A well-formed STUN header with a wrong integrity: passes the demux, fails the check.
                            datagram[1] = 0x01;
                            datagram[2] = (byte)((datagram.Length - 20) >> 8);
                            datagram[3] = (byte)(datagram.Length - 20);
                            datagram[4] = 0x21; datagram[5] = 0x12; datagram[6] = 0xA4; datagram[7] = 0x42;
                        }

                        await hostile.SendAsync(datagram, target);
                    }
                }
            }

            int before = int.Parse(await page.Locator("#live-frames").TextContentAsync() ?? "0", CultureInfo.InvariantCulture);
            await page.WaitForFunctionAsync($"() => Number(document.getElementById('live-frames').textContent) > {before + 45}", null, Polling);
            using var health = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/health"));
            Assert.True(health.IsSuccessStatusCode);

            // What was refused is counted: the two bad offers, STUN with a bad integrity, datagrams from no session.
            var status = JsonDocument.Parse(await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/webrtc"))).RootElement;
            Assert.Equal(port, status.GetProperty("port").GetInt32());
            Assert.StartsWith("sha-256 ", status.GetProperty("fingerprint").GetString(), StringComparison.Ordinal);
            Assert.True(status.GetProperty("offersRefused").GetInt64() >= 2, status.ToString());
            Assert.True(status.GetProperty("stunRefused").GetInt64() >= 200, status.ToString());
            Assert.True(status.GetProperty("datagramsDropped").GetInt64() >= 800, status.ToString());
            Assert.Equal(0, status.GetProperty("srtpRefused").GetInt64());
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex}\nbrowser:\n{string.Join('\n', log)}\nserver:\n{box.Process.Output}");
        }
    }

    /// <summary>Publishes the fake camera and microphone with <c>codec</c> first; returns the session's Location.</summary>
    private const string WhipPublish = """
        async ({ path, codec }) => {
          const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
          const pc = new RTCPeerConnection();
          window.whip = pc;
          for (const track of stream.getTracks()) {
            const transceiver = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
            if (track.kind === 'video') {
              const codecs = RTCRtpSender.getCapabilities('video').codecs;
              const wanted = codecs.filter((c) => c.mimeType === 'video/' + codec && (codec !== 'H264' || (c.sdpFmtpLine || '').includes('packetization-mode=1')));
              transceiver.setCodecPreferences([...wanted, ...codecs.filter((c) => !wanted.includes(c))]);
            }
          }
          await pc.setLocalDescription(await pc.createOffer());
          const response = await fetch('/' + path + '/whip', { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
          const answer = await response.text();
          if (response.status !== 201) throw new Error(response.status + ': ' + answer);
          await pc.setRemoteDescription({ type: 'answer', sdp: answer });
          return response.headers.get('Location');
        }
        """;

    /// <summary>An offer shaped like Chromium's (recvonly H.264 + Opus, BUNDLE, rtcp-mux), for the HTTP-level checks.</summary>
    internal const string ChromiumLikeOffer =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n"
        + "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:AbCd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
        + "a=ice-options:trickle\r\na=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
        + "a=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
        + "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:102 H264/90000\r\na=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\na=rtcp-fb:102 ccm fir\r\n"
        + "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\na=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\n"
        + "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:AbCd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
        + "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
        + "a=setup:actpass\r\na=mid:1\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\n";

    [GeneratedRegex(@"a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host")]
    private static partial Regex CandidatePort();

    private static Task<HttpResponseMessage> PostOfferAsync(RtspTestServer box, string path, string kind, string sdp)
    {
        var content = new StringContent(sdp, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/sdp");
        return box.Http.PostAsync(new Uri(box.Api, $"/{path}/{kind}"), content);
    }

    private static async Task<IPage> NewPageAsync(HeadlessChromium chromium, RtspTestServer box)
    {
        var context = await chromium.Browser.NewContextAsync();
        await context.GrantPermissionsAsync(["camera", "microphone"]);
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(box.Api.ToString());
        return page;
    }

    private static List<string> Watch(IPage page)
    {
        var log = new List<string>();
        page.Console += (_, message) => log.Add($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => log.Add("page error: " + error);
        return log;
    }

    private static async Task<List<JsonElement>> ProbeUntilAsync(RtspTestServer box, string path, string codec)
    {
        string last = "";
        for (var deadline = TimeProvider.System.GetUtcNow() + Bound; TimeProvider.System.GetUtcNow() < deadline;)
        {
            var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
                "-show_entries", "stream=codec_name,width,height", "-of", "json", $"{box.Rtsp}{path}");
            if (code == 0)
            {
                var streams = JsonDocument.Parse(stdout).RootElement.GetProperty("streams").EnumerateArray().ToList();
                if (streams.Any(s => s.GetProperty("codec_name").GetString() == codec && s.TryGetProperty("width", out var w) && w.GetInt32() > 0)
                    && streams.Any(s => s.GetProperty("codec_name").GetString() == "opus"))
                {
                    return streams;
                }
            }

            last = stdout + stderr;
            await Task.Delay(500);
        }

        throw new TimeoutException($"ffprobe never saw {codec} + opus on {path}: {last}");
    }

    internal static async Task WaitForWebRtcSessionsAsync(RtspTestServer box, int sessions)
    {
        int seen = -1;
        for (var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(20); TimeProvider.System.GetUtcNow() < deadline; await Task.Delay(200))
        {
            string json = await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/sessions"));
            seen = JsonDocument.Parse(json).RootElement.GetProperty("items").EnumerateArray().Count(s => s.GetProperty("protocol").GetString() == "webrtc");
            if (seen == sessions)
            {
                return;
            }
        }

        throw new TimeoutException($"there were {seen} WebRTC sessions, not {sessions}");
    }

    private static async Task WaitForStateAsync(RtspTestServer box, string path, string state)
    {
        for (var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(20); TimeProvider.System.GetUtcNow() < deadline; await Task.Delay(200))
        {
            using var response = await box.Http.GetAsync(new Uri(box.Api, $"/api/v1/paths/{path}"));
            if (response.StatusCode == HttpStatusCode.NotFound
                || JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString() == state)
            {
                return;
            }
        }

        throw new TimeoutException($"path {path} never became {state}");
    }
}
