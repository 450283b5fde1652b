using System.Diagnostics.Metrics;

namespace EdgeBox.Infrastructure;

/// <summary>
/// The service's own instruments on the <c>EdgeBox</c> meter (exported at <c>/metrics</c> in Prometheus
/// format, and visible to <c>dotnet-counters</c>). Names follow OpenTelemetry conventions; the
/// Prometheus exporter turns <c>edgebox.config.updates</c> into <c>edgebox_config_updates_total</c>.
/// </summary>
internal sealed class EdgeBoxMetrics : IDisposable
{
    public const string MeterName = "EdgeBox";

    private readonly Meter _meter;
    private readonly Counter<long> _configUpdates;

    public EdgeBoxMetrics(IMeterFactory factory, TimeProvider time, Func<long> configVersion, Func<IEnumerable<(string Component, bool Up)>> components)
    {
        _meter = factory.Create(MeterName, BuildInfo.Version);
        var started = time.GetTimestamp();
        _configUpdates = _meter.CreateCounter<long>("edgebox.config.updates", "{update}", "Configuration updates by source and result");
        _meter.CreateObservableGauge("edgebox.uptime", () => time.GetElapsedTime(started).TotalSeconds, "s", "Seconds since the service started");
        _meter.CreateObservableGauge("edgebox.config.version", configVersion, "{version}", "Version of the running configuration");
        _meter.CreateObservableGauge("edgebox.component.up", () => components().Select(c =>
            new Measurement<int>(c.Up ? 1 : 0, new KeyValuePair<string, object?>("component", c.Component))), "{state}", "1 when the component works");
    }

    public void ConfigUpdate(string source, string result) =>
        _configUpdates.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("result", result));

    public void Dispose() => _meter.Dispose();
}
