using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>RTSP publish and read with real ffmpeg/ffprobe (and GStreamer) against the AOT binary, on loopback.</summary>
public sealed class RtspFfmpegTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() =>
        _box = await RtspTestServer.StartAsync(environment: new Dictionary<string, string?>
        {
            ["EDGEBOX_RTSP_SESSIONTIMEOUT"] = "3s", // short, so idle sessions are closed within a test
        });

    public async Task DisposeAsync() => await _box.DisposeAsync();

    private ExternalProcess PublishWithFfmpeg(string path, string transport, string videoCodec = "libx264", string audio = "aac", int seconds = 30)
    {
        var publisher = ExternalProcess.Start("ffmpeg",
            "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
            "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c:v", videoCodec, "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", audio, "-b:a", "64k",
            "-f", "rtsp", "-rtsp_transport", transport, $"{_box.Rtsp}{path}");
        _box.Track(publisher);
        return publisher;
    }

    private Task WaitReadyAsync(string path, ExternalProcess publisher) => _box.WaitReadyAsync(path, publisher);

    private async Task<JsonElement> ProbeAsync(string path, string transport)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", transport,
            "-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "json", $"{_box.Rtsp}{path}");
        Assert.True(code == 0, stderr + "\n" + _box.Process.Output);
        return JsonDocument.Parse(stdout).RootElement.GetProperty("streams");
    }

    [Fact]
    public async Task Ffmpeg_publishes_h264_and_aac_over_tcp_and_ffprobe_and_ffmpeg_read_it_back()
    {
        var publisher = PublishWithFfmpeg("live/tcp", "tcp");
        await WaitReadyAsync("live/tcp", publisher);

        var streams = (await ProbeAsync("live/tcp", "tcp")).EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_name").GetString() == "h264");
        Assert.Equal(640, video.GetProperty("width").GetInt32());
        Assert.Equal(360, video.GetProperty("height").GetInt32());
        var audio = streams.Single(s => s.GetProperty("codec_name").GetString() == "aac");
        Assert.Equal("48000", audio.GetProperty("sample_rate").GetString());

        // Per-path Prometheus metrics: the publisher's bytes are counted under the path's label.
        string metrics = await _box.Http.GetStringAsync(new Uri(_box.Api, "/metrics"));
        var bytesIn = System.Text.RegularExpressions.Regex.Match(metrics, "edgebox_path_bytes_in_bytes_total\\{[^}]*path=\"live/tcp\"[^}]*\\} (\\d+)");
        Assert.True(bytesIn.Success, metrics);
        Assert.True(long.Parse(bytesIn.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Matches("edgebox_path_ready\\{[^}]*path=\"live/tcp\"[^}]*\\} 1", metrics);

        // A late reader decodes cleanly from its first frame: no "non-existing PPS", no errors at all.
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", $"{_box.Rtsp}live/tcp", "-t", "3", "-f", "null", "-");
        Assert.Equal(0, code);
        Assert.Equal("", errors.Trim());
    }

    [Fact]
    public async Task Ffmpeg_copy_keeps_duration_and_codecs()
    {
        var publisher = PublishWithFfmpeg("live/copy", "tcp");
        await WaitReadyAsync("live/copy", publisher);

        string output = _box.Directory.File("copy.mkv");
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", $"{_box.Rtsp}live/copy", "-t", "4", "-c", "copy", output);
        Assert.True(code == 0, errors);

        var (_, probe, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", output);
        var json = JsonDocument.Parse(probe).RootElement;
        double duration = double.Parse(json.GetProperty("format").GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(duration, 3.8, 4.2);
        Assert.Equal(["aac", "h264"], json.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("codec_name").GetString()).Order());
    }

    [Fact]
    public async Task Ffmpeg_publishes_over_udp_and_readers_read_over_udp_and_tcp()
    {
        var publisher = PublishWithFfmpeg("live/udp", "udp");
        await WaitReadyAsync("live/udp", publisher);

        var streams = (await ProbeAsync("live/udp", "udp")).EnumerateArray().ToList();
        Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "h264" && s.GetProperty("width").GetInt32() == 640);
        Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "aac");

        foreach (string transport in new[] { "udp", "tcp" })
        {
            var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
                "-rtsp_transport", transport, "-i", $"{_box.Rtsp}live/udp", "-t", "3", "-f", "null", "-");
            Assert.True(code == 0, errors);
            Assert.Equal("", errors.Trim());
        }
    }

    [Fact]
    public async Task Idle_connections_are_closed_after_the_session_timeout_but_publishers_are_not()
    {
        var publisher = PublishWithFfmpeg("live/idle", "udp", seconds: 30);
        await WaitReadyAsync("live/idle", publisher);

        using var idle = new System.Net.Sockets.TcpClient();
        await idle.ConnectAsync(_box.Rtsp.Host, _box.Rtsp.Port);
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        int read = await idle.GetStream().ReadAsync(new byte[16], timeout.Token); // 0 = closed by the server
        Assert.Equal(0, read);
        Assert.InRange(clock.Elapsed.TotalSeconds, 2.5, 10);

        // The UDP publisher sends nothing on its TCP connection, yet its media keeps the session alive.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(publisher.HasExited, publisher.StandardError);
        await WaitReadyAsync("live/idle", publisher);
    }

    [Fact]
    public async Task Sessions_are_listed_and_a_kicked_publisher_is_disconnected()
    {
        var publisher = PublishWithFfmpeg("live/kick", "tcp", seconds: 60);
        await WaitReadyAsync("live/kick", publisher);

        var sessions = JsonDocument.Parse(await _box.Http.GetStringAsync(new Uri(_box.Api, "/api/v1/sessions"))).RootElement.GetProperty("items");
        var session = sessions.EnumerateArray().Single(s => s.GetProperty("path").GetString() == "live/kick");
        Assert.Equal("rtsp", session.GetProperty("protocol").GetString());
        Assert.Equal("publishing", session.GetProperty("state").GetString());
        Assert.True(session.GetProperty("bytesIn").GetInt64() > 0);

        using var kick = await _box.Http.DeleteAsync(new Uri(_box.Api, "/api/v1/sessions/" + session.GetProperty("id").GetString()));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, kick.StatusCode);
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(15)), "the kicked publisher is still running");
        using var gone = await _box.Http.DeleteAsync(new Uri(_box.Api, "/api/v1/sessions/nope"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("closed through the API", _box.Process.Output, StringComparison.Ordinal);

        var events = JsonDocument.Parse(await _box.Http.GetStringAsync(new Uri(_box.Api, "/api/v1/events?path=live/kick"))).RootElement.GetProperty("items");
        Assert.Equal(["source.ready", "source.notready"], events.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Second_publisher_is_refused_and_the_first_keeps_publishing()
    {
        var first = PublishWithFfmpeg("live/busy", "tcp");
        await WaitReadyAsync("live/busy", first);

        var second = PublishWithFfmpeg("live/busy", "tcp", seconds: 5);
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.NotEqual(0, second.ExitCode);
        Assert.False(first.HasExited);
        await WaitReadyAsync("live/busy", first);
    }

    [Fact]
    public async Task Unconfigured_path_is_refused_with_404()
    {
        var publisher = PublishWithFfmpeg("not-configured", "tcp", seconds: 3);
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.NotEqual(0, publisher.ExitCode);
        Assert.Contains("404", publisher.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gstreamer_rtspclientsink_publishes_with_upper_case_record_mode_and_rtspsrc_reads()
    {
        var publisher = ExternalProcess.Start("gst-launch-1.0", "-q",
            "videotestsrc", "is-live=true", "num-buffers=750", "!", "video/x-raw,width=320,height=240,framerate=25/1",
            "!", "x264enc", "tune=zerolatency", "speed-preset=ultrafast", "key-int-max=25",
            "!", "video/x-h264,profile=baseline", "!", "rtspclientsink", "protocols=tcp", $"location={_box.Rtsp}live/gst");
        _box.Track(publisher);
        await WaitReadyAsync("live/gst", publisher);

        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "gst-discoverer-1.0", "-t", "20", $"{_box.Rtsp}live/gst");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("H.264", stdout, StringComparison.Ordinal);
        Assert.Contains("Width: 320", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mjpeg_with_g711_is_published_and_read_back_as_rtp_jpeg()
    {
        var publisher = _box.Track(ExternalProcess.Start("ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x480:rate=15", "-f", "lavfi", "-i", "sine=frequency=800:sample_rate=8000", "-t", "30",
            "-c:v", "mjpeg", "-huffman", "default", "-pix_fmt", "yuvj420p", "-q:v", "5", "-c:a", "pcm_alaw",
            "-f", "rtsp", "-rtsp_transport", "tcp", $"{_box.Rtsp}live/mjpeg"));
        await WaitReadyAsync("live/mjpeg", publisher);

        var streams = (await ProbeAsync("live/mjpeg", "tcp")).EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_name").GetString() == "mjpeg");
        Assert.Equal((640, 480), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.Contains(streams, s => s.GetProperty("codec_name").GetString() == "pcm_alaw");

        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", $"{_box.Rtsp}live/mjpeg", "-t", "2", "-f", "null", "-");
        Assert.Equal(0, code);
        Assert.Equal("", errors.Trim());
    }
}
