using System.Net;
using System.Text;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The path editor's API (<c>/api/v1/config/paths</c>) against the AOT binary: the same validator as the file,
/// errors with lines counted in the body, dry runs, renames in place, conflicts, removal, and the file it
/// writes (no environment overrides written into it).
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class PathEditorApiTests
{
    private const string Config = """
        paths:
          first: { source: publisher }
          second: { source: testsrc, sourceOnDemand: true, recordDeleteAfter: 2d }
        """;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(RtspTestServer box, HttpMethod method, string path, string? yaml = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(box.Api, path));
        if (yaml is not null)
        {
            request.Content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        }

        using var response = await box.Http.SendAsync(request);
        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return (response.StatusCode, default);
        }

        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Paths_are_listed_checked_saved_renamed_and_removed_through_the_config_pipeline()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config);
        string file = Path.Combine(box.Directory.Path, "edgebox.yml");

        var (status, list) = await SendAsync(box, HttpMethod.Get, "/api/v1/config/paths");
        Assert.Equal(HttpStatusCode.OK, status);
        var second = list.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "second");
        Assert.Equal("testsrc", second.GetProperty("source").GetString());
        Assert.True(second.GetProperty("sourceOnDemand").GetBoolean());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("record").ValueKind);
        Assert.Equal("recordDeleteAfter: 2d\n", second.GetProperty("other").GetString());

        // Every error, with the line in the body, and nothing written.
        string original = await File.ReadAllTextAsync(file);
        (status, var errors) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/cam1", "source: rtsp://bad host/\nrecord: perhaps\nnoSuchKey: 1\n");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var reported = errors.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("path").GetString(), e.GetProperty("line").GetInt32())).ToList();
        Assert.Contains(("paths.cam1.source", 1), reported);
        Assert.Contains(("paths.cam1.record", 2), reported);
        Assert.Contains(reported, e => e.Item1 == "paths.cam1.noSuchKey" && e.Item2 == 3);
        Assert.Equal(original, await File.ReadAllTextAsync(file));

        // A dry run lists the change and saves nothing.
        (status, var dry) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/cam1?dryRun=true", "source: testsrc\nrecord: false\n");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("valid", dry.GetProperty("status").GetString());
        Assert.Equal("paths.cam1", dry.GetProperty("changes")[0].GetProperty("key").GetString());
        Assert.Equal(original, await File.ReadAllTextAsync(file));

        // Saved and applied: the path is there at once, and the file has it but none of the test's EDGEBOX_* overrides.
        (status, var saved) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/cam1", "source: testsrc\nsourceOnDemand: true\n");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("applied", saved.GetProperty("status").GetString());
        string written = await File.ReadAllTextAsync(file);
        Assert.Contains("cam1", written, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:0", written, StringComparison.Ordinal);
        Assert.DoesNotContain("anonymousRole: admin", written, StringComparison.Ordinal);
        (status, _) = await SendAsync(box, HttpMethod.Get, "/api/v1/paths/cam1/snapshot.jpg");
        Assert.Equal(HttpStatusCode.OK, status); // an on-demand test pattern: started for the picture

        // Renamed in place (its position kept), refused onto a taken name, unknown sources of a rename are 404.
        (status, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/door?from=first", "source: publisher\n");
        Assert.Equal(HttpStatusCode.OK, status);
        (_, list) = await SendAsync(box, HttpMethod.Get, "/api/v1/config/paths");
        Assert.Equal(["door", "second", "cam1"], list.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        (status, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/second?from=door", "source: publisher\n");
        Assert.Equal(HttpStatusCode.Conflict, status);
        (status, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/x?from=nothere", "source: publisher\n");
        Assert.Equal(HttpStatusCode.NotFound, status);

        // Removed; removing it again is 404.
        (status, _) = await SendAsync(box, HttpMethod.Delete, "/api/v1/config/paths/second");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await SendAsync(box, HttpMethod.Delete, "/api/v1/config/paths/second");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.DoesNotContain("second", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

        // A name with a slash sent as %2F (what generated clients do) is the same name.
        (status, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/site%2Fdoor", "source: publisher\n");
        Assert.Equal(HttpStatusCode.OK, status);
        (_, list) = await SendAsync(box, HttpMethod.Get, "/api/v1/config/paths");
        Assert.Contains("site/door", list.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        // An empty body is a path with every default (a publisher path); a body that is not a mapping is refused.
        (status, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/empty", "");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await SendAsync(box, HttpMethod.Put, "/api/v1/config/paths/bad", "- a list\n- not a mapping\n");
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }
}
