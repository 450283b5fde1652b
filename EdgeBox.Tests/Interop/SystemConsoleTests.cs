using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The console's System page in a real browser (Debian's headless Chromium through Playwright) against the AOT
/// binary: an admin edits the YAML, sees the diff, saves it live, is stopped by a broken edit and by someone
/// else's change, rolls back from the history, creates an API token that is shown once, adds a user and reads
/// the log.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class SystemConsoleTests
{
    private const string Config = """
        # System page test
        log: { level: info }
        paths:
          cam1: { maxReaders: 10 }
        """ + "\n";

    private static async Task<IReadOnlyList<string?>> PathNamesAsync(RtspTestServer box)
    {
        var paths = JsonDocument.Parse(await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/paths"))).RootElement;
        return paths.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
    }

    [Fact]
    public async Task An_admin_edits_validates_saves_rolls_back_creates_a_token_and_reads_the_log()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var log = new List<string>();
        var page = await chromium.NewConsolePageAsync(log);
        page.Dialog += async (_, dialog) =>
        {
            log.Add("dialog: " + dialog.Message);
            await dialog.AcceptAsync();
        };

        try
        {
            await page.GotoAsync(box.Api.ToString());
            await page.GetByRole(AriaRole.Link, new() { Name = "System", Exact = true }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("#/system$"));
            var yaml = page.GetByLabel("YAML of the running configuration");
            await Assertions.Expect(yaml).ToHaveValueAsync(new Regex("cam1: \\{ maxReaders: 10 \\}"));
            string running = await yaml.InputValueAsync();
            Assert.Equal(Config, running);
            await Assertions.Expect(page.Locator("#sys-gutter")).ToContainTextAsync("5");

            // The diff module: an LCS line diff in unified hunks.
            string hunks = await page.EvaluateAsync<string>("""
                async () => {
                  const { lineDiff, hunks } = await import('/ui/diff.js');
                  return hunks(lineDiff('a\nb\nc\nd\n', 'a\nc\nx\nd\n'), 1).map(h => [h.header, ...h.lines.map(l => l.op + l.text)].join('|')).join(' ');
                }
                """);
            Assert.Equal("@@ -1,4 +1,4 @@| a|-b| c|+x| d", hunks);

            // An edit: cam1 changes, cam2 is added. Validate lists the changes and shows the diff; nothing is applied.
            string edited = running.Replace("maxReaders: 10", "maxReaders: 3", StringComparison.Ordinal) + "  cam2: { record: false }\n";
            await yaml.FillAsync(edited);
            await page.GetByRole(AriaRole.Button, new() { Name = "Validate" }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-config-status")).ToContainTextAsync("Valid.");
            await Assertions.Expect(page.Locator("#sys-changes")).ToContainTextAsync("paths.cam1 changed");
            await Assertions.Expect(page.Locator("#sys-changes")).ToContainTextAsync("paths.cam2 added");
            await Assertions.Expect(page.Locator("#sys-diff span.del")).ToHaveTextAsync(["-  cam1: { maxReaders: 10 }"]);
            await Assertions.Expect(page.Locator("#sys-diff span.add")).ToHaveTextAsync(["+  cam1: { maxReaders: 3 }", "+  cam2: { record: false }"]);
            Assert.DoesNotContain("cam2", await PathNamesAsync(box));

            // Save applies it live.
            await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-config-status")).ToContainTextAsync("Saved as version 2");
            Assert.Contains("cam2", await PathNamesAsync(box));
            Assert.Equal(edited, await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/config?format=yaml")));
            await Assertions.Expect(page.Locator("#sys-history-rows tr[data-version='2']")).ToContainTextAsync("running");

            // A broken edit: every error with its line (a click moves the cursor there); Save saves nothing.
            string broken = edited + "  cam3: { source: 'ftp://x' }\nbogus: 1\n";
            await yaml.FillAsync(broken);
            await yaml.PressAsync("Control+Enter"); // validates from the keyboard
            var errors = page.Locator("#sys-config-errors");
            await Assertions.Expect(errors).ToContainTextAsync("paths.cam3.source");
            await Assertions.Expect(errors).ToContainTextAsync("bogus: unknown key");
            await Assertions.Expect(page.Locator("#sys-config-result")).ToBeHiddenAsync();
            await errors.GetByRole(AriaRole.Button, new() { Name = "Line 7" }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-cursor")).ToHaveTextAsync("Line 7, column 1");
            await Assertions.Expect(yaml).ToBeFocusedAsync();
            await Screenshots.SaveAsync(page, "system-config-errors");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-config-status")).ToContainTextAsync("Not saved: 2 errors");
            Assert.DoesNotContain("cam3", await PathNamesAsync(box));
            Assert.Equal(edited, await box.Http.GetStringAsync(new Uri(box.Api, "/api/v1/config?format=yaml")));

            // Someone else saves meanwhile: the page says so; Save is refused (412) and offers to reload theirs.
            using (var theirs = new StringContent(edited + "  cam4: {}\n", Encoding.UTF8, "application/yaml"))
            {
                using var response = await box.Http.PutAsync(new Uri(box.Api, "/api/v1/config"), theirs);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await Assertions.Expect(page.Locator("#sys-config-status")).ToContainTextAsync("changed (now version 3)");
            await yaml.FillAsync(edited + "  cam5: {}\n");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
            await Assertions.Expect(errors).ToContainTextAsync("Someone else changed the configuration");
            Assert.DoesNotContain("cam5", await PathNamesAsync(box));
            await errors.GetByRole(AriaRole.Button, new() { Name = "Reload the running configuration" }).ClickAsync();
            await Assertions.Expect(yaml).ToHaveValueAsync(new Regex("cam4: \\{\\}"));

            // History: version 1's diff against the running config, then a rollback to it (applied, a new version).
            var v1 = page.Locator("#sys-history-rows tr[data-version='1']");
            await v1.GetByRole(AriaRole.Button, new() { Name = "View version 1" }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-version-title")).ToHaveTextAsync("Version 1");
            await Assertions.Expect(page.Locator("#sys-version-diff span.add")).ToHaveTextAsync(["+  cam1: { maxReaders: 10 }"]);
            await Assertions.Expect(page.Locator("#sys-version-diff span.del")).ToHaveTextAsync(
                ["-  cam1: { maxReaders: 3 }", "-  cam2: { record: false }", "-  cam4: {}"]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Roll back to this version" }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-history-status")).ToContainTextAsync("applied as version 4");
            Assert.Equal(["cam1"], await PathNamesAsync(box));
            await Assertions.Expect(yaml).ToHaveValueAsync(Config); // the unedited editor follows the running config
            await Assertions.Expect(page.Locator("#sys-history-rows tr[data-version='4']")).ToContainTextAsync("running");

            // An API token, shown once, that works; hidden for good afterwards.
            await page.Locator("#sys-token-name").FillAsync("ci-token");
            await page.Locator("#sys-token-role").SelectOptionAsync("viewer");
            await page.GetByLabel("Expires in days").FillAsync("30");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
            var secretBox = page.GetByLabel("New token");
            await Assertions.Expect(secretBox).ToHaveValueAsync(new Regex("^ebx_"));
            await Assertions.Expect(page.Locator("#sys-token-new")).ToContainTextAsync("shown only this once");
            string secret = await secretBox.InputValueAsync();
            await Assertions.Expect(page.Locator("#sys-tokens-rows")).ToContainTextAsync("ci-token");
            using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(box.Api, "/api/v1/paths")))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                using var response = await box.Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await page.GetByRole(AriaRole.Button, new() { Name = "Done, hide it" }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-token-new")).ToBeHiddenAsync();
            Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, await page.EvaluateAsync<string>("() => document.getElementById('sys-token-secret').value"), StringComparison.Ordinal);

            // A user: added with a viewer path, then made an operator.
            await page.Locator("#sys-user-name").FillAsync("alice");
            await page.Locator("#sys-user-role").SelectOptionAsync("viewer");
            await page.Locator("#sys-user-password").FillAsync("correct horse battery");
            await page.Locator("#sys-user-paths").FillAsync("cam1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
            var alice = page.Locator("#sys-users-rows tr[data-user='alice']");
            await Assertions.Expect(alice).ToContainTextAsync("viewer");
            await Assertions.Expect(alice).ToContainTextAsync("must change");
            await alice.GetByRole(AriaRole.Button, new() { Name = "Edit alice" }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-user-edit-role")).ToBeFocusedAsync();
            await page.Locator("#sys-user-edit-role").SelectOptionAsync("operator");
            await page.Locator("#sys-user-edit-paths").FillAsync("");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
            await Assertions.Expect(alice).ToContainTextAsync("operator");
            await Assertions.Expect(alice).ToContainTextAsync("all paths");

            // The log: recent lines, newest last; the level filter keeps only errors (the refused save logged some).
            var lines = page.Locator("#sys-logs .sys-log");
            await Assertions.Expect(page.Locator("#sys-logs")).ToContainTextAsync("Configuration version 4 applied");
            Assert.True(await lines.CountAsync() > 5);
            await page.Locator("#sys-logs-level").SelectOptionAsync("error");
            await Assertions.Expect(page.Locator("#sys-logs .sys-log:not(.error)")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("#sys-logs")).ToContainTextAsync("rejected");
            Assert.True(await lines.CountAsync() >= 3); // "rejected with 2 error(s)" and the two errors

            // About: what the box runs on.
            await Assertions.Expect(page.Locator("#sys-about")).ToContainTextAsync("Native AOT");
            await Assertions.Expect(page.Locator("#sys-about")).ToContainTextAsync("yes");
            await Assertions.Expect(page.Locator("#sys-onnx")).ToContainTextAsync("CPUExecutionProvider");
            await Assertions.Expect(page.Locator("#sys-ffmpeg")).ToContainTextAsync("libavcodec");

            await page.Locator("#sys-logs-level").SelectOptionAsync("trace");
            await page.GotoAsync(new Uri(box.Api, "/#/system/config").ToString());
            await Assertions.Expect(yaml).ToHaveValueAsync(Config);
            await yaml.FillAsync(edited);
            await page.GetByRole(AriaRole.Button, new() { Name = "Validate" }).ClickAsync();
            await Assertions.Expect(page.Locator("#sys-diff span.add")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("#sys-about")).ToContainTextAsync("Native AOT");
            await page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await Screenshots.SaveAsync(page, "system-page");

            Assert.DoesNotContain(log, l => l.StartsWith("page error", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            throw new TimeoutException($"{ex.Message}\n--- page:\n{string.Join('\n', log)}\n--- edgebox:\n{box.Process.Output}", ex);
        }
    }

    [Fact]
    public async Task A_viewer_gets_no_system_link_and_no_admin_route_is_called()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config, new Dictionary<string, string?> { ["EDGEBOX_AUTH_ANONYMOUSROLE"] = "viewer" });
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var log = new List<string>();
        var page = await chromium.NewConsolePageAsync(log);
        var called = new List<string>();
        page.Request += (_, request) => called.Add(request.Url);

        await page.GotoAsync(new Uri(box.Api, "/#/system").ToString());

        await Assertions.Expect(page.Locator("#page-overview")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#page-system")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#nav-system")).ToBeHiddenAsync();
        await page.WaitForTimeoutAsync(3500); // a system page would have refreshed by now
        Assert.DoesNotContain(called, url => url.Contains("/api/v1/config", StringComparison.Ordinal) || url.Contains("/api/v1/logs", StringComparison.Ordinal)
            || url.Contains("/api/v1/users", StringComparison.Ordinal) || url.Contains("/api/v1/tokens", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.StartsWith("page error", StringComparison.Ordinal));
    }
}
