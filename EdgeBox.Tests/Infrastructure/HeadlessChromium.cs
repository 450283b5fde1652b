using Microsoft.Playwright;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright (the NuGet package's bundled driver; Playwright never downloads a
/// browser here: <see cref="Executable"/> is always given). Flags from shared/TESTING.md. Disposing closes the
/// browser and stops the driver, which takes every browser process with it.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>Starts the driver and a headless browser with the standard flags plus <paramref name="arguments"/>.</summary>
    public static async Task<HeadlessChromium> LaunchAsync(params string[] arguments)
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Executable,
                Headless = true,
                Args = [.. Flags, .. arguments],
                Timeout = 30_000,
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch (Exception)
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync();
        }
        catch (PlaywrightException)
        {
            // The browser is gone already; stopping the driver below is what matters.
        }

        _playwright.Dispose();
    }
}
