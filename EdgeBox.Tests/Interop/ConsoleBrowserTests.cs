using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>The web console rendered by a real browser (Debian's headless Chromium) against the AOT binary.</summary>
[Collection(HeavyTests.Name)]
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private EdgeBoxProcess? _server;

    public async Task InitializeAsync()
    {
        string binary = await AotBinary.PathAsync();
        // The default config's paths, plus an always-on test pattern so the console has a live path with a picture.
        string config = _dir.File("edgebox.yml");
        await File.WriteAllTextAsync(config, DefaultConfigWithLivePath());
        _server = EdgeBoxProcess.Start(binary, ["run", "--config", config, "--data", _dir.File("data")], EdgeBoxProcess.LoopbackEnvironment());
    }

    private static string DefaultConfigWithLivePath() =>
        File.ReadAllText(Path.Combine(RepoPaths.ConfigDirectory, "edgebox.yml"))
        + "  pattern: { source: testsrc, testsrc: { size: 320x240, fps: 10, audio: false } }\n";

    [Fact]
    public async Task Console_shows_a_snapshot_of_each_live_path()
    {
        var api = await _server!.WaitForHttpAsync();
        await _server.WaitForOutputAsync("Path pattern: generating", 30);
        string dom = await DumpDomAsync(api, "#path-tiles .tile[data-path=\"pattern\"] img.thumb");
        Assert.Matches("<img class=\"thumb\"[^>]*src=\"/api/v1/paths/pattern/snapshot.jpg\\?width=320", dom);
        Assert.Matches("src=\"/api/v1/paths/demo/snapshot.jpg", dom); // on demand: the snapshot starts it
        Assert.DoesNotContain("src=\"/api/v1/paths/~", dom, StringComparison.Ordinal); // a pattern has no picture
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task Console_shows_health_version_host_and_paths_from_the_api()
    {
        var api = await _server!.WaitForHttpAsync();
        await _server.WaitForOutputAsync("ONNX Runtime 1", 30); // the native probe is done

        string dom = await DumpDomAsync(api, "#onnx dd");

        Assert.Contains("id=\"health-status\"", dom, StringComparison.Ordinal);
        Assert.Matches("id=\"health-status\"[^>]*>ok<", dom);
        Assert.Contains(">v0.", dom, StringComparison.Ordinal); // version in the header
        Assert.Contains("~^live/.+$", dom, StringComparison.Ordinal); // the default config's path
        Assert.Contains("CPUExecutionProvider", dom, StringComparison.Ordinal);
        Assert.Contains("libavcodec", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("Unavailable", dom, StringComparison.Ordinal);
    }

    /// <summary>
    /// Loads the page in headless Chromium (Playwright), waits for <paramref name="ready"/> and the API reads
    /// to settle, and returns the DOM. (Chromium's --dump-dom never finishes: the console keeps its event stream open.)
    /// </summary>
    private static async Task<string> DumpDomAsync(Uri api, string ready)
    {
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(api.ToString());
        await page.Locator(ready).First.WaitForAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('health-status').textContent !== '…'");
        return await page.ContentAsync();
    }
}
