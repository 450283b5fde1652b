using Microsoft.Playwright;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// Screenshots of console pages kept as test artifacts: in <c>EDGEBOX_TEST_SCREENSHOTS</c> when set, else
/// <c>artifacts/screenshots/</c> in the repository (CI uploads that folder).
/// </summary>
internal static class Screenshots
{
    public static string Directory { get; } =
        Environment.GetEnvironmentVariable("EDGEBOX_TEST_SCREENSHOTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(RepoPaths.Root, "artifacts", "screenshots");

    public static async Task SaveAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Directory, name + ".png"), FullPage = true });
    }
}
