using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeBox.Configuration;
using EdgeBox.Uplink;

namespace EdgeBox.Hosting;

/// <summary>
/// <c>edgebox fleet push|remove|list|status</c>: the operator's side of the fleet, run from any machine
/// that reaches the broker. Broker options come from the command line or <c>EDGEBOX_FLEET_*</c>.
/// </summary>
internal static class FleetCommands
{
    private const int ExitFailed = 1;

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        return new Command("fleet", "Push configs to fleets of boxes and see their state (through the MQTT broker)")
        {
            Push(stdout, stderr),
            Remove(stdout, stderr),
            List(stdout, stderr),
            Status(stdout, stderr),
            Simulate(stdout, stderr),
        };
    }

    /// <summary>Hidden: many simulated boxes against one broker, for bench/fleet.py.</summary>
    private static Command Simulate(TextWriter stdout, TextWriter stderr)
    {
        var broker = new BrokerOptions();
        var devices = new Option<int>("--devices") { Description = "How many boxes", DefaultValueFactory = _ => 100 };
        var prefix = new Option<string>("--prefix") { Description = "Device id prefix", DefaultValueFactory = _ => "sim-" };
        var groups = new Option<string[]>("--group") { Description = "Groups every simulated box belongs to; repeatable", AllowMultipleArgumentsPerToken = true };
        var telemetry = new Option<int>("--telemetry-seconds") { Description = "Telemetry interval", DefaultValueFactory = _ => 30 };
        var command = new Command("simulate", "Run simulated boxes against a broker (benchmark)") { devices, prefix, groups, telemetry };
        command.Hidden = true;
        broker.AddTo(command);
        command.SetAction((parse, token) => RunAsync(stderr, async () =>
        {
            await FleetSimulator.RunAsync(broker.Read(parse), parse.GetValue(devices), parse.GetValue(prefix)!, parse.GetValue(groups) ?? [],
                TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(telemetry))), stdout, token).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    /// <summary>The broker options every fleet command takes.</summary>
    private sealed class BrokerOptions
    {
        public Option<string> Broker { get; } = new("--broker") { Description = "mqtt://host[:1883] or mqtts://host[:8883] (EDGEBOX_FLEET_BROKER)" };

        public Option<string> Username { get; } = new("--username") { Description = "Broker user (EDGEBOX_FLEET_USERNAME)" };

        public Option<string> PasswordFile { get; } = new("--password-file") { Description = "File holding the broker password; EDGEBOX_FLEET_PASSWORD works too" };

        public Option<string> Ca { get; } = new("--ca") { Description = "CA certificate (PEM) the broker's certificate must chain to (EDGEBOX_FLEET_CA)" };

        public Option<string> Cert { get; } = new("--cert") { Description = "Client certificate (PEM) (EDGEBOX_FLEET_CERT)" };

        public Option<string> Key { get; } = new("--key") { Description = "Client certificate key (PEM) (EDGEBOX_FLEET_KEY)" };

        public void AddTo(Command command)
        {
            command.Options.Add(Broker);
            command.Options.Add(Username);
            command.Options.Add(PasswordFile);
            command.Options.Add(Ca);
            command.Options.Add(Cert);
            command.Options.Add(Key);
        }

        public MqttUplinkConfig Read(ParseResult parse)
        {
            string Value(Option<string> option, string variable) => parse.GetValue(option) ?? Environment.GetEnvironmentVariable(variable) ?? "";
            string broker = Value(Broker, "EDGEBOX_FLEET_BROKER");
            if (broker.Length == 0)
            {
                throw new UplinkException("name the broker: --broker mqtt://host:1883 (or EDGEBOX_FLEET_BROKER)");
            }

            return new MqttUplinkConfig
            {
                Url = broker,
                Username = Value(Username, "EDGEBOX_FLEET_USERNAME"),
                PasswordFile = parse.GetValue(PasswordFile) ?? "",
                Password = parse.GetValue(PasswordFile) is null ? Environment.GetEnvironmentVariable("EDGEBOX_FLEET_PASSWORD") ?? "" : "",
                Ca = Value(Ca, "EDGEBOX_FLEET_CA"),
                ClientCert = Value(Cert, "EDGEBOX_FLEET_CERT"),
                ClientKey = Value(Key, "EDGEBOX_FLEET_KEY"),
            };
        }
    }

    private static (Option<string> Group, Option<string> Device) TargetOptions() =>
        (new Option<string>("--group", "-g") { Description = "The fleet group whose config this is" },
         new Option<string>("--device") { Description = "The device whose own config this is" });

    private static string Layer(ParseResult parse, Option<string> group, Option<string> device)
    {
        string? g = parse.GetValue(group);
        string? d = parse.GetValue(device);
        if ((g is null) == (d is null))
        {
            throw new UplinkException("name exactly one of --group G or --device ID");
        }

        string name = g ?? d!;
        if (Topics.NameError(name) is { } error)
        {
            throw new UplinkException($"{(g is null ? "device" : "group")} {error}");
        }

        return g is null ? "device/" + d : "group/" + g;
    }

    private static Command Push(TextWriter stdout, TextWriter stderr)
    {
        var broker = new BrokerOptions();
        var (group, device) = TargetOptions();
        var file = new Argument<string>("FILE") { Description = "The config keys this layer sets (YAML, as in edgebox.yml; no uplink or data)" };
        var version = new Option<string>("--version") { Description = "The version the boxes report (default: the time, yyyyMMdd-HHmmss)" };
        var allowLocal = new Option<string[]>("--allow-local") { Description = "A config key each box's own file may still set (log, paths.cam1); repeatable", AllowMultipleArgumentsPerToken = true };
        var signKey = new Option<string>("--sign-key") { Description = "Private key (PEM, Ed25519 or ECDSA P-256) to sign the document with (EDGEBOX_FLEET_SIGN_KEY)" };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for the boxes to report the result (0: do not wait)", DefaultValueFactory = _ => 30 };
        var command = new Command("push", "Validate a config locally, then publish it as the desired config of a group or device") { file, group, device, version, allowLocal, signKey, wait };
        broker.AddTo(command);
        command.SetAction((parse, token) => RunAsync(stderr, async () =>
        {
            string layer = Layer(parse, group, device);
            string path = parse.GetValue(file)!;
            string text = File.ReadAllText(path);
            var load = ConfigLoader.Load(text);
            if (!load.IsValid)
            {
                foreach (var error in load.Errors)
                {
                    await stderr.WriteLineAsync($"{path}: {error}").ConfigureAwait(false);
                }

                return ExitFailed;
            }

            string v = parse.GetValue(version) ?? TimeProvider.System.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            string? keyPath = parse.GetValue(signKey) ?? Environment.GetEnvironmentVariable("EDGEBOX_FLEET_SIGN_KEY");
            string document = FleetDocument.Create(layer, v, text, parse.GetValue(allowLocal) ?? [], keyPath is null ? null : File.ReadAllText(keyPath));
            var (checkedLayer, problems) = FleetDocument.Read(document, layer, keys: null, requireSignature: false);
            if (checkedLayer is null)
            {
                foreach (string problem in problems)
                {
                    await stderr.WriteLineAsync($"{path}: {problem}").ConfigureAwait(false);
                }

                return ExitFailed;
            }

            await using var client = await FleetClient.ConnectAsync(broker.Read(parse), token).ConfigureAwait(false);
            await client.WatchAsync("+", token).ConfigureAwait(false);
            await client.SettleAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3), token).ConfigureAwait(false);
            var targets = client.Devices().Where(d => d.StateName == "online" && (layer == "device/" + d.Device || d.Groups.Any(g => layer == "group/" + g)))
                .Select(d => d.Device).ToList();
            await client.PublishDesiredAsync(layer, document, token).ConfigureAwait(false);
            await stdout.WriteLineAsync($"published {layer}@{v}{(keyPath is null ? "" : " (signed)")}; {targets.Count} online device(s) take it").ConfigureAwait(false);
            int seconds = parse.GetValue(wait);
            return seconds <= 0 ? 0 : await WaitForReportsAsync(client, layer, v, targets, TimeSpan.FromSeconds(seconds), stdout, token).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Prints each target's result for <paramref name="layer"/>@<paramref name="version"/> as it reports; 0 when all applied it.</summary>
    private static async Task<int> WaitForReportsAsync(FleetClient client, string layer, string version, List<string> targets, TimeSpan timeout,
        TextWriter stdout, CancellationToken token)
    {
        var pending = new HashSet<string>(targets, StringComparer.Ordinal);
        bool allApplied = true;
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (pending.Count > 0 && Environment.TickCount64 < deadline)
        {
            foreach (var view in client.Devices().Where(d => pending.Contains(d.Device)))
            {
                if (LayerResult(view.Reported, layer, version) is not { } result)
                {
                    continue;
                }

                pending.Remove(view.Device);
                allApplied &= result.Status == "applied";
                await stdout.WriteLineAsync($"{view.Device}\t{result.Status}{(result.Errors.Length > 0 ? "\t" + result.Errors : "")}").ConfigureAwait(false);
            }

            await Task.Delay(100, token).ConfigureAwait(false);
        }

        foreach (string device in pending)
        {
            await stdout.WriteLineAsync($"{device}\tno report within {timeout.TotalSeconds:0} s").ConfigureAwait(false);
        }

        return allApplied && pending.Count == 0 ? 0 : ExitFailed;
    }

    /// <summary>What a reported message says of one layer version: its status and, when refused, every error of the report.</summary>
    private static (string Status, string Errors)? LayerResult(JsonElement? reported, string layer, string version)
    {
        if (reported is not { ValueKind: JsonValueKind.Object } r || !r.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var item in layers.EnumerateArray())
        {
            if (FleetDeviceView.Text(item, "layer") == layer && FleetDeviceView.Text(item, "version") == version)
            {
                string status = FleetDeviceView.Text(item, "status") ?? "unknown";
                string errors = status == "applied" || !r.TryGetProperty("errors", out var list) || list.ValueKind != JsonValueKind.Array
                    ? ""
                    : string.Join("; ", list.EnumerateArray().Select(e => e.GetString()));
                return (status, errors);
            }
        }

        return null;
    }

    private static Command Remove(TextWriter stdout, TextWriter stderr)
    {
        var broker = new BrokerOptions();
        var (group, device) = TargetOptions();
        var command = new Command("remove", "Remove a group's or device's fleet config (the boxes drop that layer)") { group, device };
        broker.AddTo(command);
        command.SetAction((parse, token) => RunAsync(stderr, async () =>
        {
            string layer = Layer(parse, group, device);
            await using var client = await FleetClient.ConnectAsync(broker.Read(parse), token).ConfigureAwait(false);
            await client.PublishDesiredAsync(layer, null, token).ConfigureAwait(false);
            await stdout.WriteLineAsync($"removed {layer}").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command List(TextWriter stdout, TextWriter stderr)
    {
        var broker = new BrokerOptions();
        var json = new Option<bool>("--json") { Description = "One JSON object per device (state, reported, telemetry as the broker holds them)" };
        var command = new Command("list", "List the devices the broker knows: online state, version, applied config, last telemetry") { json };
        broker.AddTo(command);
        command.SetAction((parse, token) => RunAsync(stderr, async () =>
        {
            await using var client = await FleetClient.ConnectAsync(broker.Read(parse), token).ConfigureAwait(false);
            await client.WatchAsync("+", token).ConfigureAwait(false);
            await client.SettleAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5), token).ConfigureAwait(false);
            var devices = client.Devices();
            if (parse.GetValue(json))
            {
                foreach (var device in devices)
                {
                    await stdout.WriteLineAsync(Json(device)).ConfigureAwait(false);
                }

                return 0;
            }

            await stdout.WriteLineAsync("DEVICE\tSTATE\tVERSION\tGROUPS\tAPPLIED\tRESULT\tTELEMETRY").ConfigureAwait(false);
            foreach (var d in devices)
            {
                await stdout.WriteLineAsync(string.Join('\t',
                    d.Device,
                    d.StateName,
                    FleetDeviceView.Text(d.State, "version") ?? "-",
                    d.Groups.Count == 0 ? "-" : string.Join(",", d.Groups),
                    Blank(FleetDeviceView.Text(d.Reported, "appliedVersion")),
                    FleetDeviceView.Text(d.Reported, "result") ?? "-",
                    FleetDeviceView.Text(d.Telemetry, "time") ?? "-")).ConfigureAwait(false);
            }

            if (devices.Count == 0)
            {
                await stdout.WriteLineAsync("(no devices: none has connected to this broker)").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    private static Command Status(TextWriter stdout, TextWriter stderr)
    {
        var broker = new BrokerOptions();
        var id = new Argument<string>("ID") { Description = "The device" };
        var command = new Command("status", "Show one device's state, last reported config result and telemetry") { id };
        broker.AddTo(command);
        command.SetAction((parse, token) => RunAsync(stderr, async () =>
        {
            string device = parse.GetValue(id)!;
            if (Topics.NameError(device) is { } error)
            {
                throw new UplinkException("device " + error);
            }

            await using var client = await FleetClient.ConnectAsync(broker.Read(parse), token).ConfigureAwait(false);
            await client.WatchAsync(device, token).ConfigureAwait(false);
            await client.SettleAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5), token).ConfigureAwait(false);
            var views = client.Devices();
            if (views.Count == 0)
            {
                await stderr.WriteLineAsync($"edgebox: the broker holds nothing of device {device}").ConfigureAwait(false);
                return ExitFailed;
            }

            await stdout.WriteLineAsync(Json(views[0], indented: true)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static string Blank(string? text) => string.IsNullOrEmpty(text) ? "-" : text;

    private static string Json(FleetDeviceView view, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteString("device", view.Device);
            foreach (var (name, value) in new[] { ("state", view.State), ("reported", view.Reported), ("telemetry", view.Telemetry) })
            {
                writer.WritePropertyName(name);
                if (value is { } v)
                {
                    v.WriteTo(writer);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Runs a fleet command; a failure it can explain is one line on stderr and exit code 1.</summary>
    private static async Task<int> RunAsync(TextWriter stderr, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UplinkException or IOException or UnauthorizedAccessException or FormatException
            or System.Security.Cryptography.CryptographicException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            await stderr.WriteLineAsync("edgebox: " + ex.Message).ConfigureAwait(false);
            return ExitFailed;
        }
    }
}
