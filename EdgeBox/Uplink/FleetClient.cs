using System.Text;
using System.Text.Json;
using EdgeBox.Configuration;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBox.Uplink;

/// <summary>What the broker holds of one device: its retained state, reported config and telemetry (raw JSON, null when absent).</summary>
internal sealed record FleetDeviceView(string Device, JsonElement? State, JsonElement? Reported, JsonElement? Telemetry)
{
    public string StateName => Text(State, "state") ?? "unknown";

    public IReadOnlyList<string> Groups =>
        State is { } s && s.TryGetProperty("groups", out var groups) && groups.ValueKind == JsonValueKind.Array
            ? groups.EnumerateArray().Select(g => g.GetString() ?? "").ToList()
            : [];

    public static string? Text(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// The operator's side of the fleet protocol (<c>edgebox fleet ...</c>): the broker is the registry, so
/// listing devices means reading the retained state topics, and pushing a config means publishing a
/// retained desired document.
/// </summary>
internal sealed class FleetClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (JsonElement? State, JsonElement? Reported, JsonElement? Telemetry)> _devices = new(StringComparer.Ordinal);
    private long _lastMessage;

    private FleetClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    public static async Task<FleetClient> ConnectAsync(MqttUplinkConfig broker, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            string id = "edgebox-fleet-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
            var result = await client.ConnectAsync(MqttConnection.Builder(broker, id).Build(), cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new UplinkException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            return new FleetClient(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
        }

        _client.Dispose();
    }

    /// <summary>Publishes (retained) a desired document for <paramref name="layer"/>; null removes the layer.</summary>
    public async Task PublishDesiredAsync(string layer, string? document, CancellationToken cancellationToken)
    {
        string topic = layer.StartsWith("group/", StringComparison.Ordinal)
            ? Topics.GroupDesired(layer["group/".Length..])
            : Topics.DeviceDesired(layer["device/".Length..]);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(document is null ? [] : Encoding.UTF8.GetBytes(document))
            .WithRetainFlag(true)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new UplinkException($"the broker refused the document: {result.ReasonCode} {result.ReasonString}");
        }
    }

    /// <summary>Subscribes to what the broker retains of <paramref name="device"/> (all devices: <c>+</c>).</summary>
    public async Task WatchAsync(string device, CancellationToken cancellationToken)
    {
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.State(device), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.Reported(device), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.Telemetry(device), MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        Interlocked.Exchange(ref _lastMessage, Environment.TickCount64);
        await _client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the retained messages have come (no message for <paramref name="quiet"/>, at most <paramref name="most"/>).</summary>
    public async Task SettleAsync(TimeSpan quiet, TimeSpan most, CancellationToken cancellationToken)
    {
        long start = Environment.TickCount64;
        while (Environment.TickCount64 - Interlocked.Read(ref _lastMessage) < quiet.TotalMilliseconds && Environment.TickCount64 - start < most.TotalMilliseconds)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<FleetDeviceView> Devices()
    {
        lock (_gate)
        {
            return _devices.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new FleetDeviceView(d.Key, d.Value.State, d.Value.Reported, d.Value.Telemetry)).ToList();
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        string topic = e.ApplicationMessage.Topic;
        string prefix = Topics.Root + "/devices/";
        if (!topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }

        int slash = topic.IndexOf('/', prefix.Length);
        if (slash < 0)
        {
            return Task.CompletedTask;
        }

        string device = topic[prefix.Length..slash];
        string kind = topic[(slash + 1)..];
        JsonElement? value = null;
        if (e.ApplicationMessage.Payload.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(e.ApplicationMessage.Payload);
                value = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not ours, or broken: shown as absent.
            }
        }

        lock (_gate)
        {
            var entry = _devices.GetValueOrDefault(device);
            entry = kind switch
            {
                "state" => entry with { State = value },
                "config/reported" => entry with { Reported = value },
                "telemetry" => entry with { Telemetry = value },
                _ => entry,
            };
            _devices[device] = entry;
        }

        Interlocked.Exchange(ref _lastMessage, Environment.TickCount64);
        return Task.CompletedTask;
    }
}
