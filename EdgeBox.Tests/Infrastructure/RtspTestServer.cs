using System.Diagnostics;
using System.Text.Json;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// The AOT binary running with its RTSP listener on loopback, plus the third-party processes a test
/// starts against it; everything is stopped at dispose (also when start-up fails).
/// </summary>
internal sealed class RtspTestServer : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _processes = [];

    private RtspTestServer(TempDirectory directory) => Directory = directory;

    public TempDirectory Directory { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public EdgeBoxProcess Process { get; private set; } = null!;

    public Uri Api { get; private set; } = null!;

    public Uri Rtsp { get; private set; } = null!;

    /// <summary>Starts <c>edgebox run --data DIR/data</c> with <paramref name="arguments"/> and extra environment.</summary>
    public static async Task<RtspTestServer> StartAsync(Func<TempDirectory, string[]>? arguments = null, IDictionary<string, string?>? environment = null)
    {
        var server = new RtspTestServer(new TempDirectory());
        try
        {
            string binary = await AotBinary.PathAsync();
            var env = EdgeBoxProcess.LoopbackEnvironment();
            foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            {
                env[key] = value;
            }

            server.Process = server.Track(EdgeBoxProcess.Start(binary,
                ["run", "--data", server.Directory.File("data"), .. arguments?.Invoke(server.Directory) ?? []], env));
            server.Api = await server.Process.WaitForHttpAsync();
            server.Rtsp = server.Process.RtspAddress ?? throw new InvalidOperationException("no RTSP listener logged:\n" + server.Process.Output);
            return server;
        }
        catch (Exception)
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server on a configuration file with <paramref name="yaml"/> in it.</summary>
    public static Task<RtspTestServer> StartWithConfigAsync(string yaml, IDictionary<string, string?>? environment = null) =>
        StartAsync(directory =>
        {
            string config = directory.File("edgebox.yml");
            File.WriteAllText(config, yaml);
            return ["--config", config];
        }, environment);

    /// <summary>Stops <paramref name="process"/> with the server.</summary>
    public T Track<T>(T process)
        where T : IAsyncDisposable
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// ffmpeg publishing a test pattern (H.264, one keyframe a second; with <paramref name="audio"/> a
    /// 1 kHz AAC tone) to <paramref name="path"/> over RTSP/TCP in real time, stopped with the server.
    /// </summary>
    public ExternalProcess PublishTestPattern(string path, string size = "640x360", int fps = 15, int seconds = 60, bool audio = false) =>
        Track(ExternalProcess.Start("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", $"testsrc2=size={size}:rate={fps}",
            .. audio ? (string[])["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-c:a", "aac", "-b:a", "64k"] : [],
            "-t", $"{seconds}", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", $"{fps}", "-pix_fmt", "yuv420p",
            "-f", "rtsp", "-rtsp_transport", "tcp", $"{Rtsp}{path}"]));

    /// <summary>
    /// ffmpeg looping a still <paramref name="picture"/> (centred, padded to 1280x720) into an RTSP publish to
    /// <paramref name="path"/> at 15 fps (H.264, one keyframe a second), stopped with the server.
    /// </summary>
    public ExternalProcess PublishPicture(string path, string picture, int seconds = 60) =>
        Track(ExternalProcess.Start("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-re", "-loop", "1", "-i", picture, "-t", $"{seconds}",
            "-vf", "pad=1280:720:(ow-iw)/2:(oh-ih)/2,format=yuv420p", "-r", "15",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15",
            "-f", "rtsp", "-rtsp_transport", "tcp", $"{Rtsp}{path}"]));

    /// <summary>Waits, through the REST API, until a publisher's path is ready and has received frames.</summary>
    public async Task WaitReadyAsync(string path, ExternalProcess publisher)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            using var response = await Http.GetAsync(new Uri(Api, $"/api/v1/paths/{path}"));
            if (response.IsSuccessStatusCode)
            {
                var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (json.GetProperty("state").GetString() == "ready" && json.GetProperty("framesIn").GetInt64() > 30)
                {
                    return;
                }
            }

            Assert.False(publisher.HasExited, "the publisher exited: " + publisher.StandardError + "\n" + Process.Output);
            await Task.Delay(100);
        }

        throw new TimeoutException($"path {path} did not become ready:\n{publisher.StandardError}\n{Process.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        Http.Dispose();
        Directory.Dispose();
    }
}
