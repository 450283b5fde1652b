using System.Text.Json;
using EdgeBox.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBox.Uplink;

/// <summary>
/// Many simulated boxes in one process, each with the real <see cref="MqttUplink"/> and the real desired
/// config path (<see cref="FleetReconciler"/>, <see cref="ConfigLayers"/>, <see cref="ConfigLoader"/>),
/// but without media: what <c>bench/fleet.py</c> runs against one broker (<c>edgebox fleet simulate</c>).
/// </summary>
internal static class FleetSimulator
{
    public static async Task RunAsync(MqttUplinkConfig broker, int devices, string prefix, IReadOnlyList<string> groups, TimeSpan telemetryInterval,
        TextWriter stdout, CancellationToken cancellationToken)
    {
        var status = new UplinkStatus();
        var uplinks = new List<MqttUplink>();
        var running = new List<Task>();
        try
        {
            for (int i = 0; i < devices; i++)
            {
                string id = $"{prefix}{i:D4}";
                var device = new SimulatedDevice(id, groups);
                var uplink = new MqttUplink(new MqttUplinkOptions(broker, id, groups, telemetryInterval), device, status, TimeProvider.System, NullLogger.Instance);
                uplinks.Add(uplink);
                running.Add(uplink.RunAsync(cancellationToken));
            }

            await stdout.WriteLineAsync($"simulating {devices} devices ({prefix}0000..) in groups {string.Join(",", groups)} against {broker.Url}").ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        finally
        {
            foreach (var uplink in uplinks)
            {
                uplink.Dispose();
            }
        }
    }

    /// <summary>A box without media: a small local config, and fleet layers validated and composed as the service does.</summary>
    private sealed class SimulatedDevice(string id, IReadOnlyList<string> groups) : IFleetDevice
    {
        private const string LocalText = "log: { level: info }\npaths:\n  local: {}\n";
        private readonly TimeProvider _time = TimeProvider.System;
        private FleetLayers _applied = FleetLayers.None;
        private string _effective = LocalText;
        private long _version;

        public UplinkOutbox? Outbox => null;

        public byte[] State(bool online, string? reason) => JsonSerializer.SerializeToUtf8Bytes(
            new StateMessage(id, online ? "online" : "offline", _time.GetUtcNow())
            {
                Reason = reason,
                Version = Infrastructure.BuildInfo.Version,
                Groups = online ? groups : null,
                ConfigVersion = online ? _applied.Version : null,
            },
            UplinkJsonContext.Default.StateMessage);

        public byte[] Telemetry() => JsonSerializer.SerializeToUtf8Bytes(
            new TelemetryMessage(id, _time.GetUtcNow(), 0, new TelemetryHost(0, 0, 0, 0, 0, 0, "none"), [], [], [], [], new TelemetryOutbox(0, 0, 0), _applied.Version),
            UplinkJsonContext.Default.TelemetryMessage);

        public Task<byte[]> ReconcileAsync(IReadOnlyDictionary<string, string?> desired, CancellationToken cancellationToken)
        {
            var (next, layers) = FleetReconciler.Select(desired, _applied, FleetReconciler.Order(id, groups), [], requireSignature: false);
            var composed = ConfigLayers.Compose(next, LocalText);
            var load = composed.Errors.Count > 0 ? new ConfigLoadResult(null, composed.Errors) : ConfigLoader.Load(composed.Text);
            var errors = load.Errors.Select(e => e.ToString()).ToList();
            string result = "rejected";
            if (load.IsValid)
            {
                if (composed.Text != _effective || next.Version != _applied.Version)
                {
                    _version++;
                }

                (_applied, _effective) = (next, composed.Text);
                result = layers.Any(l => l.Status == "rejected") ? "partial" : "applied";
            }

            var report = new ReportedMessage(id, _time.GetUtcNow(), result, _applied.Version, layers, errors, ConfigFile.Hash(_effective), _version, composed.Overridden, []);
            return Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(report, UplinkJsonContext.Default.ReportedMessage));
        }

        public Task<byte[]> CommandAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
            Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(new CommandResponse(true, null) { Message = $"simulated {name}" }, UplinkJsonContext.Default.CommandResponse));
    }
}
