using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Black-box tests of the published Native AOT binary: start it on loopback with a temp data
/// directory, talk HTTP to it, signal it, and check what a user or an orchestrator would see.
/// </summary>
public sealed class AotServiceTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<EdgeBoxProcess> _processes = [];
    private string _binary = "";

    public async Task InitializeAsync() => _binary = await AotBinary.PathAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _http.Dispose();
        _dir.Dispose();
    }

    private async Task<(EdgeBoxProcess Process, Uri Base)> StartAsync(string? data = null, string? binary = null, params string[] extra)
    {
        var process = EdgeBoxProcess.Start(binary ?? _binary, ["run", "--data", data ?? _dir.File("data"), .. extra], EdgeBoxProcess.LoopbackEnvironment());
        _processes.Add(process);
        return (process, await process.WaitForHttpAsync());
    }

    /// <summary>Health once the background probe of the native libraries is done (status no longer "starting").</summary>
    private async Task<JsonElement> SettledHealthAsync(Uri api)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await _http.GetAsync(new Uri(api, "/api/v1/health"));
            var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (health.GetProperty("status").GetString() != "starting" || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                return health;
            }

            await Task.Delay(50);
        }
    }

    private async Task<JsonElement> GetJsonAsync(Uri address, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _http.GetAsync(address);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task Health_info_metrics_and_console_answer()
    {
        var (process, api) = await StartAsync();

        var first = await GetJsonAsync(new Uri(api, "/api/v1/health"));
        Assert.Contains(first.GetProperty("status").GetString(), new[] { "starting", "ok" });
        var health = await SettledHealthAsync(api);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var components = health.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("ok", components["storage"]);
        Assert.Equal("ok", components["config"]);
        Assert.Equal("ok", components["ffmpeg"]);
        Assert.Equal("ok", components["onnxruntime"]);

        var info = await GetJsonAsync(new Uri(api, "/api/v1/info"));
        Assert.True(info.GetProperty("nativeAot").GetBoolean());
        Assert.Matches(@"^\d+\.\d+\.\d+", info.GetProperty("version").GetString());
        Assert.True(info.GetProperty("host").GetProperty("memoryTotalBytes").GetInt64() > 0);
        Assert.True(info.GetProperty("host").GetProperty("diskTotalBytes").GetInt64() > 0);
        var ffmpeg = info.GetProperty("ffmpeg");
        Assert.True(ffmpeg.GetProperty("available").GetBoolean());
        Assert.Contains("h264", ffmpeg.GetProperty("videoDecoders").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("libavcodec", ffmpeg.GetProperty("libraries").EnumerateObject().Select(p => p.Name));
        Assert.Contains("CPUExecutionProvider", info.GetProperty("onnxRuntime").GetProperty("executionProviders").EnumerateArray().Select(e => e.GetString()));

        var paths = await GetJsonAsync(new Uri(api, "/api/v1/paths"));
        Assert.Equal(["demo", "~^live/.+$"], paths.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order(StringComparer.Ordinal));

        string metrics = await _http.GetStringAsync(new Uri(api, "/metrics"));
        Assert.Contains("edgebox_uptime", metrics, StringComparison.Ordinal);
        Assert.Contains("edgebox_config_version", metrics, StringComparison.Ordinal);
        Assert.Contains("edgebox_component_up{", metrics, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes_total", metrics, StringComparison.Ordinal);

        using var page = await _http.GetAsync(api);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<title>EdgeBox", html, StringComparison.Ordinal);
        Assert.Contains("/ui/app.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
        using var script = await _http.GetAsync(new Uri(api, "/ui/app.js"));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("/api/v1/health", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var missing = await _http.GetAsync(new Uri(api, "/ui/nope.js"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        Assert.DoesNotContain("[ERR]", process.Output, StringComparison.Ordinal);
        Assert.Contains("FFmpeg 5", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Native_libraries_are_probed_in_a_child_process_not_loaded_into_the_service()
    {
        var (process, api) = await StartAsync();
        Assert.Equal("ok", (await SettledHealthAsync(api)).GetProperty("status").GetString());
        string maps = await File.ReadAllTextAsync($"/proc/{process.Pid}/maps");
        Assert.DoesNotContain("libavcodec", maps, StringComparison.Ordinal);
        Assert.DoesNotContain("libonnxruntime", maps, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_config_over_the_api_is_refused_with_every_error_and_changes_nothing()
    {
        var (_, api) = await StartAsync();
        var before = await GetJsonAsync(new Uri(api, "/api/v1/config"));

        using var body = new StringContent("log: { level: loud }\nhttp: { adress: x }\npaths:\n  api/cam: {}\n  cam2: { source: 'ftp://x' }\n", Encoding.UTF8, "application/yaml");
        using var response = await _http.PutAsync(new Uri(api, "/api/v1/config"), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(["log.level", "http.adress", "paths.api/cam", "paths.cam2.source"], errors.Select(e => e.GetProperty("path").GetString()));
        Assert.Equal([1, 2, 4, 5], errors.Select(e => e.GetProperty("line").GetInt32()));

        var after = await GetJsonAsync(new Uri(api, "/api/v1/config"));
        Assert.Equal(before.GetProperty("hash").GetString(), after.GetProperty("hash").GetString());
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.False(File.Exists(Path.Combine(_dir.File("data"), "edgebox.yml")));
    }

    [Fact]
    public async Task Valid_config_over_the_api_is_applied_persisted_and_stored_in_history()
    {
        var (_, api) = await StartAsync();
        const string yaml = "# set by the test ✓\nlog: { level: debug }\npaths:\n  cam1: { record: true }\n  \"~^live/.+$\": {}\n";

        using var body = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        using var response = await _http.PutAsync(new Uri(api, "/api/v1/config"), body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("applied", result.GetProperty("status").GetString());
        long version = result.GetProperty("version").GetInt64();
        Assert.Equal(2, version);
        Assert.Contains(result.GetProperty("changes").EnumerateArray(), c => c.GetProperty("key").GetString() == "paths.cam1" && c.GetProperty("kind").GetString() == "added");

        // Persisted verbatim (comments kept), readable as YAML from the API, and stored in LiteDB history.
        Assert.Equal(yaml, File.ReadAllText(Path.Combine(_dir.File("data"), "edgebox.yml")));
        using var yamlRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(api, "/api/v1/config"));
        yamlRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/yaml"));
        using var yamlResponse = await _http.SendAsync(yamlRequest);
        Assert.Equal(yaml, await yamlResponse.Content.ReadAsStringAsync());
        Assert.Equal(yaml, await _http.GetStringAsync(new Uri(api, $"/api/v1/config/history/{version}")));
        var history = await GetJsonAsync(new Uri(api, "/api/v1/config/history"));
        Assert.Equal([2L, 1L], history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("version").GetInt64()));
        Assert.Equal("api", history.GetProperty("items")[0].GetProperty("source").GetString());

        var paths = await GetJsonAsync(new Uri(api, "/api/v1/paths"));
        Assert.Contains(paths.GetProperty("items").EnumerateArray(), p => p.GetProperty("name").GetString() == "cam1" && p.GetProperty("record").GetBoolean());

        // JSON bodies are accepted too and saved as YAML.
        using var json = new StringContent("""{"log":{"level":"warn"},"paths":{"cam9":{}}}""", Encoding.UTF8, "application/json");
        using var jsonResponse = await _http.PutAsync(new Uri(api, "/api/v1/config"), json);
        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        string saved = File.ReadAllText(Path.Combine(_dir.File("data"), "edgebox.yml"));
        Assert.Contains("cam9:", saved, StringComparison.Ordinal);
        Assert.DoesNotContain("{\"", saved, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_uses_the_saved_config_and_history_survives()
    {
        var (first, api) = await StartAsync();
        using (var body = new StringContent("paths: { cam7: {} }\n", Encoding.UTF8, "application/yaml"))
        {
            using var response = await _http.PutAsync(new Uri(api, "/api/v1/config"), body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        first.Signal(EdgeBoxProcess.SIGTERM);
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(5)));

        var (_, again) = await StartAsync();
        var config = await GetJsonAsync(new Uri(again, "/api/v1/config"));
        Assert.Equal(2, config.GetProperty("version").GetInt64());
        Assert.True(config.GetProperty("paths").TryGetProperty("cam7", out _));
        Assert.Equal(2, (await GetJsonAsync(new Uri(again, "/api/v1/config/history"))).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task File_edits_reload_through_the_same_pipeline()
    {
        string file = _dir.File("edgebox.yml");
        File.WriteAllText(file, "paths: { cam1: {} }\n");
        var (process, api) = await StartAsync(null, null, "--config", file);

        File.WriteAllText(file, "paths: { cam1: {}, cam2: {} }\n");
        await process.WaitForOutputAsync("paths.cam2 added");

        File.WriteAllText(file, "log: { level: nope }\n");
        await process.WaitForOutputAsync("log.level (line 1): expected one of");
        var paths = await GetJsonAsync(new Uri(api, "/api/v1/paths"));
        Assert.Equal(2, paths.GetProperty("items").GetArrayLength());

        // While the file holds an edit that is not running, the API must not overwrite it.
        using var body = new StringContent("paths: { cam9: {} }\n", Encoding.UTF8, "application/yaml");
        using var conflict = await _http.PutAsync(new Uri(api, "/api/v1/config"), body);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("log: { level: nope }\n", File.ReadAllText(file));

        var history = await GetJsonAsync(new Uri(api, "/api/v1/config/history"));
        Assert.Equal("file", history.GetProperty("items")[0].GetProperty("source").GetString());
    }

    [Fact]
    public async Task Sighup_rereads_the_file_and_the_process_survives()
    {
        // The config is a symlink into a folder the watcher does not watch: only SIGHUP can see the edit.
        Directory.CreateDirectory(_dir.File("real"));
        string target = _dir.File("real/edgebox.yml");
        File.WriteAllText(target, "paths: { cam1: {} }\n");
        Directory.CreateDirectory(_dir.File("etc"));
        string link = _dir.File("etc/edgebox.yml");
        File.CreateSymbolicLink(link, target);
        var (process, api) = await StartAsync(null, null, "--config", link);

        File.WriteAllText(target, "paths: { cam3: {} }\n");
        process.Signal(EdgeBoxProcess.SIGHUP);
        await process.WaitForOutputAsync("paths.cam3 added");

        Assert.False(process.HasExited);
        var history = await GetJsonAsync(new Uri(api, "/api/v1/config/history"));
        Assert.Equal("signal", history.GetProperty("items")[0].GetProperty("source").GetString());
    }

    [Fact]
    public async Task Hostile_config_bodies_get_400_and_the_service_keeps_serving()
    {
        var (process, api) = await StartAsync();
        var bomb = new StringBuilder("x0: &a0 [lol]\n");
        for (int i = 1; i <= 12; i++)
        {
            bomb.Append($"x{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        foreach (string hostile in new[] { "oops", "- a\n- b", bomb.ToString(), new string('[', 100_000), "\u0000\u0001binary" })
        {
            using var body = new StringContent(hostile, Encoding.UTF8, "application/yaml");
            using var response = await _http.PutAsync(new Uri(api, "/api/v1/config"), body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using var huge = new ByteArrayContent(new byte[5 * 1024 * 1024]);
        using var tooLarge = await _http.PutAsync(new Uri(api, "/api/v1/config"), huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        using var stale = new HttpRequestMessage(HttpMethod.Put, new Uri(api, "/api/v1/config")) { Content = new StringContent("paths: {}\n") };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"not-the-hash\"");
        using var precondition = await _http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, precondition.StatusCode);

        Assert.Equal(1, (await GetJsonAsync(new Uri(api, "/api/v1/config"))).GetProperty("version").GetInt64());
        Assert.False(process.HasExited);
    }

    [Fact]
    public async Task Sigterm_stops_cleanly_with_exit_code_0_within_5_seconds()
    {
        var (process, api) = await StartAsync();
        (await _http.GetAsync(new Uri(api, "/api/v1/health"))).Dispose();
        Assert.Equal(2, ListeningSockets(process.Pid)); // HTTP and RTSP

        var clock = Stopwatch.StartNew();
        process.Signal(EdgeBoxProcess.SIGTERM);
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(5)), "did not exit within 5 s:\n" + process.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("EdgeBox stopped", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_can_be_disabled_and_then_nothing_listens()
    {
        var environment = EdgeBoxProcess.LoopbackEnvironment();
        environment["EDGEBOX_HTTP_ENABLED"] = "false";
        environment["EDGEBOX_RTSP_ENABLED"] = "false";
        await using var process = EdgeBoxProcess.Start(_binary, ["run", "--data", _dir.File("data")], environment);
        await process.WaitForOutputAsync("EdgeBox started", 30);
        Assert.DoesNotContain("Listening for http", process.Output, StringComparison.Ordinal);
        Assert.Equal(0, ListeningSockets(process.Pid));
        process.Signal(EdgeBoxProcess.SIGTERM);
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>TCP (v4 and v6) sockets in LISTEN state (0A) that this process owns, matched by inode.</summary>
    private static int ListeningSockets(int pid)
    {
        var own = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            string? target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                own.Add(target[8..^1]);
            }
        }

        return File.ReadAllLines($"/proc/{pid}/net/tcp").Skip(1).Concat(File.ReadAllLines($"/proc/{pid}/net/tcp6").Skip(1))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 9 && f[3] == "0A" && own.Contains(f[9]));
    }

    [Fact]
    public async Task Sigint_stops_cleanly_too()
    {
        // A test run started in the background of a non-interactive shell inherits SIGINT ignored, and .NET
        // (rightly, like any program) leaves an ignored SIGINT ignored: start EdgeBox with it at its default.
        var process = EdgeBoxProcess.Start("/usr/bin/env", ["--default-signal=INT", _binary, "run", "--data", _dir.File("data")], EdgeBoxProcess.LoopbackEnvironment());
        _processes.Add(process);
        await process.WaitForHttpAsync();
        process.Signal(2);
        // The same bound as SIGTERM's; the output says where a slow stop spent its time.
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(5)), "still running 5 s after SIGINT:\n" + process.Output);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Corrupt_database_is_moved_aside_and_the_service_still_starts()
    {
        string data = _dir.File("data");
        Directory.CreateDirectory(data);
        byte[] garbage = new byte[64 * 1024];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(Path.Combine(data, "edgebox.db"), garbage);

        var (process, api) = await StartAsync(data);

        var health = await SettledHealthAsync(api);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var aside = Directory.GetFiles(data, "edgebox.db.corrupt-*");
        Assert.Equal(garbage, File.ReadAllBytes(Assert.Single(aside)));
        Assert.Contains("could not be read", process.Output, StringComparison.Ordinal);
        Assert.True((await GetJsonAsync(new Uri(api, "/api/v1/config/history"))).GetProperty("items").GetArrayLength() == 1);
    }

    [Fact]
    public async Task Missing_data_directory_is_created()
    {
        string data = Path.Combine(_dir.File("deep"), "er", "data");
        var (_, api) = await StartAsync(data);
        Assert.True(File.Exists(Path.Combine(data, "edgebox.db")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "logs")));
        (await _http.GetAsync(new Uri(api, "/api/v1/health"))).Dispose();
    }

    [Fact]
    public async Task Unusable_data_directory_is_one_line_and_exit_1()
    {
        string file = _dir.File("a-file");
        File.WriteAllText(file, "");
        var (code, output) = await EdgeBoxProcess.RunToEndAsync(_binary, ["run", "--data", Path.Combine(file, "data")], EdgeBoxProcess.LoopbackEnvironment());
        Assert.Equal(1, code);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgebox: data directory", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Taken_http_port_is_one_error_line_and_exit_1()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var environment = EdgeBoxProcess.LoopbackEnvironment();
        environment["EDGEBOX_HTTP_ADDRESS"] = taken.LocalEndpoint.ToString();

        var (code, output) = await EdgeBoxProcess.RunToEndAsync(_binary, ["run", "--data", _dir.File("data")], environment);

        Assert.Equal(1, code);
        Assert.Contains("edgebox: cannot listen on http", output, StringComparison.Ordinal);
        Assert.Contains("address already in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[FTL]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_config_at_start_lists_errors_and_exits_1()
    {
        string file = _dir.File("bad.yml");
        File.WriteAllText(file, "http: { adress: x }\nlog: { level: loud }\n");
        var (code, output) = await EdgeBoxProcess.RunToEndAsync(_binary, ["run", "--config", file, "--data", _dir.File("data")]);
        Assert.Equal(1, code);
        Assert.Contains("http.adress (line 1): unknown key", output, StringComparison.Ordinal);
        Assert.Contains("log.level (line 2): expected one of", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_without_ffmpeg_and_reports_media_unavailable()
    {
        // A copy of the publish folder without the FFmpeg shim: as on a box with no FFmpeg libraries.
        string folder = _dir.File("no-ffmpeg");
        Directory.CreateDirectory(folder);
        foreach (string source in Directory.GetFiles(Path.GetDirectoryName(_binary)!))
        {
            if (!Path.GetFileName(source).StartsWith("libedgebox_native", StringComparison.Ordinal))
            {
                File.Copy(source, Path.Combine(folder, Path.GetFileName(source)));
            }
        }

        string binary = Path.Combine(folder, "edgebox");
        File.SetUnixFileMode(binary, File.GetUnixFileMode(_binary));
        var (process, api) = await StartAsync(null, binary);

        var health = await SettledHealthAsync(api);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var ffmpeg = health.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "ffmpeg");
        Assert.Equal("unavailable", ffmpeg.GetProperty("status").GetString());
        Assert.Single(process.Output.Split('\n'), l => l.Contains("[ERR]", StringComparison.Ordinal) && l.Contains("FFmpeg", StringComparison.Ordinal));
        Assert.Contains("libedgebox_native", ffmpeg.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False((await GetJsonAsync(new Uri(api, "/api/v1/info"))).GetProperty("ffmpeg").GetProperty("available").GetBoolean());

        var (code, version) = await EdgeBoxProcess.RunToEndAsync(binary, ["version"]);
        Assert.Equal(0, code);
        Assert.Contains("FFmpeg: unavailable", version, StringComparison.Ordinal);
    }
}
