using System.Text.Json;
using EdgeBox.Configuration;
using EdgeBox.Events;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Uplink;

/// <summary>
/// Runs the box's link to the fleet as <c>uplink</c> says (MQTT, HTTPS pull, both, or none), starts it
/// again when that section changes, and queues the events the fleet should hear of in the outbox,
/// whether or not the broker can be reached.
/// </summary>
internal sealed partial class UplinkService : BackgroundService, IConfigApplier
{
    private readonly Lazy<UplinkServices> _services;
    private readonly UplinkOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly EventBus _events;
    private readonly UplinkStatus _status;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<UplinkService> _logger;
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);
    private volatile UplinkConfig _settings;
    private volatile MqttUplink? _mqtt;

    /// <param name="initial">The start-up config's section (the config manager is built after this service: it applies changes to it).</param>
    /// <param name="services">Resolved when the uplink starts.</param>
    public UplinkService(UplinkConfig initial, Func<UplinkServices> services, UplinkOutbox outbox, EventBus events, UplinkStatus status, TimeProvider time,
        ILoggerFactory loggers)
    {
        _services = new Lazy<UplinkServices>(services);
        _outbox = outbox;
        _time = time;
        _events = events;
        _status = status;
        _loggers = loggers;
        _logger = loggers.CreateLogger<UplinkService>();
        _settings = initial;
        events.Published += OnEvent;
        events.Updated += OnEvent;
    }

    /// <summary>The device id in use (<c>uplink.deviceId</c>, else the machine id).</summary>
    public string DeviceId => DeviceIdentity.Resolve(_settings);

    public UplinkConfig Settings => _settings;

    public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes)
    {
        if (changes.Any(c => c.Key == "uplink"))
        {
            _settings = config.Uplink;
            _changed.Release();
        }
    }

    public override void Dispose()
    {
        _events.Published -= OnEvent;
        _events.Updated -= OnEvent;
        _changed.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = _settings;
            using var round = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var running = new List<Task>();
            MqttUplink? mqtt = null;
            HttpConfigPoller? poller = null;
            BoxDevice? box = null;
            try
            {
                if (!settings.Enabled)
                {
                    Log.Disabled(_logger);
                    _status.SetDisconnected("no uplink configured");
                }
                else
                {
                    // The state message lists the encoders and inference providers: let the probe finish first.
                    await _services.Value.Native.WaitAsync(TimeSpan.FromSeconds(10), stoppingToken).ConfigureAwait(false);
                    string device = DeviceIdentity.Resolve(settings);
                    var keys = settings.TrustedKeys.Select(FleetSignature.LoadPublicKey).ToList();
                    await DropLayersNoLongerListedAsync(device, settings, stoppingToken).ConfigureAwait(false);
                    box = new BoxDevice(_services.Value, _status, device, settings, keys, _loggers.CreateLogger<BoxDevice>());
                    if (settings.Mqtt.Url.Length > 0)
                    {
                        mqtt = new MqttUplink(new MqttUplinkOptions(settings.Mqtt, device, settings.Groups, settings.TelemetryInterval), box, _status,
                            _time, _loggers.CreateLogger<MqttUplink>());
                        running.Add(mqtt.RunAsync(round.Token));
                    }

                    if (settings.Http.ConfigUrl.Length > 0)
                    {
                        poller = new HttpConfigPoller(settings.Http, device, FleetReconciler.Order(device, settings.Groups), box, _status, _time,
                            _loggers.CreateLogger<HttpConfigPoller>());
                        running.Add(poller.RunAsync(round.Token));
                    }

                    _mqtt = mqtt;
                    running.Add(ExpireAsync(settings, round.Token));
                }

                await _changed.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !stoppingToken.IsCancellationRequested)
            {
                // A key or certificate that went missing or unreadable after validation: the service goes on without
                // an uplink until the next change.
                _status.SetDisconnected(ex.Message);
                Log.Failed(_logger, ex.Message);
                await _changed.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                _mqtt = null;
                await round.CancelAsync().ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(running).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.Failed(_logger, ex.Message); // a link that failed must not take the service down with it
                }

                mqtt?.Dispose();
                poller?.Dispose();
                box?.Dispose();
            }
        }
    }

    /// <summary>The layers of groups the box no longer lists (or of another device id) stop applying as soon as the section changes.</summary>
    private async Task DropLayersNoLongerListedAsync(string device, UplinkConfig settings, CancellationToken cancellationToken)
    {
        var config = _services.Value.Config;
        var fleet = config.Current.Fleet;
        var kept = FleetReconciler.Filter(fleet, FleetReconciler.Order(device, settings.Groups));
        if (kept.Layers.Count != fleet.Layers.Count)
        {
            await config.UpdateFleetAsync(kept, _services.Value.Store.Save, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops events older than <c>uplink.outbox.maxAge</c>, once a minute.</summary>
    private async Task ExpireAsync(UplinkConfig settings, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), _time);
        do
        {
            try
            {
                _outbox.Expire(settings.OutboxMaxAge);
            }
            catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
            {
                Log.OutboxFailed(_logger, ex.Message);
            }
        }
        while (await WaitAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void OnEvent(EdgeBoxEvent item)
    {
        var settings = _settings;
        if (!settings.Enabled || settings.Mqtt.Url.Length == 0 || !settings.Sends(item.Type))
        {
            return;
        }

        try
        {
            _outbox.Enqueue(item.Type, JsonSerializer.Serialize(item, UplinkJsonContext.Default.EdgeBoxEvent), settings.OutboxMaxEvents);
            _mqtt?.Wake();
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException)
        {
            Log.OutboxFailed(_logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkDisabled, EventName = "UplinkDisabled", Level = LogLevel.Debug,
            Message = "No uplink configured (uplink.mqtt.url, uplink.http.configUrl): the box runs stand-alone")]
        public static partial void Disabled(ILogger logger);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkConnectFailed, EventName = "UplinkFailed", Level = LogLevel.Error,
            Message = "Uplink cannot start: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkOutboxFailed, EventName = "UplinkOutboxFailed", Level = LogLevel.Error,
            Message = "Uplink outbox: {Reason}")]
        public static partial void OutboxFailed(ILogger logger, string reason);
    }
}

/// <summary>The box's name in the fleet: <c>uplink.deviceId</c>, else the machine id, else the host name.</summary>
internal static class DeviceIdentity
{
    public static string Resolve(UplinkConfig settings)
    {
        if (settings.DeviceId.Length > 0)
        {
            return settings.DeviceId;
        }

        try
        {
            string machine = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
            if (machine.Length > 0 && Topics.NameError(machine) is null)
            {
                return machine;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Fall back to the host name.
        }

        string host = new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
        return host.Length > 0 ? host : "edgebox";
    }
}
