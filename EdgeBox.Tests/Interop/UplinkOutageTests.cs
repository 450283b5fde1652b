using System.Text.Json;
using EdgeBox.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The uplink's event outbox across broker outages (Mosquitto killed and started again on the same port)
/// and a box restart while offline: what the box stored reaches the fleet once the broker is back, in
/// order and without gaps (duplicates allowed: de-duplicated by id), and a full outbox drops its oldest
/// events and says how many. Events come from RTSP readers joining and leaving a tiny test pattern.
/// The subscriber keeps a persistent session, so nothing published while it reconnects is lost to it.
/// </summary>
public sealed class UplinkOutageTests(ITestOutputHelper testOutput) : IClassFixture<AotBinaryPublished>
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);

    /// <summary>One message on <c>.../events</c>: outbox id, drop count, and the event's own id and type.</summary>
    private sealed record Delivered(long Id, string Device, long Dropped, long EventId, string Type)
    {
        public static Delivered From(MqttMessage message)
        {
            var json = message.Json;
            var item = json.GetProperty("event");
            return new Delivered(json.GetProperty("id").GetInt64(), json.GetProperty("device").GetString()!, json.GetProperty("dropped").GetInt64(),
                item.GetProperty("id").GetInt64(), item.GetProperty("type").GetString()!);
        }
    }

    private static List<Delivered> Parse(IEnumerable<MqttMessage> messages) => messages.Select(Delivered.From).ToList();

    /// <summary>First copies only, in arrival order.</summary>
    private static List<Delivered> Distinct(List<Delivered> delivered) => delivered.DistinctBy(d => d.Id).ToList();

    /// <summary>Waits until every event the box stored has arrived on the events topic; returns what arrived and what was stored.</summary>
    private static async Task<(List<Delivered> Delivered, List<JsonElement> Stored)> WaitDeliveredAsync(MqttSubscriber events, HttpClient http, Uri api,
        TimeSpan timeout, Func<string> explain)
    {
        List<JsonElement> stored = [];
        List<Delivered> delivered = [];
        await UplinkFleet.WaitForAsync(async () =>
        {
            stored = await UplinkFleet.StoredEventsAsync(http, api);
            delivered = Parse(events.Messages);
            var ids = delivered.Select(d => d.EventId).ToHashSet();
            return stored.All(e => ids.Contains(e.GetProperty("id").GetInt64()));
        }, timeout, () =>
        {
            var ids = delivered.Select(d => d.EventId).ToHashSet();
            var missing = stored.Select(e => e.GetProperty("id").GetInt64()).Where(id => !ids.Contains(id)).ToList();
            return $"{missing.Count} of {stored.Count} stored events did not arrive ({string.Join(",", missing.Take(20))}...); {delivered.Count} messages\n"
                + $"{MqttSubscriber.Tail(events.Output, 3000)}\n{explain()}";
        });
        return (delivered, stored);
    }

    /// <summary>Every outbox id from 1 up arrived, in increasing order without gaps; each stored event exactly once.</summary>
    private void AssertComplete(List<Delivered> delivered, List<JsonElement> stored, string explain)
    {
        var distinct = Distinct(delivered);
        testOutput.WriteLine($"{stored.Count} events stored, {delivered.Count} messages, {distinct.Count} distinct ids");
        Assert.True(distinct.Select(d => d.Id).SequenceEqual(Enumerable.Range(1, distinct.Count).Select(i => (long)i)),
            $"outbox ids not 1..{distinct.Count} in order: {string.Join(",", distinct.Select(d => d.Id))}\n{explain}");
        Assert.Equal(stored.Select(e => e.GetProperty("id").GetInt64()).Order(), distinct.Select(d => d.EventId).Order());
        Assert.All(distinct, d => Assert.Equal(0, d.Dropped));
    }

    [Fact(Timeout = 240_000)]
    public async Task Events_made_during_a_60_s_broker_outage_all_arrive_after_it_in_order_without_gaps()
    {
        await using var broker = await MosquittoBroker.StartAsync(persist: true);
        await using var events = await MqttSubscriber.StartAsync(broker, "edgebox/v1/devices/box-o/events", "uplink-outage-events");
        await using var box = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-o", paths: UplinkFleet.PatternPath));
        string Logs() => UplinkFleet.Logs(box.Process, broker);
        await UplinkFleet.WaitPatternAsync(box);
        await UplinkFleet.WaitOnlineAsync(broker, "box-o", Logs);

        // Connected: events go out as they happen.
        await UplinkFleet.ChurnReadersAsync(box.Rtsp, CancellationToken.None, cycles: 5);
        var (_, before) = await WaitDeliveredAsync(events, box.Http, box.Api, TimeSpan.FromSeconds(20), Logs);

        // The broker goes away for a minute while readers keep coming and going; it comes back while they still do.
        await broker.StopAsync();
        using var churning = new CancellationTokenSource();
        var churn = UplinkFleet.ChurnReadersAsync(box.Rtsp, churning.Token);
        await Task.Delay(Outage);
        int during = (await UplinkFleet.StoredEventsAsync(box.Http, box.Api)).Count - before.Count;
        await broker.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await churning.CancelAsync();
        Assert.True(await churn > 50, "too few readers came and went:\n" + Logs());

        var (delivered, stored) = await WaitDeliveredAsync(events, box.Http, box.Api, TimeSpan.FromSeconds(60), Logs);
        testOutput.WriteLine($"{during} events during the {Outage.TotalSeconds} s outage");
        Assert.True(during > 100, $"only {during} events during the outage\n{Logs()}");
        Assert.Contains("Uplink to mqtt://127.0.0.1:" + broker.Port + " lost", box.Process.Output, StringComparison.Ordinal);
        AssertComplete(delivered, stored, Logs());
        Assert.All(delivered, d => Assert.Equal("box-o", d.Device));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_full_outbox_keeps_the_newest_10_events_and_reports_how_many_it_dropped()
    {
        await using var broker = await MosquittoBroker.StartAsync(persist: true);
        await using var events = await MqttSubscriber.StartAsync(broker, "edgebox/v1/devices/box-m/events", "uplink-outbox-events");
        await using var box = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-m", paths: UplinkFleet.PatternPath,
            uplink: "telemetryInterval: 1s\noutbox: { maxEvents: 10 }"));
        string Logs() => UplinkFleet.Logs(box.Process, broker);
        await UplinkFleet.WaitPatternAsync(box);
        await UplinkFleet.WaitOnlineAsync(broker, "box-m", Logs);
        var (sent, before) = await WaitDeliveredAsync(events, box.Http, box.Api, TimeSpan.FromSeconds(20), Logs);
        AssertComplete(sent, before, Logs());

        // Everything so far acknowledged (telemetry says so), so the outbox is empty when the broker goes.
        static long Outbox(JsonElement device, string name) => device.GetProperty("telemetry").GetProperty("outbox").GetProperty(name).GetInt64();
        await UplinkFleet.WaitListedAsync(broker, "box-m", d => Outbox(d, "queued") == 0 && Outbox(d, "acknowledged") == before.Count,
            TimeSpan.FromSeconds(10), Logs);
        int messagesBefore = events.Messages.Count;
        await broker.StopAsync();

        // 16 events or more while it is away: the outbox holds the newest 10.
        await UplinkFleet.ChurnReadersAsync(box.Rtsp, CancellationToken.None, cycles: 8);
        List<JsonElement> stored = [];
        await UplinkFleet.WaitForAsync(async () => (stored = await UplinkFleet.StoredEventsAsync(box.Http, box.Api)).Count >= before.Count + 16,
            TimeSpan.FromSeconds(10), Logs);
        await Task.Delay(500); // nothing more trickles in
        stored = await UplinkFleet.StoredEventsAsync(box.Http, box.Api);
        var outage = stored.Skip(before.Count).Select(e => e.GetProperty("id").GetInt64()).ToList();
        int dropped = outage.Count - 10;
        testOutput.WriteLine($"{outage.Count} events while the broker was away: {dropped} to drop");

        await broker.StartAsync();
        var after = await events.WaitForAsync(m => Parse(m.Skip(messagesBefore)).Select(d => d.EventId).ToHashSet().IsSupersetOf(outage.TakeLast(10)),
            TimeSpan.FromSeconds(30), Logs);
        var newest = Distinct(Parse(after.Skip(messagesBefore)));
        Assert.Equal(outage.TakeLast(10).Order(), newest.Select(d => d.EventId).Order());
        Assert.Equal(Enumerable.Range(before.Count + dropped + 1, 10).Select(i => (long)i), newest.Select(d => d.Id));
        Assert.All(newest, d => Assert.Equal(dropped, d.Dropped));

        var listed = await UplinkFleet.WaitListedAsync(broker, "box-m", d => Outbox(d, "queued") == 0 && Outbox(d, "dropped") == dropped,
            TimeSpan.FromSeconds(10), Logs);
        Assert.Equal(before.Count + outage.Count, Outbox(listed, "acknowledged"));
    }

    [Fact(Timeout = 120_000)]
    public async Task Events_queued_by_a_box_restarted_while_offline_are_delivered_once_the_broker_is_back()
    {
        await using var broker = await MosquittoBroker.StartAsync(persist: true);
        await using var events = await MqttSubscriber.StartAsync(broker, "edgebox/v1/devices/box-r/events", "uplink-restart-events");
        await using var box = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-r", paths: UplinkFleet.PatternPath));
        await UplinkFleet.WaitPatternAsync(box);
        await UplinkFleet.WaitOnlineAsync(broker, "box-r", () => UplinkFleet.Logs(box.Process, broker));
        var (_, before) = await WaitDeliveredAsync(events, box.Http, box.Api, TimeSpan.FromSeconds(20), () => UplinkFleet.Logs(box.Process, broker));

        await broker.StopAsync();
        await UplinkFleet.ChurnReadersAsync(box.Rtsp, CancellationToken.None, cycles: 5);
        await UplinkFleet.WaitForAsync(async () => (await UplinkFleet.StoredEventsAsync(box.Http, box.Api)).Count >= before.Count + 10,
            TimeSpan.FromSeconds(10), () => UplinkFleet.Logs(box.Process, broker));
        var queued = (await UplinkFleet.StoredEventsAsync(box.Http, box.Api)).Skip(before.Count).Select(e => e.GetProperty("id").GetInt64()).ToList();
        testOutput.WriteLine($"{queued.Count} events queued before the restart");

        // A clean stop with the events still queued, and a start on the same data directory, still without the broker.
        box.Process.Signal(EdgeBoxProcess.SIGTERM);
        Assert.True(await box.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)), box.Process.Output);
        await using var again = EdgeBoxProcess.Start(await AotBinary.PathAsync(),
            ["run", "--data", box.Directory.File("data"), "--config", box.Directory.File("edgebox.yml")], EdgeBoxProcess.LoopbackEnvironment());
        var api = await again.WaitForHttpAsync();
        string Logs() => UplinkFleet.Logs(again, broker) + "\n--- first run ---\n" + MqttSubscriber.Tail(box.Process.Output, 4000);
        await again.WaitForOutputAsync("Uplink cannot reach", timeoutSeconds: 15);

        await broker.StartAsync();
        var (delivered, stored) = await WaitDeliveredAsync(events, box.Http, api, TimeSpan.FromSeconds(30), Logs);
        Assert.Subset(Parse(events.Messages).Select(d => d.EventId).ToHashSet(), queued.ToHashSet());
        AssertComplete(delivered, stored, Logs());
    }
}
