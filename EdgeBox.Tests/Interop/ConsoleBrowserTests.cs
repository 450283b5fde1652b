using System.Diagnostics;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>The web console rendered by a real browser (Debian's headless Chromium) against the AOT binary.</summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private EdgeBoxProcess? _server;

    public async Task InitializeAsync()
    {
        string binary = await AotBinary.PathAsync();
        _server = EdgeBoxProcess.Start(binary, ["run", "--data", _dir.File("data")], EdgeBoxProcess.LoopbackEnvironment());
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

        string dom = await DumpDomAsync(api);

        Assert.Contains("id=\"health-status\"", dom, StringComparison.Ordinal);
        Assert.Matches("id=\"health-status\"[^>]*>ok<", dom);
        Assert.Contains(">v0.", dom, StringComparison.Ordinal); // version in the header
        Assert.Contains("~^live/.+$", dom, StringComparison.Ordinal); // the default config's path
        Assert.Contains("CPUExecutionProvider", dom, StringComparison.Ordinal);
        Assert.Contains("libavcodec", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("Unavailable", dom, StringComparison.Ordinal);
    }

    /// <summary>Loads the page in headless Chromium, lets its scripts fetch the API, and returns the DOM.</summary>
    private async Task<string> DumpDomAsync(Uri page)
    {
        var info = new ProcessStartInfo("/usr/bin/chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + _dir.File("chromium"), "--virtual-time-budget=5000",
            "--dump-dom", page.ToString(),
        })
        {
            info.ArgumentList.Add(argument);
        }

        using var chromium = Process.Start(info)!;
        var stdout = chromium.StandardOutput.ReadToEndAsync();
        var stderr = chromium.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await chromium.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            chromium.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 60 s: " + await stderr);
        }

        string dom = await stdout;
        Assert.True(dom.Length > 0, "chromium printed no DOM: " + await stderr);
        return dom;
    }
}
