using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Accessibility basics of the console in headless Chromium: every form control of every page has an accessible
/// name (a label, aria-label or aria-labelledby), and the main pages can be reached and used with the keyboard alone.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class ConsoleAccessibilityTests
{
    /// <summary>The visible controls without a name, as "page: #id or tag" (empty when all are labelled).</summary>
    private const string Unlabelled = """
        () => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
          .filter(e => e.offsetParent !== null)
          .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
                         || (e.tagName === 'BUTTON' && e.textContent.trim())))
          .map(e => (e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '')))
        """;

    [Fact]
    public async Task Every_control_has_a_name_and_the_pages_work_from_the_keyboard()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("""
            paths:
              demo: { source: testsrc, sourceOnDemand: true, testsrc: { size: 320x240, fps: 10, audio: false } }
            """);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(box.Api.ToString());
        await Assertions.Expect(page.Locator("#path-tiles .tile")).Not.ToHaveCountAsync(0);

        var missing = new List<string>();
        foreach (string route in new[] { "#/", "#/live", "#/paths", "#/recordings", "#/events", "#/models", "#/system" })
        {
            await page.EvaluateAsync("r => { location.hash = r; }", route);
            await page.WaitForTimeoutAsync(700);
            if (route == "#/paths")
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Add path" }).ClickAsync(); // the form's fields too
            }

            missing.AddRange((await page.EvaluateAsync<string[]>(Unlabelled)).Select(id => $"{route}: {id}"));
        }

        Assert.True(missing.Count == 0, "controls without an accessible name:\n" + string.Join("\n", missing));

        // Keyboard only: the skip link comes first, then the navigation; Enter on "Paths" opens the path editor,
        // and Tab reaches its Add button, which opens the form with the focus in its first field.
        await page.GotoAsync(box.Api.ToString());
        await Assertions.Expect(page.Locator("#path-tiles .tile")).Not.ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        for (int i = 0; i < 10 && await page.EvaluateAsync<string>("() => document.activeElement.textContent") != "Paths"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#page-paths")).ToBeVisibleAsync();
        for (int i = 0; i < 30 && await page.EvaluateAsync<string>("() => document.activeElement.id") != "pathcfg-add"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("pe-name", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Escape");
        await Screenshots.SaveAsync(page, "accessibility-paths-keyboard");
    }
}
