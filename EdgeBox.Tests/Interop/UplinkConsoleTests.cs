using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The uplink in the API and the console, against the AOT binary and a real Mosquitto broker: a box in fleet group
/// g1 takes the group's retained desired config, <c>GET /api/v1/uplink</c> shows the connection and the applied fleet
/// version, the dashboard's Uplink card shows them too (and follows the broker going away and coming back), and
/// every page, for every role, carries the "managed by the fleet" banner. A stand-alone box says "not configured".
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class UplinkConsoleTests
{
    private const string Desired = "version: \"1\"\ntarget: group/g1\nallowLocal: [log]\nconfig:\n  paths:\n    fleetcam: {}\n";

    private static string FleetConfig(MosquittoBroker broker) => $$"""
        log: { level: info }
        uplink:
          mqtt: { url: {{broker.Url}}, reconnectMaxDelay: 2s }
          deviceId: box-ui
          groups: [g1]
        paths:
          cam1: {}
        """ + "\n";

    private static async Task<JsonElement> GetAsync(RtspTestServer box, string route) =>
        JsonDocument.Parse(await box.Http.GetStringAsync(new Uri(box.Api, route))).RootElement.Clone();

    /// <summary>Reads <c>GET /api/v1/uplink</c> until <paramref name="done"/> holds (30 s at most).</summary>
    private static async Task<JsonElement> WaitUplinkAsync(RtspTestServer box, MosquittoBroker? broker, Func<JsonElement, bool> done, string what)
    {
        var clock = Stopwatch.StartNew();
        JsonElement uplink;
        do
        {
            uplink = await GetAsync(box, "/api/v1/uplink");
            if (done(uplink))
            {
                return uplink;
            }

            await Task.Delay(200);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(30));

        throw new TimeoutException($"uplink never {what}: {uplink}\n--- broker:\n{broker?.Log}\n--- edgebox:\n{box.Process.Output}");
    }

    [Fact]
    public async Task A_fleet_managed_box_shows_its_uplink_and_the_fleet_banner_to_every_role()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await broker.PublishAsync("edgebox/v1/groups/g1/config/desired", Desired);
        await using var box = await RtspTestServer.StartWithConfigAsync(FleetConfig(broker));

        var uplink = await WaitUplinkAsync(box, broker,
            u => u.GetProperty("connected").GetBoolean() && u.GetProperty("fleet").GetProperty("version").GetString() == "group/g1@1", "connected with group/g1@1");
        Assert.True(uplink.GetProperty("enabled").GetBoolean());
        Assert.Equal(["mqtt"], uplink.GetProperty("modes").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(broker.Url, uplink.GetProperty("broker").GetString());
        Assert.Equal(JsonValueKind.Null, uplink.GetProperty("configUrl").ValueKind);
        Assert.Equal("box-ui", uplink.GetProperty("deviceId").GetString());
        Assert.Equal(["g1"], uplink.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.True(uplink.GetProperty("connectedSince").GetDateTimeOffset() > TimeProvider.System.GetUtcNow().AddMinutes(-5));
        Assert.Equal(JsonValueKind.Null, uplink.GetProperty("lastError").ValueKind);
        var outbox = uplink.GetProperty("outbox");
        Assert.Equal(0, outbox.GetProperty("dropped").GetInt64());
        Assert.True(outbox.GetProperty("queued").GetInt64() >= 0 && outbox.GetProperty("acknowledged").GetInt64() >= 0);
        var fleet = uplink.GetProperty("fleet");
        Assert.True(fleet.GetProperty("managed").GetBoolean());
        var layer = Assert.Single(fleet.GetProperty("layers").EnumerateArray());
        Assert.Equal("group/g1", layer.GetProperty("name").GetString());
        Assert.Equal("1", layer.GetProperty("version").GetString());
        Assert.Equal(["log"], layer.GetProperty("allowLocal").EnumerateArray().Select(k => k.GetString()));
        var reported = uplink.GetProperty("lastReported");
        Assert.Equal("applied", reported.GetProperty("result").GetString());
        Assert.Equal("group/g1@1", reported.GetProperty("appliedVersion").GetString());
        Assert.Empty(reported.GetProperty("errors").EnumerateArray());
        Assert.Contains(reported.GetProperty("layers").EnumerateArray(), l => l.GetProperty("layer").GetString() == "group/g1" && l.GetProperty("status").GetString() == "applied");

        // What every role reads: the summary in GET /api/v1/info; the fleet's path runs beside the box's own.
        var info = (await GetAsync(box, "/api/v1/info")).GetProperty("fleet");
        Assert.True(info.GetProperty("managed").GetBoolean());
        Assert.Equal("group/g1@1", info.GetProperty("version").GetString());
        Assert.Equal(["log"], info.GetProperty("allowLocal").EnumerateArray().Select(k => k.GetString()));
        var paths = (await GetAsync(box, "/api/v1/paths")).GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("fleetcam", paths);
        Assert.Contains("cam1", paths);

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var log = new List<string>();
        var page = await chromium.NewConsolePageAsync(log);
        try
        {
            // The dashboard's Uplink card and the banner.
            await page.GotoAsync(box.Api.ToString());
            var card = page.Locator("#card-uplink");
            await Assertions.Expect(card).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#uplink-status")).ToHaveTextAsync("connected");
            var link = page.Locator("#uplink-link");
            await Assertions.Expect(link).ToContainTextAsync("connected since");
            await Assertions.Expect(link).ToContainTextAsync(broker.Url);
            await Assertions.Expect(link).ToContainTextAsync("box-ui");
            await Assertions.Expect(link).ToContainTextAsync("0 dropped");
            var applied = page.Locator("#uplink-fleet");
            await Assertions.Expect(applied).ToContainTextAsync("group/g1@1");
            await Assertions.Expect(applied).ToContainTextAsync("group/g1 @1 · the box may set: log");
            await Assertions.Expect(applied).ToContainTextAsync("applied at");
            var banner = page.Locator("#fleet-banner");
            await Assertions.Expect(banner).ToBeVisibleAsync();
            await Assertions.Expect(banner).ToContainTextAsync("This box's configuration is managed by the fleet (group/g1@1). Local edits apply only to keys the fleet allows: log");
            await Assertions.Expect(page.GetByRole(AriaRole.Note).Filter(new() { HasText = "managed by the fleet" })).ToHaveCountAsync(1);
            await Screenshots.SaveAsync(page, "uplink-dashboard");

            // The path editor: the banner on top, and again in the form.
            await page.GetByRole(AriaRole.Link, new() { Name = "Paths", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#pathcfg-rows")).ToContainTextAsync("cam1"); // the editor lists the box's own file: fleetcam is the fleet's
            await Assertions.Expect(banner).ToBeVisibleAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Add path" }).ClickAsync();
            await Assertions.Expect(page.Locator("#pathedit-fleet")).ToContainTextAsync("managed by the fleet (group/g1@1)");
            await Screenshots.SaveAsync(page, "uplink-paths-banner");

            // The broker goes away: the card says so; it comes back (retained config published again): connected.
            await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true }).ClickAsync();
            await broker.StopAsync();
            await Assertions.Expect(page.Locator("#uplink-status")).ToHaveTextAsync("disconnected", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("#uplink-status")).ToHaveClassAsync("badge failed");
            await Assertions.Expect(banner).ToBeVisibleAsync(); // the layers stay applied while the broker is away
            await broker.StartAsync();
            await broker.PublishAsync("edgebox/v1/groups/g1/config/desired", Desired);
            await Assertions.Expect(page.Locator("#uplink-status")).ToHaveTextAsync("connected", new() { Timeout = 30_000 });
            Assert.True((await GetAsync(box, "/api/v1/uplink")).GetProperty("connected").GetBoolean());

            // A viewer: the banner too, but no Uplink card (the route is for operators).
            var viewer = new { name = "watcher", role = "viewer", password = "correct horse battery", mustChangePassword = false };
            using (var added = await box.Http.PostAsJsonAsync(new Uri(box.Api, "/api/v1/users"), viewer))
            {
                Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
            }

            var viewerPage = await chromium.NewConsolePageAsync(log);
            await viewerPage.GotoAsync(box.Api.ToString());
            int status = await viewerPage.EvaluateAsync<int>("""
                async () => (await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                  body: JSON.stringify({ name: 'watcher', password: 'correct horse battery' }) })).status
                """);
            Assert.Equal(200, status);
            await viewerPage.ReloadAsync();
            await Assertions.Expect(viewerPage.Locator("#user-name")).ToHaveTextAsync("watcher");
            await Assertions.Expect(viewerPage.Locator("#fleet-banner")).ToContainTextAsync("managed by the fleet (group/g1@1)");
            await Assertions.Expect(viewerPage.Locator("#card-health")).ToBeVisibleAsync();
            await Assertions.Expect(viewerPage.Locator("#card-uplink")).ToBeHiddenAsync();
            Assert.Equal(403, await viewerPage.EvaluateAsync<int>("async () => (await fetch('/api/v1/uplink')).status"));
            await viewerPage.GetByRole(AriaRole.Link, new() { Name = "Recordings", Exact = true }).ClickAsync();
            await Assertions.Expect(viewerPage.Locator("#page-recordings")).ToBeVisibleAsync();
            await Assertions.Expect(viewerPage.Locator("#fleet-banner")).ToBeVisibleAsync();

            Assert.DoesNotContain(log, l => l.StartsWith("page error", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            throw new TimeoutException($"{ex.Message}\n--- page:\n{string.Join('\n', log)}\n--- broker:\n{broker.Log}\n--- edgebox:\n{box.Process.Output}", ex);
        }
    }

    [Fact]
    public async Task Without_an_uplink_the_api_says_disabled_and_the_console_not_configured()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("paths:\n  cam1: {}\n");

        var uplink = await WaitUplinkAsync(box, null, u => u.GetProperty("lastError").GetString() == "no uplink configured", "settled as stand-alone");
        Assert.False(uplink.GetProperty("enabled").GetBoolean());
        Assert.Empty(uplink.GetProperty("modes").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, uplink.GetProperty("broker").ValueKind);
        Assert.Equal(JsonValueKind.Null, uplink.GetProperty("configUrl").ValueKind);
        Assert.False(uplink.GetProperty("connected").GetBoolean());
        Assert.Equal(JsonValueKind.Null, uplink.GetProperty("lastSync").ValueKind);
        Assert.False(uplink.GetProperty("fleet").GetProperty("managed").GetBoolean());
        Assert.Equal("", uplink.GetProperty("fleet").GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Null, uplink.GetProperty("lastReported").ValueKind);
        Assert.False(string.IsNullOrEmpty(uplink.GetProperty("deviceId").GetString()));
        Assert.False((await GetAsync(box, "/api/v1/info")).GetProperty("fleet").GetProperty("managed").GetBoolean());

        await using var chromium = await HeadlessChromium.LaunchAsync();
        var log = new List<string>();
        var page = await chromium.NewConsolePageAsync(log);
        try
        {
            await page.GotoAsync(box.Api.ToString());
            await Assertions.Expect(page.Locator("#uplink-status")).ToHaveTextAsync("not configured");
            await Assertions.Expect(page.Locator("#uplink-note")).ToContainTextAsync("Not configured: this box runs stand-alone");
            await Assertions.Expect(page.Locator("#uplink-fleet")).ToContainTextAsync("none (local configuration only)");
            await Assertions.Expect(page.Locator("#system")).ToContainTextAsync("Native AOT"); // GET /api/v1/info was read: the banner had its answer
            await Assertions.Expect(page.Locator("#fleet-banner")).ToBeHiddenAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "Paths", Exact = true }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Add path" }).ClickAsync();
            await Assertions.Expect(page.Locator("#pathedit-fleet")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("#fleet-banner")).ToBeHiddenAsync();
            await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("#card-uplink")).ToBeVisibleAsync();
            await Screenshots.SaveAsync(page, "uplink-not-configured");
            Assert.DoesNotContain(log, l => l.StartsWith("page error", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            throw new TimeoutException($"{ex.Message}\n--- page:\n{string.Join('\n', log)}\n--- edgebox:\n{box.Process.Output}", ex);
        }
    }
}
