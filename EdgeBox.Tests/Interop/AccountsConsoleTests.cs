using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// A new box managed from the console in a real browser (Debian's headless Chromium through Playwright)
/// against the AOT binary with accounts switched on (no anonymous access): first-run set-up with the
/// setup code from the data directory, the dashboard's tiles, live playback, the path editor with the
/// validator's messages, logging out and in, and a viewer who may only watch. Screenshots of each page
/// are kept (<see cref="Screenshots"/>).
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class AccountsConsoleTests
{
    private static readonly PageWaitForFunctionOptions Polling = new() { PollingInterval = 200, Timeout = 30_000 };

    private static readonly Dictionary<string, string?> LoggedInOnly = new() { ["EDGEBOX_AUTH_ANONYMOUSROLE"] = "none" };

    private const string Config = """
        paths:
          demo: { source: testsrc, sourceOnDemand: true, testsrc: { size: 640x360, fps: 15, audio: false } }
          "~^live/.+$": { source: publisher }
        """;

    [Fact]
    public async Task A_new_user_sets_up_the_box_watches_live_and_adds_a_camera_from_the_console()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config, LoggedInOnly);
        // A "camera": ffmpeg publishing to live/src, which the console then adds as a pulled path.
        var camera = box.PublishTestPattern("live/src", seconds: 120);
        await box.Process.WaitForOutputAsync("is publishing to live/src", 30); // the API needs a login here
        Assert.False(camera.HasExited);

        await using var chromium = await HeadlessChromium.LaunchAsync("--autoplay-policy=no-user-gesture-required");
        await using var context = await NewContextAsync(chromium);
        var page = await context.NewPageAsync();
        var log = Watch(page);
        try
        {
            // First run: the setup page, the code from <data>/setup-code.
            await page.GotoAsync(box.Api.ToString());
            await Assertions.Expect(page.Locator("#page-setup")).ToBeVisibleAsync();
            await Screenshots.SaveAsync(page, "accounts-setup");
            string code = (await File.ReadAllTextAsync(Path.Combine(box.Directory.File("data"), "setup-code"))).Trim();
            await page.Locator("#setup-form").GetByLabel("Setup code", new() { Exact = true }).FillAsync("WRONG-CODE1");
            await page.Locator("#setup-form").GetByLabel("Administrator name", new() { Exact = true }).FillAsync("root");
            await page.Locator("#setup-form").GetByLabel("Password (at least 8 characters)", new() { Exact = true }).FillAsync("correct horse");
            await page.Locator("#setup-form").GetByLabel("Password again", new() { Exact = true }).FillAsync("correct horse");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create administrator" }).ClickAsync();
            await Assertions.Expect(page.Locator("#setup-error")).ToContainTextAsync("setup code is wrong");
            await page.Locator("#setup-form").GetByLabel("Setup code", new() { Exact = true }).FillAsync(code);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create administrator" }).ClickAsync();

            // The dashboard: the demo path's tile with a picture (the snapshot starts the on-demand test pattern).
            await Assertions.Expect(page.Locator("#user-name")).ToHaveTextAsync("root");
            await page.WaitForFunctionAsync("""
                () => [...document.querySelectorAll('#path-tiles .tile[data-path="demo"] img.thumb')].some(i => i.complete && i.naturalWidth >= 320)
                """, null, Polling);
            await Screenshots.SaveAsync(page, "accounts-dashboard");
            Assert.False(File.Exists(Path.Combine(box.Directory.File("data"), "setup-code")));

            // Live: WHEP plays with the session cookie.
            await page.Locator("#path-tiles .tile[data-path=\"demo\"]").GetByRole(AriaRole.Link, new() { Name = "watch" }).ClickAsync();
            await Assertions.Expect(page.Locator("#live-title")).ToHaveTextAsync("Live: demo");
            await page.WaitForFunctionAsync("() => Number(document.getElementById('live-frames').textContent) > 0", null, Polling);
            await Screenshots.SaveAsync(page, "accounts-live");

            // The path editor: a bad URL gets the validator's message beside the field, and nothing is saved.
            await page.GetByRole(AriaRole.Link, new() { Name = "Paths", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Add path" }).ClickAsync();
            var form = page.Locator("#pathedit-form");
            await form.GetByLabel("Name", new() { Exact = true }).FillAsync("cam1");
            await form.GetByLabel("Source", new() { Exact = true }).SelectOptionAsync("url");
            await form.GetByLabel("Source URL", new() { Exact = true }).FillAsync("rtsp://no such host/stream");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Assertions.Expect(page.Locator("#pe-source-error")).ToContainTextAsync("expected an rtsp:// or rtsps:// URL");
            await Assertions.Expect(form.GetByLabel("Source URL", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
            await Screenshots.SaveAsync(page, "accounts-paths-invalid");
            await Assertions.Expect(page.Locator("#pathcfg-rows")).Not.ToContainTextAsync("cam1");
            Assert.DoesNotContain("cam1", await File.ReadAllTextAsync(Path.Combine(box.Directory.Path, "edgebox.yml")), StringComparison.Ordinal);

            // A valid camera URL: saved, applied, listed, and the dashboard shows it live.
            await form.GetByLabel("Source URL", new() { Exact = true }).FillAsync($"{box.Rtsp}live/src");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Assertions.Expect(page.Locator("#pathcfg-rows tr", new() { HasText = "cam1" })).ToContainTextAsync("ready", new() { Timeout = 20_000 });
            Assert.Contains("cam1", await File.ReadAllTextAsync(Path.Combine(box.Directory.Path, "edgebox.yml")), StringComparison.Ordinal);
            await Screenshots.SaveAsync(page, "accounts-paths");
            await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#path-tiles .tile[data-path=\"cam1\"] .badge")).ToHaveTextAsync("ready");

            // A viewer for cam1 only, created through the admin API from this session.
            int created = await page.EvaluateAsync<int>("""
                async () => (await fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                  body: JSON.stringify({ name: 'vera', role: 'viewer', password: 'viewer pass 1', paths: ['cam1'], mustChangePassword: false }) })).status
                """);
            Assert.Equal(201, created);

            // Log out: the login page; a wrong password is refused; then the viewer logs in.
            await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
            await Assertions.Expect(page.Locator("#page-login")).ToBeVisibleAsync();
            await page.Locator("#login-form").GetByLabel("User name", new() { Exact = true }).FillAsync("vera");
            await page.Locator("#login-form").GetByLabel("Password", new() { Exact = true }).FillAsync("not her password");
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("wrong user name or password");
            await Screenshots.SaveAsync(page, "accounts-login");
            await page.Locator("#login-form").GetByLabel("Password", new() { Exact = true }).FillAsync("viewer pass 1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
            await Assertions.Expect(page.Locator("#user-name")).ToHaveTextAsync("vera");

            // The viewer sees cam1 only, no Paths/Models/System pages, and admin APIs answer 403.
            await Assertions.Expect(page.Locator("#path-tiles .tile[data-path=\"cam1\"]")).ToBeVisibleAsync();
            Assert.Equal(0, await page.Locator("#path-tiles .tile[data-path=\"demo\"]").CountAsync());
            foreach (string hidden in new[] { "Paths", "Models", "System" })
            {
                Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = hidden, Exact = true }).CountAsync());
            }

            await page.GotoAsync(new Uri(box.Api, "/#/system").ToString());
            await Assertions.Expect(page.Locator("#page-overview")).ToBeVisibleAsync();
            if (await page.Locator("#page-system").CountAsync() > 0)
            {
                await Assertions.Expect(page.Locator("#page-system")).ToBeHiddenAsync();
            }

            await Screenshots.SaveAsync(page, "accounts-viewer-dashboard");
            var statuses = await page.EvaluateAsync<int[]>("""
                async () => Promise.all(['/api/v1/config', '/api/v1/users', '/api/v1/tokens', '/api/v1/config/history', '/api/v1/paths/demo/snapshot.jpg']
                  .map(async (u) => (await fetch(u)).status))
                """);
            Assert.Equal([403, 403, 403, 403, 403], statuses);
        }
        catch (Exception ex)
        {
            await Screenshots.SaveAsync(page, "accounts-failure");
            throw new InvalidOperationException($"{ex.Message}\nbrowser log:\n{string.Join("\n", log)}\nserver:\n{box.Process.Output}", ex);
        }
    }

    private static async Task<IBrowserContext> NewContextAsync(HeadlessChromium chromium)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-GB",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(20_000);
        return context;
    }

    private static List<string> Watch(IPage page)
    {
        var log = new List<string>();
        page.Console += (_, message) => log.Add($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => log.Add("page error: " + error);
        return log;
    }
}
