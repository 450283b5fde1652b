using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeBox.Uplink;

/// <summary>The retained <c>state</c> message: the birth (online) or the last will / goodbye (offline).</summary>
internal sealed record StateMessage(string Device, string State, DateTimeOffset Time)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Groups { get; init; }

    /// <summary>Protocols, encoders and inference providers the box offers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Capabilities { get; init; }

    /// <summary>Where the box can be reached (its non-loopback addresses and ports).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Addresses { get; init; }

    /// <summary>The fleet layers it runs on (<c>group/a@3,device/box@7</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConfigVersion { get; init; }
}

/// <summary>The retained <c>config/reported</c> message: what became of the desired configs.</summary>
internal sealed record ReportedMessage(
    string Device,
    DateTimeOffset Time,
    string Result,
    string AppliedVersion,
    IReadOnlyList<LayerReport> Layers,
    IReadOnlyList<string> Errors,
    string EffectiveHash,
    long ConfigVersion,
    IReadOnlyList<string> Overridden,
    IReadOnlyList<string> RestartRequired);

/// <summary>One desired layer: its version and whether it was <c>applied</c>, <c>rejected</c> (with why) or <c>removed</c>.</summary>
internal sealed record LayerReport(string Layer, string? Version, string Status, IReadOnlyList<string> Errors);

/// <summary>The periodic (retained) <c>telemetry</c> message.</summary>
internal sealed record TelemetryMessage(
    string Device,
    DateTimeOffset Time,
    double UptimeSeconds,
    TelemetryHost Host,
    IReadOnlyList<Web.PathDto> Paths,
    IReadOnlyList<TelemetryRecording> Recordings,
    IReadOnlyList<Inference.DetectorStatus> Detectors,
    IReadOnlyList<string> Alarms,
    TelemetryOutbox Outbox,
    string? ConfigVersion);

internal sealed record TelemetryHost(double CpuPercent, long MemoryTotalBytes, long MemoryAvailableBytes, long ProcessRssBytes, long DiskTotalBytes, long DiskFreeBytes, string Hardware);

internal sealed record TelemetryRecording(string Path, long Bytes, int Segments, DateTimeOffset First, DateTimeOffset Last);

internal sealed record TelemetryOutbox(long Queued, long Dropped, long Acknowledged);

/// <summary>A command's response on <c>.../cmd/NAME/response</c> (or the MQTT 5 response topic).</summary>
internal sealed record CommandResponse(bool Ok, string? Id)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    /// <summary>A snapshot's JPEG, base64.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Jpeg { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ClipId { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(StateMessage))]
[JsonSerializable(typeof(ReportedMessage))]
[JsonSerializable(typeof(TelemetryMessage))]
[JsonSerializable(typeof(CommandResponse))]
[JsonSerializable(typeof(Events.EdgeBoxEvent))]
[JsonSerializable(typeof(string))]
internal sealed partial class UplinkJsonContext : JsonSerializerContext;
