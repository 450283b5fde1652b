using System.Diagnostics;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The MQTT uplink against a real Mosquitto broker, with the AOT binary on both ends: boxes (<c>edgebox run</c>)
/// and the operator's command line (<c>edgebox fleet ...</c>). Birth and last will, a group push applied by
/// two boxes, configs refused locally and by the boxes, signed configs, and commands. Loopback only.
/// </summary>
public sealed class UplinkMqttTests(ITestOutputHelper testOutput) : IClassFixture<AotBinaryPublished>
{
    private const int Bound = 120_000;

    [Fact(Timeout = Bound)]
    public async Task A_box_is_listed_online_with_version_and_groups_its_last_will_says_offline_after_kill_9_and_a_clean_stop_says_shutdown()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var killed = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-k", "[site-a, lab]"));
        await using var stopped = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-s", "[site-a]"));
        string Logs() => UplinkFleet.Logs(killed.Process, broker) + "\n--- box-s ---\n" + MqttSubscriber.Tail(stopped.Process.Output, 4000);

        var online = await UplinkFleet.WaitOnlineAsync(broker, "box-k", Logs);
        await UplinkFleet.WaitOnlineAsync(broker, "box-s", Logs);
        using var info = await killed.Http.GetAsync(new Uri(killed.Api, "/api/v1/info"));
        string version = JsonDocument.Parse(await info.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetString()!;
        var state = online.GetProperty("state");
        Assert.Equal(version, state.GetProperty("version").GetString());
        Assert.Equal(["site-a", "lab"], state.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("box-k", state.GetProperty("device").GetString());

        // SIGKILL: no goodbye; the broker publishes the last will when the connection drops.
        killed.Process.Signal(EdgeBoxProcess.SIGKILL);
        Assert.True(await killed.Process.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        var dead = await UplinkFleet.WaitListedAsync(broker, "box-k", d => UplinkFleet.Text(d, "state", "state") == "offline", TimeSpan.FromSeconds(15), Logs);
        Assert.Equal("connection lost", UplinkFleet.Text(dead, "state", "reason"));

        // SIGTERM: the box says goodbye itself (the will is for connections lost, not for a box that stops).
        stopped.Process.Signal(EdgeBoxProcess.SIGTERM);
        Assert.True(await stopped.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)), Logs());
        var gone = await UplinkFleet.WaitListedAsync(broker, "box-s", d => UplinkFleet.Text(d, "state", "state") == "offline", TimeSpan.FromSeconds(15), Logs);
        Assert.True(UplinkFleet.Text(gone, "state", "reason") == "shutdown", $"{gone}\n{Logs()}");
    }

    [Fact(Timeout = Bound)]
    public async Task A_group_push_is_applied_by_both_boxes_within_5_s_and_a_push_with_errors_is_refused_by_the_cli_and_by_the_boxes()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var first = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-1", "[g1]"));
        await using var second = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-2", "[g1]"));
        RtspTestServer[] boxes = [first, second];
        string Logs() => UplinkFleet.Logs(first.Process, broker) + "\n--- box-2 ---\n" + MqttSubscriber.Tail(second.Process.Output, 4000);
        await UplinkFleet.WaitOnlineAsync(broker, "box-1", Logs);
        await UplinkFleet.WaitOnlineAsync(broker, "box-2", Logs);

        // edgebox fleet push: published, then both boxes run the new path; timed from the publish.
        string good = first.Directory.File("fleet-good.yml");
        await File.WriteAllTextAsync(good, "paths:\n  fleet1: { source: publisher }\n");
        var push = first.Track(ExternalProcess.Start(await AotBinary.PathAsync(), "fleet", "push", "--group", "g1", good, "--version", "1", "--wait", "10", "--broker", broker.Url));
        Assert.True(await push.WaitForOutputAsync("published group/g1@1", TimeSpan.FromSeconds(15)), push.StandardError + push.StandardOutput + Logs());
        var clock = Stopwatch.StartNew();
        var applied = new TimeSpan[boxes.Length];
        await Task.WhenAll(boxes.Select(async (box, i) =>
        {
            await UplinkFleet.WaitForAsync(async () => (await UplinkFleet.PathNamesAsync(box.Http, box.Api)).Contains("fleet1"), TimeSpan.FromSeconds(15),
                () => $"box-{i + 1} did not add fleet1:\n{box.Process.Output}");
            applied[i] = clock.Elapsed;
        }));
        testOutput.WriteLine($"group/g1@1 applied {string.Join(", ", applied.Select((a, i) => $"by box-{i + 1} {a.TotalMilliseconds:0} ms"))} after the publish");
        Assert.True(applied.Max() < TimeSpan.FromSeconds(5), $"applied after {string.Join(", ", applied.Select(a => $"{a.TotalSeconds:0.0} s"))}\n{Logs()}");
        Assert.True(await push.WaitForExitAsync(TimeSpan.FromSeconds(15)), push.StandardOutput + Logs());
        Assert.True(push.ExitCode == 0, $"push exited {push.ExitCode}:\n{push.StandardOutput}{push.StandardError}\n{Logs()}");
        Assert.Contains("2 online device(s) take it", push.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("box-1\tapplied", push.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("box-2\tapplied", push.StandardOutput, StringComparison.Ordinal);

        var devices = await UplinkFleet.ListAsync(broker);
        foreach (string id in new[] { "box-1", "box-2" })
        {
            Assert.Equal("group/g1@1", UplinkFleet.Text(devices[id], "reported", "appliedVersion"));
            Assert.Equal("applied", UplinkFleet.Text(devices[id], "reported", "result"));
        }

        foreach (var box in boxes)
        {
            var names = await UplinkFleet.PathNamesAsync(box.Http, box.Api);
            Assert.Contains("fleet1", names);
            Assert.Contains("local1", names); // the box's own file stays the base
        }

        // (a) The command line validates first: nothing is published.
        string bad = first.Directory.File("fleet-bad.yml");
        await File.WriteAllTextAsync(bad, "paths:\n  fleet1: { source: publisher }\n  bad1: { source: publisher, noSuchKey: 1 }\n");
        var (code, output, errors) = await UplinkFleet.CliAsync("fleet", "push", "--group", "g1", bad, "--version", "2", "--wait", "5", "--broker", broker.Url);
        Assert.True(code == 1, $"exit {code}:\n{output}{errors}");
        Assert.Contains("paths.bad1.noSuchKey", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("published", output, StringComparison.Ordinal);

        // (b) The same config published around the command line: each box refuses it, reports why, and keeps running on version 1.
        await broker.PublishAsync("edgebox/v1/groups/g1/config/desired",
            "version: \"2\"\ntarget: group/g1\nconfig:\n  paths:\n    bad1: { source: publisher, noSuchKey: 1 }\n");
        foreach (string id in new[] { "box-1", "box-2" })
        {
            var reported = await UplinkFleet.WaitListedAsync(broker, id, d => UplinkFleet.Text(d, "reported", "result") == "rejected", TimeSpan.FromSeconds(10), Logs);
            var report = reported.GetProperty("reported");
            Assert.Equal("group/g1@1", report.GetProperty("appliedVersion").GetString());
            var layer = Assert.Single(report.GetProperty("layers").EnumerateArray());
            Assert.Equal(("group/g1", "2", "rejected"), (layer.GetProperty("layer").GetString(), layer.GetProperty("version").GetString(), layer.GetProperty("status").GetString()));
            Assert.Contains(report.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("paths.bad1.noSuchKey", StringComparison.Ordinal));
        }

        foreach (var box in boxes)
        {
            var names = await UplinkFleet.PathNamesAsync(box.Http, box.Api);
            Assert.Contains("fleet1", names);
            Assert.DoesNotContain("bad1", names);
        }
    }

    [Fact(Timeout = Bound)]
    public async Task A_box_that_requires_signatures_applies_a_config_signed_with_its_trusted_key_and_rejects_another_key_and_no_signature()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        using var keys = new TempDirectory();
        string trusted = keys.File("fleet.key"), trustedPublic = keys.File("fleet.pub"), other = keys.File("other.key");
        await OpenSsl.RunAsync("genpkey", "-algorithm", "ed25519", "-out", trusted);
        await OpenSsl.RunAsync("pkey", "-in", trusted, "-pubout", "-out", trustedPublic);
        await OpenSsl.RunAsync("genpkey", "-algorithm", "ed25519", "-out", other);
        await using var box = await RtspTestServer.StartWithConfigAsync(
            UplinkFleet.Config(broker.Url, "box-sig", uplink: $"trustedKeys: ['{trustedPublic}']\nrequireSignature: true"));
        string Logs() => UplinkFleet.Logs(box.Process, broker);
        await UplinkFleet.WaitOnlineAsync(broker, "box-sig", Logs);

        async Task<(int Code, string Output, JsonElement Reported)> PushAsync(string version, string path, params string[] signing)
        {
            string file = keys.File($"v{version}.yml");
            await File.WriteAllTextAsync(file, $"paths:\n  {path}: {{ source: publisher }}\n");
            var (code, output, errors) = await UplinkFleet.CliAsync(
                ["fleet", "push", "--device", "box-sig", file, "--version", version, "--wait", "10", "--broker", broker.Url, .. signing]);
            var listed = await UplinkFleet.WaitListedAsync(broker, "box-sig",
                d => d.GetProperty("reported") is { ValueKind: JsonValueKind.Object } r
                    && r.GetProperty("layers").EnumerateArray().Any(l => l.GetProperty("version").GetString() == version),
                TimeSpan.FromSeconds(10), Logs);
            return (code, output + errors, listed.GetProperty("reported"));
        }

        var (code, output, reported) = await PushAsync("1", "signed1", "--sign-key", trusted);
        Assert.True(code == 0, $"{output}\n{Logs()}");
        Assert.Contains("(signed)", output, StringComparison.Ordinal);
        Assert.Equal(("applied", "device/box-sig@1"), (reported.GetProperty("result").GetString(), reported.GetProperty("appliedVersion").GetString()));
        Assert.Contains("signed1", await UplinkFleet.PathNamesAsync(box.Http, box.Api));

        (code, output, reported) = await PushAsync("2", "forged2", "--sign-key", other);
        Assert.True(code == 1, output);
        Assert.Contains("box-sig\trejected", output, StringComparison.Ordinal);
        Assert.Equal(("rejected", "device/box-sig@1"), (reported.GetProperty("result").GetString(), reported.GetProperty("appliedVersion").GetString()));
        Assert.Contains(reported.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("signature", StringComparison.Ordinal));

        (code, output, reported) = await PushAsync("3", "unsigned3");
        Assert.True(code == 1, output);
        Assert.Equal(("rejected", "device/box-sig@1"), (reported.GetProperty("result").GetString(), reported.GetProperty("appliedVersion").GetString()));
        Assert.Contains(reported.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("not signed", StringComparison.Ordinal));

        var names = await UplinkFleet.PathNamesAsync(box.Http, box.Api);
        Assert.Contains("signed1", names);
        Assert.DoesNotContain("forged2", names);
        Assert.DoesNotContain("unsigned3", names);
    }

    [Fact(Timeout = Bound)]
    public async Task Restart_path_answers_ok_with_the_request_id_and_an_unknown_command_answers_not_ok()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var box = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(broker.Url, "box-c", paths: UplinkFleet.PatternPath));
        string Logs() => UplinkFleet.Logs(box.Process, broker);
        await UplinkFleet.WaitPatternAsync(box);
        await UplinkFleet.WaitOnlineAsync(broker, "box-c", Logs);
        await using var responses = await MqttSubscriber.StartAsync(broker, "edgebox/v1/devices/box-c/cmd/+/response");

        await broker.PublishAsync("edgebox/v1/devices/box-c/cmd/restart-path", "{\"id\":\"c1\",\"path\":\"cam1\"}", retain: false);
        var restarted = (await responses.WaitForAsync(m => m.Count >= 1, TimeSpan.FromSeconds(15), Logs))[0];
        Assert.Equal("edgebox/v1/devices/box-c/cmd/restart-path/response", restarted.Topic);
        var json = restarted.Json;
        Assert.True(json.GetProperty("ok").GetBoolean(), restarted.Payload);
        Assert.Equal("c1", json.GetProperty("id").GetString());
        await box.Process.WaitForOutputAsync("Uplink ran command restart-path");
        await UplinkFleet.WaitPatternAsync(box); // the pattern comes back

        await broker.PublishAsync("edgebox/v1/devices/box-c/cmd/frobnicate", "{\"id\":\"c2\"}", retain: false);
        var unknown = (await responses.WaitForAsync(m => m.Count >= 2, TimeSpan.FromSeconds(15), Logs))[1];
        Assert.Equal("edgebox/v1/devices/box-c/cmd/frobnicate/response", unknown.Topic);
        json = unknown.Json;
        Assert.False(json.GetProperty("ok").GetBoolean(), unknown.Payload);
        Assert.Equal("c2", json.GetProperty("id").GetString());
        Assert.Contains("unknown command 'frobnicate'", json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
