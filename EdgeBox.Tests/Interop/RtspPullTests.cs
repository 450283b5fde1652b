using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// EdgeBox as an RTSP client against real servers: it pulls a GstRtspServer "camera" (H.264 + AAC, live),
/// survives the camera going away, pulls on demand, authenticates with Digest, falls back from UDP to
/// TCP, and pushes a path to ffmpeg's RTSP listener (<c>forward</c>). The AOT binary, loopback only.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class RtspPullTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string CameraScript => Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "TestData", "Rtsp", "gst_camera.py");

    /// <summary>A free TCP port on loopback (for a third-party server that cannot bind port 0 and tell us).</summary>
    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task<ExternalProcess> StartCameraAsync(RtspTestServer? owner, int port, params string[] options)
    {
        var camera = ExternalProcess.Start("/usr/bin/python3", [CameraScript, port.ToString(CultureInfo.InvariantCulture), "cam", .. options]);
        owner?.Track(camera);
        var clock = Stopwatch.StartNew();
        while (!camera.StandardOutput.Contains("READY", StringComparison.Ordinal))
        {
            Assert.False(camera.HasExited, "the camera exited: " + camera.StandardError);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the camera did not start: " + camera.StandardError);
            await Task.Delay(50);
        }

        return camera;
    }

    private static Task<RtspTestServer> StartBoxAsync(string paths) =>
        RtspTestServer.StartWithConfigAsync("paths:\n" + paths);

    private static async Task<JsonElement> PathAsync(RtspTestServer box, string path)
    {
        using var response = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/paths/" + path));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> explain)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(explain());
            }

            await Task.Delay(100);
        }
    }

    private static Task WaitPathStateAsync(RtspTestServer box, string path, string state, TimeSpan timeout) =>
        WaitForAsync(async () => (await PathAsync(box, path)) is var json && json.TryGetProperty("state", out var s) && s.GetString() == state,
            timeout, () => $"path {path} did not become {state}:\n{box.Process.Output}");

    private static async Task<bool> HasEventAsync(RtspTestServer box, string type, string path, long after)
    {
        using var response = await box.Http.GetAsync(new Uri(box.Api, $"/api/v1/events?since={after}&type={type}&path={path}"));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items").GetArrayLength() > 0;
    }

    private static async Task<long> LastEventIdAsync(RtspTestServer box)
    {
        using var response = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/events?limit=1000"));
        var items = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items");
        return items.GetArrayLength() == 0 ? 0 : items[items.GetArrayLength() - 1].GetProperty("id").GetInt64();
    }

    private static async Task AssertReadsBackAsync(RtspTestServer box, string path)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
            "-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "json", $"{box.Rtsp}{path}");
        Assert.True(code == 0, stderr + "\n" + box.Process.Output);
        var streams = JsonDocument.Parse(stdout).RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_name").GetString() == "h264");
        Assert.Equal(640, video.GetProperty("width").GetInt32());
        Assert.Equal(360, video.GetProperty("height").GetInt32());
        Assert.Equal("48000", streams.Single(s => s.GetProperty("codec_name").GetString() == "aac").GetProperty("sample_rate").GetString());

        var (decodeCode, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", $"{box.Rtsp}{path}", "-t", "2", "-f", "null", "-");
        Assert.Equal(0, decodeCode);
        Assert.Equal("", errors.Trim());
    }

    [Fact]
    public async Task Pulls_a_camera_over_udp_and_serves_it_to_ffmpeg()
    {
        int port = FreePort();
        await using var box = await StartBoxAsync($"  cam1: {{ source: 'rtsp://127.0.0.1:{port}/cam' }}\n");
        await StartCameraAsync(box, port);
        await WaitPathStateAsync(box, "cam1", "ready", TimeSpan.FromSeconds(20));

        var json = await PathAsync(box, "cam1");
        Assert.Equal("rtsp pull", json.GetProperty("sourceKind").GetString());
        Assert.Equal("ready", json.GetProperty("pull").GetProperty("state").GetString());
        Assert.Contains("over UDP", box.Process.Output, StringComparison.Ordinal);
        await AssertReadsBackAsync(box, "cam1");
    }

    [Fact]
    public async Task Readers_ride_out_a_camera_outage_and_the_path_comes_back_within_the_backoff_bound()
    {
        int port = FreePort();
        await using var box = await StartBoxAsync($"  cam1: {{ source: 'rtsp://127.0.0.1:{port}/cam', rtspTransport: tcp, reconnectDelay: 200ms, reconnectMaxDelay: 1s }}\n");
        var camera = await StartCameraAsync(null, port);
        try
        {
            await WaitPathStateAsync(box, "cam1", "ready", TimeSpan.FromSeconds(20));

            // A reader attached across the outage: it must keep going by itself, without reconnecting.
            string output = box.Directory.File("across.mkv");
            var reader = box.Track(ExternalProcess.Start("ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
                "-i", $"{box.Rtsp}cam1", "-t", "12", "-c", "copy", output));
            await Task.Delay(3000);
            long before = await LastEventIdAsync(box);

            await camera.DisposeAsync(); // the camera dies
            await WaitForAsync(() => HasEventAsync(box, "source.notready", "cam1", before), TimeSpan.FromSeconds(15),
                () => "no source.notready event:\n" + box.Process.Output);
            await WaitPathStateAsync(box, "cam1", "idle", TimeSpan.FromSeconds(5));
            await Task.Delay(1500);
            Assert.True(await HasEventAsync(box, "source.reconnecting", "cam1", before));

            camera = await StartCameraAsync(null, port);
            var back = Stopwatch.StartNew();
            await WaitPathStateAsync(box, "cam1", "ready", TimeSpan.FromSeconds(10));
            // Backoff bound 1 s (+ the camera's own start and the RTSP handshake).
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(4), $"back after {back.Elapsed}");
            await WaitForAsync(() => HasEventAsync(box, "source.ready", "cam1", before), TimeSpan.FromSeconds(5),
                () => "no source.ready event:\n" + box.Process.Output); // logged right after the path turns ready

            Assert.True(await reader.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the reader did not finish");
            Assert.True(reader.ExitCode == 0, reader.StandardError);
            var (_, probe, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-count_packets",
                "-show_entries", "stream=codec_name,nb_read_packets", "-of", "json", output);
            var streams = JsonDocument.Parse(probe).RootElement.GetProperty("streams").EnumerateArray().ToList();
            var video = streams.Single(s => s.GetProperty("codec_name").GetString() == "h264");
            // 12 s of media at 25 fps, less the outage: frames from before and after it.
            Assert.InRange(int.Parse(video.GetProperty("nb_read_packets").GetString()!, CultureInfo.InvariantCulture), 150, 320);
        }
        finally
        {
            await camera.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_on_demand_source_connects_for_the_first_reader_and_closes_after_the_last()
    {
        int port = FreePort();
        await using var box = await StartBoxAsync(
            $"  cam1: {{ source: 'rtsp://127.0.0.1:{port}/cam', sourceOnDemand: true, sourceOnDemandCloseAfter: 1s }}\n");
        await StartCameraAsync(box, port);
        await Task.Delay(1000);
        var idle = await PathAsync(box, "cam1");
        Assert.Equal("idle", idle.GetProperty("state").GetString());
        Assert.False(idle.TryGetProperty("pull", out _)); // nothing connected yet

        await AssertReadsBackAsync(box, "cam1");
        await WaitForAsync(async () => !(await PathAsync(box, "cam1")).TryGetProperty("pull", out _), TimeSpan.FromSeconds(10),
            () => "the on-demand source stayed connected:\n" + box.Process.Output);
        Assert.Contains("no readers left; closing the on-demand source", box.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Digest_credentials_from_the_url_open_a_protected_camera_and_never_reach_the_logs()
    {
        int port = FreePort();
        await using var box = await StartBoxAsync(
            $"  good: {{ source: 'rtsp://viewer:s3cr%40t@127.0.0.1:{port}/cam', rtspTransport: tcp }}\n" +
            $"  bad: {{ source: 'rtsp://viewer:wrong@127.0.0.1:{port}/cam', rtspTransport: tcp, reconnectDelay: 5s }}\n");
        await StartCameraAsync(box, port, "viewer", "s3cr@t");
        await WaitPathStateAsync(box, "good", "ready", TimeSpan.FromSeconds(20));
        await WaitForAsync(async () => (await PathAsync(box, "bad")).TryGetProperty("pull", out var pull)
                && pull.GetProperty("lastError").GetString() is { } error && error.Contains("401", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "the bad credentials were not reported:\n" + box.Process.Output);

        await AssertReadsBackAsync(box, "good");
        Assert.DoesNotContain("s3cr", box.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", box.Process.Output, StringComparison.Ordinal);
        using var paths = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/paths"));
        string listing = await paths.Content.ReadAsStringAsync();
        Assert.DoesNotContain("s3cr", listing, StringComparison.Ordinal);
        Assert.Contains("viewer:***@", listing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_camera_that_refuses_udp_is_pulled_over_tcp()
    {
        int port = FreePort();
        await using var box = await StartBoxAsync($"  cam1: {{ source: 'rtsp://127.0.0.1:{port}/cam' }}\n");
        await StartCameraAsync(box, port, "--tcp-only");
        await WaitPathStateAsync(box, "cam1", "ready", TimeSpan.FromSeconds(20));
        Assert.Contains("switching to RTSP over TCP", box.Process.Output, StringComparison.Ordinal);
        Assert.Contains("over TCP", box.Process.Output, StringComparison.Ordinal);
        await AssertReadsBackAsync(box, "cam1");
    }

    [Fact]
    public async Task Forward_pushes_the_path_to_ffmpegs_rtsp_listener()
    {
        int cameraPort = FreePort();
        int listenPort = FreePort();
        string output = Path.Combine(Path.GetTempPath(), $"edgebox-forward-{Guid.NewGuid():N}.mkv");
        try
        {
            await using var box = await StartBoxAsync(
                $"  cam1: {{ source: 'rtsp://127.0.0.1:{cameraPort}/cam', reconnectDelay: 200ms, reconnectMaxDelay: 500ms, forward: ['rtsp://127.0.0.1:{listenPort}/live'] }}\n");
            await StartCameraAsync(box, cameraPort);
            await WaitPathStateAsync(box, "cam1", "ready", TimeSpan.FromSeconds(20));

            // ffmpeg as the receiving RTSP server (ANNOUNCE/RECORD); it writes what it gets.
            var listener = box.Track(ExternalProcess.Start("ffmpeg", "-hide_banner", "-v", "error", "-rtsp_flags", "listen",
                "-i", $"rtsp://127.0.0.1:{listenPort}/live", "-t", "3", "-c", "copy", "-y", output));
            Assert.True(await listener.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the listener got nothing:\n" + box.Process.Output);
            Assert.True(listener.ExitCode == 0, listener.StandardError);

            var (_, probe, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error",
                "-show_entries", "stream=codec_name,width,height:format=duration", "-of", "json", output);
            var json = JsonDocument.Parse(probe).RootElement;
            var codecs = json.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("codec_name").GetString()).Order().ToList();
            Assert.Equal(["aac", "h264"], codecs);
            double duration = double.Parse(json.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
            Assert.InRange(duration, 2.5, 3.5);
            Assert.Contains("pushing to rtsp://127.0.0.1", box.Process.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Answers every connection with one canned reply, then holds the connection open.</summary>
    private static async Task ServeAsync(TcpListener listener, byte[] reply, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(token);
            var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer, token); // the OPTIONS request
            await stream.WriteAsync(reply, token);
            await Task.Delay(300, token);
        }
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("oversized-header")]
    [InlineData("bad-sdp")]
    public async Task A_server_that_answers_nonsense_fails_only_its_own_source(string kind)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        byte[] reply = kind switch
        {
            "garbage" => [.. Enumerable.Range(0, 3000).Select(i => (byte)((i * 37) ^ 0x5A))],
            "oversized-header" => System.Text.Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\nX-Long: " + new string('a', 70_000) + "\r\n\r\n"),
            _ => System.Text.Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE\r\n\r\n" +
                "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 12\r\n\r\nm=video 0 xx"),
        };
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            try
            {
                await ServeAsync(listener, reply, stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
            {
                // Stopped, or EdgeBox hung up on the nonsense.
            }
        });

        int cameraPort = FreePort();
        await using var box = await StartBoxAsync(
            $"  broken: {{ source: 'rtsp://127.0.0.1:{port}/x', rtspTransport: tcp, reconnectDelay: 200ms, reconnectMaxDelay: 500ms }}\n" +
            $"  cam1: {{ source: 'rtsp://127.0.0.1:{cameraPort}/cam', rtspTransport: tcp }}\n");
        await StartCameraAsync(box, cameraPort);
        await WaitForAsync(async () => (await PathAsync(box, "broken")).TryGetProperty("pull", out var pull)
                && pull.GetProperty("lastError").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(20), () => "no error reported for the broken source:\n" + box.Process.Output);
        await Task.Delay(1500); // several reconnect attempts against the nonsense

        await WaitPathStateAsync(box, "cam1", "ready", TimeSpan.FromSeconds(20));
        await AssertReadsBackAsync(box, "cam1");
        Assert.False(box.Process.HasExited);
        await stop.CancelAsync();
        listener.Stop();
        await server;
    }
}
