using System.Buffers;
using System.Text;
using EdgeBox.Configuration;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBox.Uplink;

/// <summary>What the uplink needs from the box it speaks for (the service, or a simulated box in the benchmark).</summary>
internal interface IFleetDevice
{
    /// <summary>The retained state message: online, version, groups, capabilities, addresses.</summary>
    byte[] State(bool online, string? reason);

    byte[] Telemetry();

    /// <summary>Runs on the desired documents received so far (layer → document; null: the layer was removed); returns the reported state.</summary>
    Task<byte[]> ReconcileAsync(IReadOnlyDictionary<string, string?> desired, CancellationToken cancellationToken);

    /// <summary>Runs a command (<c>.../cmd/NAME</c>); returns the response.</summary>
    Task<byte[]> CommandAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>Events waiting for the broker, or null when the device sends none.</summary>
    UplinkOutbox? Outbox { get; }
}

/// <summary>Where the uplink connects and as whom.</summary>
internal sealed record MqttUplinkOptions(MqttUplinkConfig Mqtt, string DeviceId, IReadOnlyList<string> Groups, TimeSpan TelemetryInterval);

/// <summary>
/// One box's MQTT session with the fleet broker (config/uplink.md): connects with backoff and jitter,
/// publishes the retained state (with an <c>offline</c> last will), telemetry on a timer, the outbox's
/// events in order (QoS 1, removed once the broker acknowledged them), and hands the desired-config
/// documents and commands it receives to the device. Everything it sends is re-sent after a reconnect
/// from the device's current state, so an outage loses nothing that was queued.
/// </summary>
internal sealed partial class MqttUplink : IDisposable
{
    /// <summary>Desired documents arrive one per topic; this long after the last one, they are applied together.</summary>
    public static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(300);

    private const int OutboxBatch = 100;

    /// <summary>Largest command message read (its arguments are a few short fields).</summary>
    private const int MaxCommandLength = 64 * 1024;

    /// <summary>Commands that run at once; more wait (a snapshot decodes a picture for up to 30 s).</summary>
    private const int ConcurrentCommands = 2;

    /// <summary>A session shorter than this does not reset the reconnection wait, so a broker that drops the box right after connecting is not hammered.</summary>
    private static readonly TimeSpan HealthySession = TimeSpan.FromSeconds(60);

    /// <summary>Batches sent before the session loop looks at telemetry and desired configs again.</summary>
    private const int OutboxBatchesPerTurn = 10;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly MqttUplinkOptions _options;
    private readonly IFleetDevice _device;
    private readonly UplinkStatus _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly SemaphoreSlim _commands = new(ConcurrentCommands, ConcurrentCommands);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string?> _desired = new(StringComparer.Ordinal);
    private long _desiredChangedAt = -1;
    private volatile IMqttClient? _client;

    public MqttUplink(MqttUplinkOptions options, IFleetDevice device, UplinkStatus status, TimeProvider time, ILogger logger)
    {
        _options = options;
        _device = device;
        _status = status;
        _time = time;
        _logger = logger;
    }

    public void Dispose()
    {
        _wake.Dispose();
        _commands.Dispose();
    }

    /// <summary>Wakes the sender (an event was queued).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // The uplink stopped (a config change); the event waits in the outbox for the next one.
        }
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        var factory = new MqttClientFactory();
        string broker = Describe();
        while (!stoppingToken.IsCancellationRequested)
        {
            using var client = factory.CreateMqttClient();
            bool connected = false;
            long connectedAt = 0;
            try
            {
                var options = BuildOptions();
                client.ApplicationMessageReceivedAsync += OnMessageAsync;
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    connectTimeout.CancelAfter(ConnectTimeout);
                    var result = await client.ConnectAsync(options, connectTimeout.Token).ConfigureAwait(false);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new UplinkException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
                    }
                }

                connected = true;
                _client = client;
                connectedAt = _time.GetTimestamp();
                _status.SetConnected(_time.GetUtcNow());
                Log.Connected(_logger, broker, _options.DeviceId);
                await SessionAsync(client, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await GoodbyeAsync(client).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                string reason = ex is UplinkException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
                if (connected && _time.GetElapsedTime(connectedAt) >= HealthySession)
                {
                    delay = TimeSpan.FromSeconds(1);
                }

                _status.SetDisconnected(reason);
                if (connected)
                {
                    Log.Lost(_logger, broker, reason);
                }
                else
                {
                    Log.ConnectFailed(_logger, broker, reason, delay.TotalSeconds);
                }
            }
            finally
            {
                _client = null;
                client.ApplicationMessageReceivedAsync -= OnMessageAsync;
            }

            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            // Full jitter on top of the doubling wait, so a fleet that lost its broker does not return in step.
            var wait = delay + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * delay.TotalMilliseconds);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.Mqtt.ReconnectMaxDelay.Ticks));
            try
            {
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _status.SetDisconnected("stopped");
    }

    /// <summary>A connected session: state, subscriptions, then telemetry, events and desired configs until the connection drops.</summary>
    private async Task SessionAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        string id = _options.DeviceId;
        await PublishAsync(client, Topics.State(id), _device.State(online: true, null), retain: true, stoppingToken).ConfigureAwait(false);
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (string group in _options.Groups)
        {
            subscribe.WithTopicFilter(Topics.GroupDesired(group), MqttQualityOfServiceLevel.AtLeastOnce);
        }

        subscribe.WithTopicFilter(Topics.DeviceDesired(id), MqttQualityOfServiceLevel.AtLeastOnce);
        subscribe.WithTopicFilter(Topics.Commands(id), MqttQualityOfServiceLevel.AtLeastOnce);
        await client.SubscribeAsync(subscribe.Build(), stoppingToken).ConfigureAwait(false);

        long nextTelemetry = 0;
        while (client.IsConnected)
        {
            stoppingToken.ThrowIfCancellationRequested();
            long now = _time.GetTimestamp();
            if (now >= nextTelemetry)
            {
                await PublishAsync(client, Topics.Telemetry(id), _device.Telemetry(), retain: true, stoppingToken).ConfigureAwait(false);
                _status.SetTelemetry(_time.GetUtcNow());
                nextTelemetry = now + (long)(_options.TelemetryInterval.TotalSeconds * _time.TimestampFrequency);
            }

            if (DesiredToApply(now) is { } desired)
            {
                byte[] reported = await _device.ReconcileAsync(desired, stoppingToken).ConfigureAwait(false);
                await PublishAsync(client, Topics.Reported(id), reported, retain: true, stoppingToken).ConfigureAwait(false);
                _status.SetSynced(_time.GetUtcNow());
            }

            await SendOutboxAsync(client, stoppingToken).ConfigureAwait(false);

            var wait = _time.GetElapsedTime(now, nextTelemetry);
            lock (_gate)
            {
                if (_desiredChangedAt >= 0)
                {
                    var settle = SettleDelay - _time.GetElapsedTime(_desiredChangedAt, now);
                    wait = settle < wait ? settle : wait;
                }
            }

            if (_device.Outbox is { Count: > 0 })
            {
                wait = TimeSpan.Zero; // more of the backlog to send
            }

            // Wake at least every second to notice a dropped connection.
            wait = TimeSpan.FromMilliseconds(Math.Clamp(wait.TotalMilliseconds, 1, 1000));
            await _wake.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
        }

        throw new UplinkException("the connection to the broker closed");
    }

    /// <summary>The desired documents when some arrived and none has for <see cref="SettleDelay"/>; else null.</summary>
    private Dictionary<string, string?>? DesiredToApply(long now)
    {
        lock (_gate)
        {
            if (_desiredChangedAt < 0 || _time.GetElapsedTime(_desiredChangedAt, now) < SettleDelay)
            {
                return null;
            }

            _desiredChangedAt = -1;
            return new Dictionary<string, string?>(_desired, StringComparer.Ordinal);
        }
    }

    private async Task SendOutboxAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        if (_device.Outbox is not { } outbox)
        {
            return;
        }

        string topic = Topics.Events(_options.DeviceId);
        for (int turn = 0; turn < OutboxBatchesPerTurn && outbox.Count > 0; turn++)
        {
            var batch = outbox.Peek(OutboxBatch);
            if (batch.Count == 0)
            {
                return;
            }

            long dropped = outbox.Dropped;
            foreach (var entry in batch)
            {
                string message = $"{{\"id\":{entry.Id},\"device\":\"{_options.DeviceId}\",\"dropped\":{dropped},\"event\":{entry.Body}}}";
                var result = await SendAsync(client, topic, Encoding.UTF8.GetBytes(message), retain: false, cancellationToken).ConfigureAwait(false);
                if (!result.IsSuccess)
                {
                    // One message the broker will not take (too large, an ACL) must not hold back every event after it.
                    Log.EventRefused(_logger, entry.Id, $"{result.ReasonCode} {result.ReasonString}");
                    outbox.CountRefused();
                }
            }

            outbox.Acknowledge(batch[^1].Id);
            _status.SetSent(batch.Count);
        }
    }

    private static Task<MqttClientPublishResult> SendAsync(IMqttClient client, string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        return client.PublishAsync(message, cancellationToken);
    }

    private static async Task PublishAsync(IMqttClient client, string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var result = await SendAsync(client, topic, payload, retain, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new UplinkException($"the broker refused a message on {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        string topic = message.Topic;
        if (message.Payload.Length > MaxPayload(topic))
        {
            // Never decoded: a retained message this large would otherwise cost the memory again at every reconnect.
            Log.TooLarge(_logger, topic, message.Payload.Length);
        }
        else if (Topics.LayerOf(topic) is { } layer)
        {
            string? text = message.Payload.Length == 0 ? null : Encoding.UTF8.GetString(message.Payload);
            lock (_gate)
            {
                _desired[layer] = text;
                _desiredChangedAt = _time.GetTimestamp();
            }

            Log.Desired(_logger, layer, text is null ? "removed" : $"{text.Length} characters");
            _wake.Release();
        }
        else if (Topics.CommandOf(_options.DeviceId, topic) is { } command && !message.Retain && _client is { } client)
        {
            // Off the receive loop: a command may take a while (a snapshot), and the loop must go on.
            _ = RunCommandAsync(client, command, message.Payload.ToArray(), message.ResponseTopic, message.CorrelationData);
        }

        return Task.CompletedTask;
    }

    /// <summary>On shutdown: the retained state says offline (the last will covers only lost connections), then a clean disconnect.</summary>
    private async Task GoodbyeAsync(IMqttClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await PublishAsync(client, Topics.State(_options.DeviceId), _device.State(online: false, "shutdown"), retain: true, timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.GoodbyeFailed(_logger, ex.Message);
        }
    }

    private MqttClientOptions BuildOptions() => MqttConnection.Builder(_options.Mqtt, "edgebox-" + _options.DeviceId)
        .WithWillTopic(Topics.State(_options.DeviceId))
        .WithWillPayload(_device.State(online: false, "connection lost"))
        .WithWillRetain(true)
        .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private string Describe() => MqttEndpoint.TryParse(_options.Mqtt.Url, out var endpoint) ? endpoint.ToString() : _options.Mqtt.Url;
}

/// <summary>An uplink failure with a message meant for the log and the console.</summary>
internal sealed class UplinkException(string message) : Exception(message);
