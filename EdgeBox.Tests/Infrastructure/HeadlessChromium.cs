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

    /// <summary>
    /// A page in a new context as the console tests use it (en-GB, 1400x1000, 20 s for each action); the page's
    /// console messages and errors are added to <paramref name="log"/>. Closed with the browser.
    /// </summary>
    public async Task<IPage> NewConsolePageAsync(ICollection<string> log)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-GB",
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) => log.Add($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => log.Add("page error: " + error);
        return page;
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
