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
    private readonly Counter<long> _readersDropped;
    private readonly Counter<long> _segmentsDeleted;
    private readonly Counter<long> _segmentBytesDeleted;

    public EdgeBoxMetrics(IMeterFactory factory, TimeProvider time, Func<long> configVersion, Func<IEnumerable<(string Component, bool Up)>> components,
        Func<IEnumerable<Media.MediaPath>>? paths = null)
    {
        _meter = factory.Create(MeterName, BuildInfo.Version);
        var started = time.GetTimestamp();
        _configUpdates = _meter.CreateCounter<long>("edgebox.config.updates", "{update}", "Configuration updates by source and result");
        _meter.CreateObservableGauge("edgebox.uptime", () => time.GetElapsedTime(started).TotalSeconds, "s", "Seconds since the service started");
        _meter.CreateObservableGauge("edgebox.config.version", configVersion, "{version}", "Version of the running configuration");
        _meter.CreateObservableGauge("edgebox.component.up", () => components().Select(c =>
            new Measurement<int>(c.Up ? 1 : 0, new KeyValuePair<string, object?>("component", c.Component))), "{state}", "1 when the component works");
        _readersDropped = _meter.CreateCounter<long>("edgebox.readers.dropped", "{reader}", "Readers dropped for staying behind the source, by path");
        _segmentsDeleted = _meter.CreateCounter<long>("edgebox.recording.segments.deleted", "{segment}", "Recorded segments deleted by retention, by path");
        _segmentBytesDeleted = _meter.CreateCounter<long>("edgebox.recording.deleted", "By", "Bytes of recordings deleted by retention, by path");

        // Per path, read at scrape time from counters the media core keeps anyway: nothing per packet.
        paths ??= () => [];
        _meter.CreateObservableCounter("edgebox.path.bytes.in", () => PerPath(paths(), p => p.BytesIn), "By", "Payload bytes received from the path's source");
        _meter.CreateObservableCounter("edgebox.path.frames.in", () => PerPath(paths(), p => p.FramesIn), "{frame}", "Access units received from the source");
        _meter.CreateObservableCounter("edgebox.path.bytes.out", () => PerPath(paths(), p => p.BytesOut), "By", "Payload bytes queued to the path's readers");
        _meter.CreateObservableCounter("edgebox.path.frames.dropped", () => PerPath(paths(), p => p.FramesDropped), "{frame}",
            "Access units readers skipped because they were behind");
        _meter.CreateObservableGauge("edgebox.path.readers", () => PerPath(paths(), p => (long)p.Readers.Count), "{reader}", "Readers attached now");
        _meter.CreateObservableGauge("edgebox.path.ready", () => PerPath(paths(), p => p.State == Media.PathState.Ready ? 1L : 0L), "{state}",
            "1 while the path has a source");
    }

    /// <summary>Per-path detection counters, read at scrape time.</summary>
    public void ObserveDetectors(Func<IReadOnlyList<Inference.DetectorStatus>> detectors)
    {
        IEnumerable<Measurement<long>> Each(Func<Inference.DetectorStatus, long> value) =>
            detectors().Select(d => new Measurement<long>(value(d), new KeyValuePair<string, object?>("path", d.Path), new KeyValuePair<string, object?>("model", d.Model)));

        _meter.CreateObservableCounter("edgebox.detect.pictures.sampled", () => Each(d => d.Sampled), "{picture}", "Pictures taken from the decoder for the model");
        _meter.CreateObservableCounter("edgebox.detect.pictures.skipped", () => Each(d => d.Skipped), "{picture}",
            "Sampled pictures the model did not run on because it was behind (or not loaded)");
        _meter.CreateObservableCounter("edgebox.detect.inferences", () => Each(d => d.Inferences), "{picture}", "Pictures the model ran on");
        _meter.CreateObservableCounter("edgebox.detect.detections", () => Each(d => d.Detections), "{detection}", "Detections kept after the filters");
        _meter.CreateObservableCounter("edgebox.detect.events", () => Each(d => d.Events), "{event}", "Detection events started");
        _meter.CreateObservableGauge("edgebox.detect.objects", () => Each(d => d.Objects), "{object}", "Objects tracked now");
    }

    public void SegmentDeleted(string path, long bytes)
    {
        _segmentsDeleted.Add(1, new KeyValuePair<string, object?>("path", path));
        _segmentBytesDeleted.Add(bytes, new KeyValuePair<string, object?>("path", path));
    }

    public void ReaderDropped(string path) => _readersDropped.Add(1, new KeyValuePair<string, object?>("path", path));

    private static IEnumerable<Measurement<long>> PerPath(IEnumerable<Media.MediaPath> paths, Func<Media.MediaPath, long> value) =>
        paths.Select(p => new Measurement<long>(value(p), new KeyValuePair<string, object?>("path", p.Name)));

    public void ConfigUpdate(string source, string result) =>
        _configUpdates.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("result", result));

    public void Dispose() => _meter.Dispose();
}
