using System.Diagnostics;
using System.Net;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// What the uplink tests share: a box's config with an <c>uplink</c> section, the <c>edgebox fleet</c>
/// command line of the same AOT binary, the box's paths and events through its API, RTSP readers that
/// come and go (two events each: reader.joined, reader.left), and failure messages with both logs.
/// </summary>
internal static class UplinkFleet
{
    /// <summary>A test pattern small enough to cost next to nothing, always running: RTSP readers can join it at once.</summary>
    public const string PatternPath = "cam1: { source: testsrc, testsrc: { size: 160x120, fps: 5, bitrate: 100k, audio: false } }";

    /// <summary>
    /// A box's config: the broker (when given; the box tries again at least every 2 s, so a test does not
    /// wait out the default 30 s backoff), its id and groups, more <c>uplink</c> keys (YAML lines) and its
    /// own paths (YAML lines; none: one publisher path, <c>local1</c>).
    /// </summary>
    public static string Config(string? broker, string device, string groups = "[]", string uplink = "", string paths = "local1: { source: publisher }")
    {
        string mqtt = broker is null ? "" : $"  mqtt: {{ url: '{broker}', reconnectMaxDelay: 2s }}\n";
        string extra = uplink.Length == 0 ? "" : string.Join("", uplink.Split('\n').Select(line => "  " + line + "\n"));
        return $"uplink:\n{mqtt}  deviceId: {device}\n  groups: {groups}\n{extra}paths:\n  {paths}\n";
    }

    /// <summary>Runs <c>edgebox ARGS</c> (the binary the service tests run) to its end, within 60 s.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> CliAsync(params string[] arguments) =>
        await ExternalProcess.RunAsync(TimeSpan.FromSeconds(60), await AotBinary.PathAsync(), arguments);

    /// <summary><c>edgebox fleet list --json</c>: what the broker holds of each device (state, reported, telemetry).</summary>
    public static async Task<Dictionary<string, JsonElement>> ListAsync(MosquittoBroker broker)
    {
        var (code, output, errors) = await CliAsync("fleet", "list", "--json", "--broker", broker.Url);
        Assert.True(code == 0, $"edgebox fleet list exited {code}:\n{errors}\n{broker.Log}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToDictionary(device => device.GetProperty("device").GetString()!, StringComparer.Ordinal);
    }

    /// <summary>Lists the fleet until <paramref name="condition"/> holds for <paramref name="device"/>; returns its entry.</summary>
    public static async Task<JsonElement> WaitListedAsync(MosquittoBroker broker, string device, Func<JsonElement, bool> condition, TimeSpan timeout,
        Func<string> explain)
    {
        JsonElement? last = null;
        await WaitForAsync(async () =>
        {
            var devices = await ListAsync(broker);
            last = devices.TryGetValue(device, out var entry) ? entry : null;
            return last is { } e && condition(e);
        }, timeout, () => $"{device} as fleet list sees it: {last}\n{explain()}");
        return last!.Value;
    }

    /// <summary>Waits until the device's birth and first telemetry are retained: it is subscribed to its topics by then.</summary>
    public static Task<JsonElement> WaitOnlineAsync(MosquittoBroker broker, string device, Func<string> explain) =>
        WaitListedAsync(broker, device, d => Text(d, "state", "state") == "online" && d.GetProperty("telemetry").ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(30), explain);

    /// <summary>A string property two levels down (<c>state.state</c>, <c>reported.appliedVersion</c>), or null.</summary>
    public static string? Text(JsonElement device, string part, string name) =>
        device.TryGetProperty(part, out var value) && value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var text)
            && text.ValueKind == JsonValueKind.String ? text.GetString() : null;

    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> explain)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {explain()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The names of the box's paths (configured and active), from <c>GET /api/v1/paths</c>.</summary>
    public static async Task<List<string>> PathNamesAsync(HttpClient http, Uri api)
    {
        using var response = await http.GetAsync(new Uri(api, "/api/v1/paths"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()!).ToList();
    }

    /// <summary>Every event the box stored (<c>GET /api/v1/events</c>, page by page), oldest first.</summary>
    public static async Task<List<JsonElement>> StoredEventsAsync(HttpClient http, Uri api)
    {
        var events = new List<JsonElement>();
        while (true)
        {
            long since = events.Count == 0 ? 0 : events[^1].GetProperty("id").GetInt64();
            using var response = await http.GetAsync(new Uri(api, $"/api/v1/events?since={since}&limit=1000"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
            if (page.Count == 0)
            {
                return events;
            }

            events.AddRange(page);
        }
    }

    /// <summary>Waits until the test pattern path runs (RTSP readers can play it).</summary>
    public static Task WaitPatternAsync(RtspTestServer box) =>
        WaitForAsync(async () =>
        {
            using var response = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/paths/cam1"));
            return response.IsSuccessStatusCode
                && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString() == "ready";
        }, TimeSpan.FromSeconds(20), () => "the test pattern cam1 did not become ready:\n" + box.Process.Output);

    /// <summary>
    /// RTSP readers of <c>cam1</c> joining and leaving one after another (each: reader.joined, then reader.left)
    /// until <paramref name="cancellationToken"/> is cancelled or <paramref name="cycles"/> ran; returns how many ran.
    /// </summary>
    public static async Task<int> ChurnReadersAsync(Uri rtsp, CancellationToken cancellationToken, int cycles = int.MaxValue)
    {
        int done = 0;
        try
        {
            while (done < cycles)
            {
                using (var reader = await RawRtspClient.ConnectAsync(rtsp, cancellationToken))
                {
                    await reader.PlayAsync($"{rtsp}cam1", cancellationToken);
                }

                done++;
                await Task.Delay(200, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the test.
        }

        return done;
    }

    /// <summary>The ends of the box's log and the broker's, for a failure message.</summary>
    public static string Logs(EdgeBoxProcess box, MosquittoBroker? broker) =>
        $"--- edgebox ---\n{MqttSubscriber.Tail(box.Output, 8000)}" + (broker is null ? "" : $"\n--- mosquitto ---\n{MqttSubscriber.Tail(broker.Log, 6000)}");
}
