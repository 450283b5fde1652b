using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The RTSP server under hostile or heavy use, against the AOT binary: credentials, other codecs,
/// many readers, and a bounded mutation fuzz of real client captures. After each, the service still
/// serves a real ffmpeg reader.
/// </summary>
public sealed class RtspRobustnessTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() =>
        _box = await RtspTestServer.StartWithConfigAsync("""
                paths:
                  secure: { publishUser: pub, publishPass: "s3cret-pub", readUser: viewer, readPass: "s3cret-read" }
                  "~^live/.+$": {}
                """);

    public async Task DisposeAsync() => await _box.DisposeAsync();

    private ExternalProcess Publish(string url, string[] codecArguments, int seconds = 30)
    {
        var publisher = ExternalProcess.Start("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
            "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. codecArguments,
            "-f", "rtsp", "-rtsp_transport", "tcp", url]);
        _box.Track(publisher);
        return publisher;
    }

    private static readonly string[] H264Aac = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac"];

    private Task WaitReadyAsync(string path, ExternalProcess publisher) => _box.WaitReadyAsync(path, publisher);

    private async Task<string> ProbeCodecsAsync(string url, string transport = "tcp")
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", transport,
            "-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "json", url);
        Assert.True(code == 0, stderr + "\n" + _box.Process.Output);
        return stdout;
    }

    private string Url(string path, string? user = null, string? pass = null) =>
        user is null ? $"{_box.Rtsp}{path}" : $"rtsp://{user}:{pass}@{_box.Rtsp.Host}:{_box.Rtsp.Port}/{path}";

    [Fact]
    public async Task Digest_credentials_are_required_checked_and_never_logged()
    {
        var refused = Publish(Url("secure"), H264Aac, seconds: 3);
        Assert.True(await refused.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("401", refused.StandardError, StringComparison.Ordinal);

        var wrong = Publish(Url("secure", "pub", "wrong"), H264Aac, seconds: 3);
        Assert.True(await wrong.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.NotEqual(0, wrong.ExitCode);

        var publisher = Publish(Url("secure", "pub", "s3cret-pub"), H264Aac);
        await WaitReadyAsync("secure", publisher);

        var (noAuth, _, noAuthErrors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", Url("secure"));
        Assert.NotEqual(0, noAuth);
        Assert.Contains("401", noAuthErrors, StringComparison.Ordinal);
        Assert.Contains("h264", await ProbeCodecsAsync(Url("secure", "viewer", "s3cret-read")), StringComparison.Ordinal);

        Assert.Contains("wrong credentials", _box.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", _box.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong\"", _box.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Authorization", _box.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", string.Concat(Directory.GetFiles(_box.Directory.File("data/logs")).Select(File.ReadAllText)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("h265-opus", "hevc", "opus")]
    [InlineData("h264-pcmu", "h264", "pcm_mulaw")]
    [InlineData("h264-pcma", "h264", "pcm_alaw")]
    public async Task Other_codecs_pass_through(string name, string video, string audio)
    {
        string[] arguments = name switch
        {
            "h265-opus" => ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:keyint=25", "-pix_fmt", "yuv420p", "-c:a", "libopus", "-ac", "2"],
            "h264-pcmu" => ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1"],
            _ => ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "pcm_alaw", "-ar", "8000", "-ac", "1"],
        };
        var publisher = Publish(Url($"live/{name}"), arguments);
        await WaitReadyAsync($"live/{name}", publisher);

        string streams = await ProbeCodecsAsync(Url($"live/{name}"));
        Assert.Contains($"\"codec_name\": \"{video}\"", streams, StringComparison.Ordinal);
        Assert.Contains($"\"codec_name\": \"{audio}\"", streams, StringComparison.Ordinal);
        Assert.Contains("\"width\": 320", streams, StringComparison.Ordinal);

        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", Url($"live/{name}"), "-t", "3", "-f", "null", "-");
        Assert.True(code == 0, errors);
    }

    [Fact]
    public async Task Fifty_readers_and_one_that_stops_reading_do_not_slow_the_others()
    {
        var publisher = Publish(Url("live/many"), H264Aac, seconds: 40);
        await WaitReadyAsync("live/many", publisher);

        // A reader that sets up, plays and then never reads: its socket buffers fill up.
        using var stuck = new TcpClient();
        await stuck.ConnectAsync(_box.Rtsp.Host, _box.Rtsp.Port);
        var stream = stuck.GetStream();
        string url = Url("live/many");
        await SendAsync(stream, $"SETUP {url}/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
        string setup = await ReadResponseAsync(stream);
        string session = setup.Split("\r\n").First(l => l.StartsWith("Session:", StringComparison.Ordinal))[8..].Split(';')[0].Trim();
        await SendAsync(stream, $"PLAY {url} RTSP/1.0\r\nCSeq: 2\r\nSession: {session}\r\n\r\n");

        var readers = Enumerable.Range(0, 50).Select(_ => ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", url, "-t", "4", "-c", "copy", "-f", "null", "-")).ToList();
        var results = await Task.WhenAll(readers);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.StandardError));

        var path = JsonDocument.Parse(await _box.Http.GetStringAsync(new Uri(_box.Api, "/api/v1/paths/live/many"))).RootElement;
        Assert.Equal("ready", path.GetProperty("state").GetString());
        Assert.False(publisher.HasExited);
    }

    [Fact]
    public async Task Mutated_client_traffic_closes_only_its_own_session()
    {
        var publisher = Publish(Url("live/fuzz"), H264Aac, seconds: 60);
        await WaitReadyAsync("live/fuzz", publisher);

        var corpus = Directory.GetFiles(Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "TestData", "Rtsp"), "*.bin")
            .Select(File.ReadAllBytes).ToList();
        Assert.NotEmpty(corpus);
        var random = new Random(20261124);
        var clock = Stopwatch.StartNew();
        int sent = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && sent < 400)
        {
            byte[] input = Mutate(corpus[random.Next(corpus.Count)], random);
            using var client = new TcpClient();
            await client.ConnectAsync(_box.Rtsp.Host, _box.Rtsp.Port);
            client.ReceiveTimeout = 500;
            var stream = client.GetStream();
            try
            {
                await stream.WriteAsync(input.AsMemory(0, Math.Min(input.Length, 256 * 1024)));
                using var read = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                _ = await stream.ReadAsync(new byte[4096], read.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // The server may close on us; that is the point.
            }

            sent++;
        }

        Assert.True(sent > 20);
        Assert.False(_box.Process.HasExited, _box.Process.Output);
        Assert.False(publisher.HasExited, publisher.StandardError);
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error",
            "-rtsp_transport", "tcp", "-i", Url("live/fuzz"), "-t", "2", "-f", "null", "-");
        Assert.True(code == 0, errors);
        using var health = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/health"));
        Assert.True(health.IsSuccessStatusCode);
    }

    /// <summary>Flips, inserts, deletes and truncates bytes; sometimes rewrites a path to hit live/fuzz.</summary>
    private static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(input).Replace("/live/", "/live/fuzz-", StringComparison.Ordinal)));
        int edits = 1 + random.Next(8);
        for (int i = 0; i < edits && bytes.Count > 0; i++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.InsertRange(at, Enumerable.Repeat((byte)random.Next(256), random.Next(1, 70_000))); break;
            }
        }

        return [.. bytes];
    }

    private static Task SendAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    private static async Task<string> ReadResponseAsync(NetworkStream stream)
    {
        var buffer = new byte[8192];
        int total = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!Encoding.ASCII.GetString(buffer, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            total += await stream.ReadAsync(buffer.AsMemory(total), timeout.Token);
        }

        return Encoding.ASCII.GetString(buffer, 0, total);
    }
}
