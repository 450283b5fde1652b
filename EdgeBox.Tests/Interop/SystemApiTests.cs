using System.Net;
using System.Text;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The System page's routes against the AOT binary: checking a config edit without applying it, rolling
/// back to a version from the history, and the recent log.
/// </summary>
public sealed class SystemApiTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(RtspTestServer box, HttpMethod method, string path, string? body = null,
        string type = "application/yaml")
    {
        using var request = new HttpRequestMessage(method, new Uri(box.Api, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, type);
        }

        using var response = await box.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<JsonElement> GetAsync(RtspTestServer box, string path)
    {
        var (status, body) = await SendAsync(box, HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private static IEnumerable<string?> PathNames(JsonElement paths) => paths.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString());

    [Fact]
    public async Task Validate_answers_errors_or_the_changes_and_applies_nothing()
    {
        await using var box = await RtspTestServer.StartAsync();
        var before = await GetAsync(box, "/api/v1/config");
        int history = (await GetAsync(box, "/api/v1/config/history")).GetProperty("items").GetArrayLength();

        var (status, errors) = await SendAsync(box, HttpMethod.Post, "/api/v1/config/validate",
            "log: { level: loud }\nhttp: { adress: x }\npaths:\n  cam2: { source: 'ftp://x' }\n");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["log.level", "http.adress", "paths.cam2.source"], errors.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()));
        Assert.Equal([1, 2, 4], errors.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));
        Assert.Contains("did you mean 'address'", errors.GetProperty("errors")[1].GetProperty("message").GetString(), StringComparison.Ordinal);

        var (ok, changes) = await SendAsync(box, HttpMethod.Post, "/api/v1/config/validate",
            "log: { level: debug, format: json }\npaths:\n  demo: { source: testsrc, sourceOnDemand: true }\n  cam1: { record: true }\n");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.True(changes.GetProperty("valid").GetBoolean());
        var listed = changes.GetProperty("changes").EnumerateArray()
            .Select(c => (c.GetProperty("key").GetString(), c.GetProperty("kind").GetString(), c.GetProperty("restartRequired").GetBoolean())).ToList();
        Assert.Equal([("log.level", "changed", false), ("log.format", "changed", true), ("paths.~^live/.+$", "removed", false), ("paths.cam1", "added", false)], listed);

        // JSON bodies, as PUT takes them; the running text itself changes nothing.
        var (json, jsonChanges) = await SendAsync(box, HttpMethod.Post, "/api/v1/config/validate", """{"paths":{"cam9":{}}}""", "application/json");
        Assert.Equal(HttpStatusCode.OK, json);
        Assert.Contains(jsonChanges.GetProperty("changes").EnumerateArray(), c => c.GetProperty("key").GetString() == "paths.cam9");
        string running = await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/config?format=yaml"));
        var (same, none) = await SendAsync(box, HttpMethod.Post, "/api/v1/config/validate", running);
        Assert.Equal(HttpStatusCode.OK, same);
        Assert.Equal(0, none.GetProperty("changes").GetArrayLength());

        var after = await GetAsync(box, "/api/v1/config");
        Assert.Equal(before.GetProperty("hash").GetString(), after.GetProperty("hash").GetString());
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal(history, (await GetAsync(box, "/api/v1/config/history")).GetProperty("items").GetArrayLength());
        Assert.False(File.Exists(box.Directory.File("data/edgebox.yml")));
        Assert.DoesNotContain("cam1", PathNames(await GetAsync(box, "/api/v1/paths")));
    }

    [Fact]
    public async Task Restore_applies_an_old_version_through_the_normal_pipeline()
    {
        await using var box = await RtspTestServer.StartAsync();
        const string edit = "paths:\n  cam1: { record: true }\n";
        var (put, applied) = await SendAsync(box, HttpMethod.Put, "/api/v1/config", edit);
        Assert.Equal(HttpStatusCode.OK, put);
        Assert.Equal(2, applied.GetProperty("version").GetInt64());
        Assert.Equal(["cam1"], PathNames(await GetAsync(box, "/api/v1/paths")));

        var (status, restored) = await SendAsync(box, HttpMethod.Post, "/api/v1/config/history/1/restore");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("applied", restored.GetProperty("status").GetString());
        Assert.Equal(3, restored.GetProperty("version").GetInt64());
        Assert.Contains(restored.GetProperty("changes").EnumerateArray(), c => c.GetProperty("key").GetString() == "paths.cam1" && c.GetProperty("kind").GetString() == "removed");
        Assert.Equal(["demo", "~^live/.+$"], PathNames(await GetAsync(box, "/api/v1/paths")).Order(StringComparer.Ordinal));
        string v1 = await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/config/history/1"));
        Assert.Equal(v1, await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/config?format=yaml")));
        Assert.Equal(v1, await File.ReadAllTextAsync(box.Directory.File("data/edgebox.yml"))); // saved like any API change
        var history = (await GetAsync(box, "/api/v1/config/history")).GetProperty("items");
        Assert.Equal([3L, 2L, 1L], history.EnumerateArray().Select(i => i.GetProperty("version").GetInt64()));
        Assert.Equal("api", history[0].GetProperty("source").GetString());

        // The running version again: unchanged; a version the history does not hold: 404.
        var (again, unchanged) = await SendAsync(box, HttpMethod.Post, "/api/v1/config/history/3/restore");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("unchanged", unchanged.GetProperty("status").GetString());
        var (missing, _) = await SendAsync(box, HttpMethod.Post, "/api/v1/config/history/99/restore");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        await box.Process.WaitForOutputAsync("Configuration version 1 is being restored");
    }

    [Fact]
    public async Task Logs_returns_the_recent_lines_oldest_first_and_filters_by_level()
    {
        await using var box = await RtspTestServer.StartAsync();
        await box.Process.WaitForOutputAsync("ONNX Runtime 1", 30); // the native probe's lines are in; the log is quiet now
        // A warning (a change that needs a restart) and an error (a refused config), after the start-up lines.
        var (put, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config", "log: { format: json }\n");
        Assert.Equal(HttpStatusCode.OK, put);
        var (refused, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config", "log: { level: loud }\n");
        Assert.Equal(HttpStatusCode.BadRequest, refused);

        var all = (await GetAsync(box, "/api/v1/logs")).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(all, e => e.GetProperty("message").GetString()!.Contains("EdgeBox started", StringComparison.Ordinal)
            || e.GetProperty("message").GetString()!.StartsWith("Listening", StringComparison.Ordinal));
        Assert.Contains(all, e => e.GetProperty("level").GetString() == "info" && e.GetProperty("category").GetString() == "EdgeBox.Configuration.ConfigManager");
        var times = all.Select(e => e.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.Contains(all.TakeLast(5), e => e.GetProperty("message").GetString()!.Contains("rejected", StringComparison.Ordinal));

        var warnings = (await GetAsync(box, "/api/v1/logs?level=warn")).GetProperty("items").EnumerateArray().ToList();
        Assert.All(warnings, e => Assert.Contains(e.GetProperty("level").GetString(), new[] { "warn", "error", "fatal" }));
        Assert.Contains(warnings, e => e.GetProperty("level").GetString() == "warn" && e.GetProperty("message").GetString()!.Contains("log.format", StringComparison.Ordinal));
        Assert.Contains(warnings, e => e.GetProperty("level").GetString() == "error");
        var errors = (await GetAsync(box, "/api/v1/logs?level=error")).GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("error", e.GetProperty("level").GetString()));

        var one = (await GetAsync(box, "/api/v1/logs?lines=1")).GetProperty("items");
        Assert.Equal(1, one.GetArrayLength());
        Assert.Equal(all[^1].GetProperty("message").GetString(), one[0].GetProperty("message").GetString());
        var (bad, _) = await SendAsync(box, HttpMethod.Get, "/api/v1/logs?level=loud");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
    }
}
