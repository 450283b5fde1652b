using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>RTSP publish and read with real ffmpeg/ffprobe (and GStreamer) against the AOT binary, on loopback.</summary>
public sealed class RtspFfmpegTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<IAsyncDisposable> _processes = [];
    private EdgeBoxProcess _server = null!;
    private Uri _api = null!;
    private Uri _rtsp = null!;

    public async Task InitializeAsync()
    {
        string binary = await AotBinary.PathAsync();
        var environment = EdgeBoxProcess.LoopbackEnvironment();
        environment["EDGEBOX_RTSP_SESSIONTIMEOUT"] = "3s"; // short, so idle sessions are closed within a test
        _server = EdgeBoxProcess.Start(binary, ["run", "--data", _dir.File("data")], environment);
        _processes.Add(_server);
        try
        {
            _api = await _server.WaitForHttpAsync();
            _rtsp = _server.RtspAddress ?? throw new InvalidOperationException("no RTSP listener logged:\n" + _server.Output);
        }
        catch (Exception)
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: stop the server here.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        _http.Dispose();
        _dir.Dispose();
    }

    private ExternalProcess PublishWithFfmpeg(string path, string transport, string videoCodec = "libx264", string audio = "aac", int seconds = 30)
    {
        var publisher = ExternalProcess.Start("ffmpeg",
            "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
            "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c:v", videoCodec, "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", audio, "-b:a", "64k",
            "-f", "rtsp", "-rtsp_transport", transport, $"{_rtsp}{path}");
        _processes.Add(publisher);
        return publisher;
    }

    private Task WaitReadyAsync(string path, ExternalProcess publisher) => PathReadiness.WaitAsync(_http, _api, path, publisher, _server);

    private async Task<JsonElement> ProbeAsync(string path, string transport)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", transport,
            "-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "json", $"{_rtsp}{path}");
        Assert.True(code == 0, stderr + "\n" + _server.Output);
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

        // A late reader decodes cleanly from its first frame: no "non-existing PPS", no errors at all.
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", $"{_rtsp}live/tcp", "-t", "3", "-f", "null", "-");
        Assert.Equal(0, code);
        Assert.Equal("", errors.Trim());
    }

    [Fact]
    public async Task Ffmpeg_copy_keeps_duration_and_codecs()
    {
        var publisher = PublishWithFfmpeg("live/copy", "tcp");
        await WaitReadyAsync("live/copy", publisher);

        string output = _dir.File("copy.mkv");
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", $"{_rtsp}live/copy", "-t", "4", "-c", "copy", output);
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
                "-rtsp_transport", transport, "-i", $"{_rtsp}live/udp", "-t", "3", "-f", "null", "-");
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
        await idle.ConnectAsync(_rtsp.Host, _rtsp.Port);
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

        var sessions = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_api, "/api/v1/sessions"))).RootElement.GetProperty("items");
        var session = sessions.EnumerateArray().Single(s => s.GetProperty("path").GetString() == "live/kick");
        Assert.Equal("rtsp", session.GetProperty("protocol").GetString());
        Assert.Equal("publishing", session.GetProperty("state").GetString());
        Assert.True(session.GetProperty("bytesIn").GetInt64() > 0);

        using var kick = await _http.DeleteAsync(new Uri(_api, "/api/v1/sessions/" + session.GetProperty("id").GetString()));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, kick.StatusCode);
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(15)), "the kicked publisher is still running");
        using var gone = await _http.DeleteAsync(new Uri(_api, "/api/v1/sessions/nope"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains("closed through the API", _server.Output, StringComparison.Ordinal);

        var events = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_api, "/api/v1/events?path=live/kick"))).RootElement.GetProperty("items");
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
            "!", "video/x-h264,profile=baseline", "!", "rtspclientsink", "protocols=tcp", $"location={_rtsp}live/gst");
        _processes.Add(publisher);
        await WaitReadyAsync("live/gst", publisher);

        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "gst-discoverer-1.0", "-t", "20", $"{_rtsp}live/gst");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("H.264", stdout, StringComparison.Ordinal);
        Assert.Contains("Width: 320", stdout, StringComparison.Ordinal);
    }
}
