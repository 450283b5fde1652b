using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The console's analytics pages in a real browser (Debian's headless Chromium through Playwright) against the
/// AOT binary: a user uploads the BlazeFace model on the models page, turns detection on for a path that shows
/// the astronaut portrait, and finds the face event with its picture on the events page.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class AnalyticsConsoleTests
{
    /// <summary>Conditions are polled on a timer: animation frames can stall in a headless page on a loaded machine.</summary>
    private static readonly PageWaitForFunctionOptions Polling = new() { PollingInterval = 200, Timeout = 30_000 };

    private const string Config = """
        paths:
          cam1: {}
        """;

    /// <summary>The newest face event's row has a picture that loaded (the crop from the API).</summary>
    private const string FaceRowWithPicture = """
        () => [...document.querySelectorAll('#ev-rows tr[data-label="face"] img.thumb')]
          .some(img => img.complete && img.naturalWidth > 0)
        """;

    [Fact]
    public async Task A_user_adds_the_blazeface_model_turns_on_detection_and_sees_a_face_event_with_its_snapshot()
    {
        Assert.True(File.Exists(RepoPaths.BlazeFaceBack), $"{RepoPaths.BlazeFaceBack} is missing: run ./build.sh setup");
        await using var box = await RtspTestServer.StartWithConfigAsync(Config);
        var publisher = box.PublishPicture("cam1", RepoPaths.Astronaut, seconds: 120);
        await box.WaitReadyAsync("cam1", publisher);

        await using var chromium = await HeadlessChromium.LaunchAsync();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-GB",
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        var log = new List<string>();
        page.Console += (_, message) => log.Add($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => log.Add("page error: " + error);

        try
        {
            await page.GotoAsync(box.Api.ToString());
            await page.GetByRole(AriaRole.Link, new() { Name = "Models", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#mdl-rows")).ToContainTextAsync("No models yet");

            // A file that is not a model: refused, and the page says why in the server's words.
            await page.Locator("#mdl-name").FillAsync("notamodel");
            await page.Locator("#mdl-adapter").SelectOptionAsync("blazeface");
            await page.Locator("#mdl-file").SetInputFilesAsync(RepoPaths.Astronaut);
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
            await Assertions.Expect(page.Locator("#mdl-upload-note")).ToContainTextAsync("Refused: HTTP 400");

            // The BlazeFace model, named face.
            await page.Locator("#mdl-name").FillAsync("face");
            await page.Locator("#mdl-adapter").SelectOptionAsync("blazeface");
            await page.Locator("#mdl-file").SetInputFilesAsync(RepoPaths.BlazeFaceBack);
            await page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();
            // A loaded CI machine may take more than the default 5 s to store the model and redraw the table.
            await Assertions.Expect(page.Locator("#mdl-upload-note")).ToContainTextAsync("Added face: blazeface", new() { Timeout = 20_000 });
            var model = page.Locator("#mdl-rows tr[data-model='face']");
            await Assertions.Expect(model).ToContainTextAsync("blazeface", new() { Timeout = 20_000 });
            await Assertions.Expect(page.Locator("#mdl-rows tr")).ToHaveCountAsync(1); // the refused one is not listed

            // Detection on for cam1 with the face model at 0.75.
            var cam1 = page.Locator("#det-rows tr[data-path='cam1']");
            await Assertions.Expect(cam1.Locator(".badge")).ToHaveTextAsync("off");
            await cam1.Locator("select[name='model']").SelectOptionAsync("face");
            await cam1.Locator("input[name='threshold']").FillAsync("0.75");
            await cam1.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
            await Assertions.Expect(cam1.Locator("[role='status']")).ToContainTextAsync("Detecting with face");
            await Assertions.Expect(cam1.Locator(".badge")).ToHaveTextAsync("running", new() { Timeout = 30_000 });
            await Assertions.Expect(cam1.GetByRole(AriaRole.Button, new() { Name = "Turn off" })).ToBeVisibleAsync();
            await Assertions.Expect(model).ToContainTextAsync("cam1"); // used by

            // The events page: a face event on cam1 whose picture loads; a click opens the full snapshot.
            await page.GetByRole(AriaRole.Link, new() { Name = "Events", Exact = true }).ClickAsync();
            await page.WaitForFunctionAsync(FaceRowWithPicture, null, Polling);
            var face = page.Locator("#ev-rows tr[data-label='face']").First;
            await Assertions.Expect(face).ToContainTextAsync("cam1");
            int score = int.Parse((await face.Locator("td").Nth(2).TextContentAsync())!.TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(score, 75, 100);
            await face.Locator("button.thumb-button").ClickAsync();
            await Assertions.Expect(page.Locator("#ev-dialog")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#ev-dialog-title")).ToContainTextAsync("face");
            await page.WaitForFunctionAsync(
                "() => { const img = document.getElementById('ev-full'); return img.complete && img.naturalWidth >= 640; }", null, Polling);
            Assert.Contains("/snapshot.jpg", await page.Locator("#ev-full").GetAttributeAsync("src"), StringComparison.Ordinal);
            await page.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
            await Assertions.Expect(page.Locator("#ev-dialog")).ToBeHiddenAsync();
            string first = (await face.GetAttributeAsync("data-id"))!;

            // Off and on again: the first event ends (its row, read again, gets an end) and a new one comes on top
            // (polled with since=), while the page keeps what it had.
            await page.GetByRole(AriaRole.Link, new() { Name = "Models", Exact = true }).ClickAsync();
            await cam1.GetByRole(AriaRole.Button, new() { Name = "Turn off" }).ClickAsync();
            await Assertions.Expect(cam1.Locator("[role='status']")).ToContainTextAsync("Detection off");
            await Assertions.Expect(cam1.Locator(".badge")).ToHaveTextAsync("off");
            await Assertions.Expect(cam1.GetByRole(AriaRole.Button, new() { Name = "Turn off" })).ToBeHiddenAsync();
            await Assertions.Expect(cam1.Locator("input[name='threshold']")).ToHaveValueAsync("0.75");
            await cam1.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
            await Assertions.Expect(cam1.Locator(".badge")).ToHaveTextAsync("running", new() { Timeout = 30_000 });
            await page.GetByRole(AriaRole.Link, new() { Name = "Events", Exact = true }).ClickAsync();
            await page.WaitForFunctionAsync("""
                first => {
                  const rows = [...document.querySelectorAll('#ev-rows tr[data-label="face"]')];
                  const old = rows.find(r => r.dataset.id === first);
                  const top = rows[0];
                  const img = top && top.querySelector('img.thumb');
                  return old && !old.textContent.includes('ongoing') && Number(top.dataset.id) > Number(first)
                    && img && img.complete && img.naturalWidth > 0;
                }
                """, first, Polling);

            // The label filter offers the model's label; the dashboard's path tile shows the objects in view.
            await page.Locator("#ev-label").SelectOptionAsync("face");
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/events\\?label=face$"));
            await page.WaitForFunctionAsync(FaceRowWithPicture, null, Polling);
            await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#path-tiles .tile", new() { HasText = "cam1" }))
                .ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"\d+ objects? now"));

            if (Environment.GetEnvironmentVariable("EDGEBOX_TEST_SCREENSHOTS") is { Length: > 0 } directory)
            {
                await page.GotoAsync(new Uri(box.Api, "/#/events").ToString());
                await page.WaitForFunctionAsync(FaceRowWithPicture, null, Polling);
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "events-page.png"), FullPage = true });
                await page.GotoAsync(new Uri(box.Api, "/#/models").ToString());
                await Assertions.Expect(page.Locator("#det-rows tr[data-path='cam1'] .badge")).ToHaveTextAsync("running");
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "models-page.png"), FullPage = true });
            }
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            string detect = await ApiTextAsync(box, "/api/v1/detect");
            string events = await ApiTextAsync(box, "/api/v1/events?type=detection&limit=5");
            throw new TimeoutException(
                $"{ex.Message}\n--- detect: {detect}\n--- events: {events}\n--- page:\n{string.Join('\n', log)}\n--- publisher: {publisher.StandardError}\n--- edgebox:\n{box.Process.Output}", ex);
        }
    }

    private static async Task<string> ApiTextAsync(RtspTestServer box, string path)
    {
        try
        {
            return await box.Http.GetStringAsync(new Uri(box.Api, path));
        }
        catch (HttpRequestException ex)
        {
            return "(" + ex.Message + ")";
        }
    }
}
