namespace EdgeBox.Web;

// Wire shapes of GET /api/v1/uplink and of the fleet summary in GET /api/v1/info. camelCase JSON through ApiJsonContext.

/// <summary>
/// <c>GET /api/v1/uplink</c>: the link to the fleet as <c>uplink</c> configures it and as it runs. <c>modes</c> is
/// <c>mqtt</c>, <c>http</c>, both or none; <c>broker</c> and <c>configUrl</c> are shown without credentials or query.
/// </summary>
internal sealed record UplinkResponse(
    bool Enabled,
    IReadOnlyList<string> Modes,
    string? Broker,
    string? ConfigUrl,
    string DeviceId,
    IReadOnlyList<string> Groups,
    bool Connected,
    DateTimeOffset? ConnectedSince,
    DateTimeOffset? LastSync,
    DateTimeOffset? LastTelemetry,
    string? LastError,
    long EventsSent,
    UplinkOutboxDto Outbox,
    UplinkFleetDto Fleet,
    UplinkReportDto? LastReported);

/// <summary>Events waiting for the broker, dropped (oldest first, since the box was set up) and the last id the broker acknowledged.</summary>
internal sealed record UplinkOutboxDto(long Queued, long Dropped, long Acknowledged);

/// <summary>The fleet layers the running config is composed of (none: a stand-alone box) and the local settings they override.</summary>
internal sealed record UplinkFleetDto(bool Managed, string Version, IReadOnlyList<FleetLayerDto> Layers, IReadOnlyList<string> Overridden);

/// <summary>One applied fleet layer: <c>group/NAME</c> or <c>device/ID</c>, its version and the keys the box's own file may still set.</summary>
internal sealed record FleetLayerDto(string Name, string Version, IReadOnlyList<string> AllowLocal);

/// <summary>The last reported-state document: what became of the desired configs (<c>applied</c>, <c>partial</c>, <c>rejected</c>).</summary>
internal sealed record UplinkReportDto(
    DateTimeOffset Time,
    string Result,
    string AppliedVersion,
    IReadOnlyList<UplinkLayerReportDto> Layers,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> RestartRequired);

/// <summary>One desired layer in a report: its version and whether it was <c>applied</c>, <c>rejected</c> (with why) or <c>removed</c>.</summary>
internal sealed record UplinkLayerReportDto(string Layer, string? Version, string Status, IReadOnlyList<string> Errors);

/// <summary>
/// In <c>GET /api/v1/info</c>, for every role: whether fleet layers manage the config, their versions
/// (<c>group/a@3,device/box@7</c>) and the keys they let the box's own file set.
/// </summary>
internal sealed record FleetSummaryDto(bool Managed, string Version, IReadOnlyList<string> AllowLocal);
