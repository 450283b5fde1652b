using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The console's recordings page in a real browser (Debian's headless Chromium through Playwright) against the
/// AOT binary: a user finds the recorded path, sees its span on the day's timeline, clicks it, and the
/// <c>&lt;video&gt;</c> element plays the recording.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class RecordingConsoleTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Conditions are polled on a timer: animation frames can stall in a headless page on a loaded machine.</summary>
    private static readonly PageWaitForFunctionOptions Polling = new() { PollingInterval = 100 };

    private const string Config = """
        paths:
          cam1: { record: true, recordSegmentDuration: 10s, recordPartDuration: 1s }
        """;

    private const string VideoState = """
        () => {
          const v = document.getElementById('rec-video');
          const q = v.getVideoPlaybackQuality();
          return JSON.stringify({ src: v.currentSrc, currentTime: v.currentTime, paused: v.paused, ended: v.ended,
            readyState: v.readyState, networkState: v.networkState, error: v.error && (v.error.message || v.error.code),
            frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, note: document.getElementById('rec-note').textContent,
            clock: document.getElementById('rec-clock').dataset.utc || null });
        }
        """;

    [Fact]
    public async Task A_user_finds_a_recorded_path_clicks_its_span_on_the_timeline_and_the_video_plays()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config);
        var publisher = box.PublishTestPattern("cam1", seconds: 12, audio: true);
        await box.WaitReadyAsync("cam1", publisher);
        await Task.Delay(TimeSpan.FromSeconds(4));
        using (var clip = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/paths/cam1/record"),
            new StringContent("""{"duration": 2, "preRoll": 2, "reason": "doorbell"}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, clip.StatusCode);
        }

        Assert.True(await publisher.WaitForExitAsync(Bound), "the publisher did not finish");
        var (spanStart, spanEnd) = await WaitForClosedRecordingAsync(box);

        // A time zone off UTC by a half hour, so local days and hours are really computed, not UTC by accident;
        // of two, the one whose midnight is not now, so the recording lies within one local day.
        string zone = Math.Abs((spanEnd.UtcDateTime.TimeOfDay - TimeSpan.FromHours(18.5)).TotalMinutes) > 10 ? "Asia/Kolkata" : "America/St_Johns";
        var local = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var offset = local.GetUtcOffset(spanEnd);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            TimezoneId = zone,
            Locale = "en-GB",
            ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        var log = new List<string>();
        page.Console += (_, message) => log.Add($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => log.Add("page error: " + error);

        try
        {
            // From the overview, through the navigation, to the path.
            await page.GotoAsync(box.Api.ToString());
            await page.GetByRole(AriaRole.Link, new() { Name = "Recordings", Exact = true }).ClickAsync();
            var row = page.Locator("#rec-rows tr", new() { HasText = "cam1" });
            await Assertions.Expect(row).ToContainTextAsync(new Regex(@"\d (KiB|MiB)"));
            await row.GetByRole(AriaRole.Link, new() { Name = "cam1", Exact = true }).ClickAsync();

            // The day's timeline: one recorded span, the one the API reports, on today's (local) date.
            var span = page.Locator("#rec-track .span");
            await Assertions.Expect(span).ToHaveCountAsync(1);
            AssertSameMillisecond(spanStart, await span.GetAttributeAsync("data-start"));
            AssertSameMillisecond(spanEnd, await span.GetAttributeAsync("data-end"));
            Assert.Equal(TimeZoneInfo.ConvertTime(spanEnd, local).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                await page.Locator("#rec-day").InputValueAsync());
            string utcOffset = $"(UTC{(offset < TimeSpan.Zero ? "\u2212" : "+")}{offset:hh\\:mm})";
            await Assertions.Expect(page.Locator("#rec-zone")).ToContainTextAsync(utcOffset); // not the zone's name: ICU may say Asia/Calcutta
            await Assertions.Expect(page.Locator("#rec-summary")).ToContainTextAsync("recorded in 1 span");
            await Assertions.Expect(page.Locator("#rec-clips li")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#rec-clips li")).ToContainTextAsync("doorbell · kept");

            // Click the span: the player loads the download URL for a window from there and plays it.
            await span.ClickAsync();
            await page.WaitForFunctionAsync("() => { const v = document.getElementById('rec-video'); return v.error !== null || (!v.paused && v.readyState >= 3); }", null, Polling);
            double started = await page.EvaluateAsync<double>("() => document.getElementById('rec-video').currentTime");
            await page.WaitForFunctionAsync(
                "t0 => { const v = document.getElementById('rec-video'); return v.error !== null || v.ended || (v.currentTime > t0 + 2.5 && v.getVideoPlaybackQuality().totalVideoFrames > 30); }",
                started, Polling);

            var state = JsonDocument.Parse(await page.EvaluateAsync<string>(VideoState)).RootElement;
            Assert.True(state.GetProperty("error").ValueKind == JsonValueKind.Null, "video error: " + state);
            Assert.False(state.GetProperty("ended").GetBoolean(), "the video ended before playing 2.5 s: " + state);
            Assert.True(state.GetProperty("frames").GetInt32() > 30, state.ToString());
            Assert.Contains("/api/v1/recordings/cam1/download?from=", state.GetProperty("src").GetString(), StringComparison.Ordinal);
            Assert.Contains("&inline=1", state.GetProperty("src").GetString(), StringComparison.Ordinal);
            Assert.Equal("", state.GetProperty("note").GetString()); // no "nothing recorded", no error

            // The wall clock shown is inside the recording, and the links offer the same range.
            var watching = Time(state.GetProperty("clock").GetString());
            // Up to half a second past the span's end: the last picture lasts a frame, and audio may run a little longer.
            Assert.True(watching >= spanStart.AddSeconds(2) && watching <= spanEnd.AddSeconds(0.5), $"watching {watching:O}, span {spanStart:O} - {spanEnd:O}: {state}");
            string? download = await page.Locator("#rec-download").GetAttributeAsync("href");
            Assert.StartsWith("/api/v1/recordings/cam1/download?from=", download, StringComparison.Ordinal);
            Assert.DoesNotContain("inline", download, StringComparison.Ordinal);
            Assert.StartsWith("/api/v1/recordings/cam1/index.m3u8?from=", await page.Locator("#rec-hls").GetAttributeAsync("href"), StringComparison.Ordinal);
            Assert.Contains("#/recordings/cam1?t=", page.Url, StringComparison.Ordinal); // a link to this moment

            // The hour bar below is to scale (its part of the span, if the span crosses the hour): a click in the
            // middle of the span plays from that very time.
            var closer = page.Locator("#rec-zoom-track .span");
            await Assertions.Expect(closer).ToHaveCountAsync(1);
            var (part, partEnd) = (Time(await closer.GetAttributeAsync("data-start")), Time(await closer.GetAttributeAsync("data-end")));
            // The span is a few pixels wide on the hour bar: a click in its middle may fall within a pixel of its
            // start and snap to it, which loads the range already playing again (the same URL). So a load is
            // counted by the player's loadstart events, not seen as a new URL.
            await page.EvaluateAsync("() => { window.loads = 0; document.getElementById('rec-video').addEventListener('loadstart', () => window.loads++); }");
            for (int attempt = 1; ; attempt++)
            {
                // The bars are drawn again each minute: a click that lands as they are replaced is clicked again.
                var middle = await closer.BoundingBoxAsync() ?? throw new InvalidOperationException("the hour bar's span has no box");
                await page.Mouse.ClickAsync(middle.X + (middle.Width / 2), middle.Y + (middle.Height / 2));
                try
                {
                    // The page first asks the API for one byte of the range (a loaded CI machine can take seconds).
                    await page.WaitForFunctionAsync("() => window.loads > 0", null, new PageWaitForFunctionOptions { PollingInterval = 100, Timeout = 10_000 });
                    break;
                }
                catch (TimeoutException) when (attempt < 3)
                {
                }
            }

            // Played: playing now, or (a short window on a loaded machine) already played to its end.
            await page.WaitForFunctionAsync("() => { const v = document.getElementById('rec-video'); return v.readyState >= 2 && (!v.paused || v.ended); }", null, Polling);
            string url = await page.EvaluateAsync<string>("() => document.getElementById('rec-video').currentSrc");
            var from = Time(Uri.UnescapeDataString(Regex.Match(url, "from=([^&]+)").Groups[1].Value));
            Assert.True(from >= part && from <= partEnd, $"plays from {from:O}, the hour bar's part of the span is {part:O} - {partEnd:O}");

            if (Environment.GetEnvironmentVariable("EDGEBOX_TEST_SCREENSHOTS") is { Length: > 0 } directory)
            {
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "recordings-page.png"), FullPage = true });
            }
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            string state;
            try
            {
                state = await page.EvaluateAsync<string>(VideoState);
            }
            catch (PlaywrightException unavailable)
            {
                state = "(the page did not answer: " + unavailable.Message + ")";
            }

            throw new TimeoutException($"{ex.Message}\nvideo: {state}\n{string.Join('\n', log)}\n--- edgebox:\n{box.Process.Output}", ex);
        }
    }

    private static DateTimeOffset Time(string? text) => DateTimeOffset.Parse(text ?? "(none)", CultureInfo.InvariantCulture);

    /// <summary>JavaScript dates keep milliseconds; the API's times have more digits.</summary>
    private static void AssertSameMillisecond(DateTimeOffset expected, string? actual)
    {
        var parsed = Time(actual);
        Assert.True((parsed - expected).Duration() < TimeSpan.FromMilliseconds(1), $"{actual} is not {expected:O}");
    }

    /// <summary>Waits, through the API, until cam1's segments are all closed; returns its one span.</summary>
    private static async Task<(DateTimeOffset Start, DateTimeOffset End)> WaitForClosedRecordingAsync(RtspTestServer box)
    {
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < Bound)
        {
            using var response = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam1"));
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                var json = JsonDocument.Parse(last).RootElement;
                var spans = json.GetProperty("spans");
                if (spans.GetArrayLength() == 1 && json.GetProperty("segments").EnumerateArray().All(s => s.GetProperty("complete").GetBoolean()))
                {
                    var (start, end) = (spans[0].GetProperty("start").GetDateTimeOffset(), spans[0].GetProperty("end").GetDateTimeOffset());
                    Assert.True(end - start > TimeSpan.FromSeconds(8), last);
                    return (start, end);
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"cam1's recording did not close within {Bound.TotalSeconds} s: {last}\n{box.Process.Output}");
    }
}
