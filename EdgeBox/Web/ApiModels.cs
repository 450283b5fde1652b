using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeBox.Web;

// Wire shapes of the REST API (/api/v1). camelCase JSON through ApiJsonContext (source-generated).

internal sealed record HealthResponse(string Status, IReadOnlyList<ComponentDto> Components);

internal sealed record ComponentDto(string Name, string Status, bool Required, string? Message);

internal sealed record InfoResponse(
    string Version,
    string Runtime,
    string Platform,
    bool NativeAot,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    HostDto Host,
    FfmpegDto Ffmpeg,
    OnnxRuntimeDto OnnxRuntime)
{
    /// <summary>Hardware acceleration: what <c>codecs.hwaccel</c> selected and what each API said when probed.</summary>
    public HardwareDto? Hardware { get; init; }

    /// <summary>Whether fleet layers manage the configuration (the console's banner, for every role).</summary>
    public FleetSummaryDto Fleet { get; init; } = new(false, "", []);
}

internal sealed record HardwareDto(string Selected, string Reason, IReadOnlyList<HardwareApiDto> Apis);

internal sealed record HardwareApiDto(string Name, bool Available, string? Error);

internal sealed record HostDto(
    string Name,
    int CpuCount,
    double CpuPercent,
    long MemoryTotalBytes,
    long MemoryAvailableBytes,
    long ProcessRssBytes,
    string DataDirectory,
    long DiskTotalBytes,
    long DiskFreeBytes);

internal sealed record FfmpegDto(
    bool Available,
    string? Error,
    string Version,
    IReadOnlyDictionary<string, string> Libraries,
    IReadOnlyList<string> VideoEncoders,
    IReadOnlyList<string> VideoDecoders,
    IReadOnlyList<string> AudioEncoders,
    IReadOnlyList<string> AudioDecoders,
    IReadOnlyList<string> HardwareDeviceTypes,
    IReadOnlyList<string> HardwareCodecs);

internal sealed record OnnxRuntimeDto(bool Available, string? Error, string Version, IReadOnlyList<string> ExecutionProviders, string? Library);

/// <summary>A path: configured (literal or regex) and/or active (has a source or readers).</summary>
internal sealed record PathDto(
    string Name,
    bool Regex,
    string Source,
    bool Record,
    string State,
    string? SourceKind,
    DateTimeOffset? ReadySince,
    IReadOnlyList<TrackDto> Tracks,
    int Readers,
    long BytesIn,
    long FramesIn)
{
    /// <summary>The connection to a pulled source (<c>rtsp://...</c>), when the path has one running.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PullDto? Pull { get; init; }

    /// <summary>The path's <c>forward</c> targets and their state.</summary>
    public IReadOnlyList<ForwardDto> Forwards { get; init; } = [];

    /// <summary>Bits per second received over the last second.</summary>
    public long Bitrate { get; init; }

    /// <summary>Video frames per second received over the last second.</summary>
    public double Fps { get; init; }

    /// <summary>Payload bytes queued to readers (readers that left included).</summary>
    public long BytesOut { get; init; }

    /// <summary>Access units readers skipped because they were behind.</summary>
    public long FramesDropped { get; init; }
}

/// <summary>A pulled source: its URL (password hidden), <c>connecting</c> / <c>ready</c> / <c>waiting</c>, and why it last failed.</summary>
internal sealed record PullDto(string Url, string State, string? LastError);

/// <summary>A forward target: URL (password hidden), <c>waiting</c> / <c>connecting</c> / <c>forwarding</c> / <c>retrying</c>, last error.</summary>
internal sealed record ForwardDto(string Url, string State, string? LastError);

internal sealed record TrackDto(string Codec, int ClockRate, int Channels, int Width, int Height);

internal sealed record PathListResponse(IReadOnlyList<PathDto> Items);

internal sealed record SessionDto(string Id, string Protocol, string Remote, string? Path, string State, DateTimeOffset Created, long BytesIn, long BytesOut);

internal sealed record SessionListResponse(IReadOnlyList<SessionDto> Items);

/// <summary>
/// <c>GET /api/v1/webrtc</c>: the shared UDP port, its host candidates, the DTLS fingerprint and what was
/// refused: offers, STUN that failed its checks, datagrams from no session, SRTP of live sessions that
/// failed authentication or replay checks.
/// </summary>
internal sealed record WebRtcStatusDto(bool Available, int Port, IReadOnlyList<string> Candidates, string? Fingerprint, int Sessions,
    long OffersRefused, long StunRefused, long DatagramsDropped, long SrtpRefused);

internal sealed record EventListResponse(IReadOnlyList<Events.EdgeBoxEvent> Items);

internal sealed record ConfigErrorDto(string Path, int Line, string Message, string? Env);

internal sealed record ConfigErrorsResponse(string Error, IReadOnlyList<ConfigErrorDto> Errors);

internal sealed record ConfigChangeDto(string Key, string Kind, bool RestartRequired);

internal sealed record ConfigUpdateResponse(string Status, long Version, string Hash, IReadOnlyList<ConfigChangeDto> Changes);

internal sealed record ConfigHistoryItemDto(long Version, DateTimeOffset Time, string Source, string Hash, IReadOnlyList<string> Changes);

internal sealed record ConfigHistoryResponse(IReadOnlyList<ConfigHistoryItemDto> Items);

internal sealed record ErrorResponse(string Error);

internal sealed record ModelDto(string Name, string Adapter, IReadOnlyList<string> Labels, string Input, IReadOnlyList<string> Outputs, long Size, string Sha256,
    DateTimeOffset Added, IReadOnlyList<string> UsedBy);

internal sealed record ModelListResponse(IReadOnlyList<ModelDto> Items);

internal sealed record DetectorListResponse(IReadOnlyList<Inference.DetectorStatus> Items);

/// <summary>The effective configuration as JSON (keys as in the YAML file).</summary>
internal sealed record ConfigDocumentDto(
    long Version,
    string Hash,
    string File,
    ConfigLogDto Log,
    string Data,
    ListenerDto Http,
    RtspDto Rtsp,
    ListenerDto Rtmp,
    ListenerDto Srt,
    WebRtcDto Webrtc,
    MediaDto Media,
    PathSettingsDto PathDefaults,
    IReadOnlyDictionary<string, PathSettingsDto> Paths);

internal sealed record ConfigLogDto(string Level, bool File, string Format);

internal sealed record ListenerDto(bool Enabled, string Address);

internal sealed record RtspDto(bool Enabled, string Address, string RtpAddress, string RtcpAddress, double SessionTimeoutSeconds, int MaxSessions);

internal sealed record MediaDto(int ReaderQueueSize, double ReaderMaxLagSeconds);

internal sealed record WebRtcDto(bool Enabled, string Address, IReadOnlyList<string> AdditionalHosts);

/// <summary>A path's own keys (null = taken from pathDefaults). Passwords are never returned as JSON, only whether one is set.</summary>
internal sealed record PathSettingsDto(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Source,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Record,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxReaders,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? OverridePublisher,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PublishUser,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? PublishPassSet,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReadUser,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ReadPassSet)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? SourceOnDemand { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SourceOnDemandStartTimeoutSeconds { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? SourceOnDemandCloseAfterSeconds { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RtspTransport { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SourceFingerprint { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ReconnectDelaySeconds { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ReconnectMaxDelaySeconds { get; init; }

    /// <summary>Forward URLs with passwords hidden.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Forward { get; init; }
}

internal sealed record LoginRequest(string? Name, string? Password);

internal sealed record SetupRequest(string? Code, string? Name, string? Password);

internal sealed record PasswordRequest(string? Current, string? Password);

/// <summary>Who the caller is (<c>GET /api/v1/auth/me</c>); <c>setupRequired</c> while no account exists.</summary>
internal sealed record MeResponse(bool Authenticated, string? Name, string? Role, string? Kind, IReadOnlyList<string>? Paths, bool MustChangePassword, bool SetupRequired);

internal sealed record UserDto(string Name, string Role, IReadOnlyList<string>? Paths, DateTimeOffset Created, bool MustChangePassword);

internal sealed record UserListResponse(IReadOnlyList<UserDto> Items);

/// <summary>
/// Creates (POST) or changes (PATCH) a user. On PATCH only what is sent changes; <c>paths</c> limits a
/// viewer to those paths and <c>allPaths: true</c> lifts the limit.
/// </summary>
internal sealed record UserRequest(string? Name, string? Role, string? Password, IReadOnlyList<string>? Paths, bool? AllPaths, bool? MustChangePassword);

internal sealed record TokenDto(string Id, string Name, string Role, IReadOnlyList<string>? Paths, DateTimeOffset Created, string? CreatedBy, DateTimeOffset? Expires);

internal sealed record TokenListResponse(IReadOnlyList<TokenDto> Items);

internal sealed record TokenRequest(string? Name, string? Role, IReadOnlyList<string>? Paths, double? ExpiresInDays);

/// <summary>A new token: <c>token</c> is the secret, shown this once.</summary>
internal sealed record TokenCreatedResponse(string Token, TokenDto Info);

/// <summary>
/// A configured path as the file has it: the keys the console's form edits (null = not set, from
/// pathDefaults), the rest as YAML (<c>other</c>), all of it as YAML (<c>yaml</c>), and the effective source and record.
/// </summary>
internal sealed record PathConfigDto(string Name, bool Regex, string? Source, bool? SourceOnDemand, bool? Record, string Other, string Yaml,
    string EffectiveSource, bool EffectiveRecord);

internal sealed record PathConfigListResponse(IReadOnlyList<PathConfigDto> Items);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(PathConfigListResponse))]
[JsonSerializable(typeof(HostDto))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(SetupRequest))]
[JsonSerializable(typeof(PasswordRequest))]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(UserListResponse))]
[JsonSerializable(typeof(UserRequest))]
[JsonSerializable(typeof(TokenListResponse))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenCreatedResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ModelListResponse))]
[JsonSerializable(typeof(ModelDto))]
[JsonSerializable(typeof(DetectorListResponse))]
[JsonSerializable(typeof(Events.EdgeBoxEvent))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(InfoResponse))]
[JsonSerializable(typeof(PathListResponse))]
[JsonSerializable(typeof(PathDto))]
[JsonSerializable(typeof(SessionListResponse))]
[JsonSerializable(typeof(WebRtcStatusDto))]
[JsonSerializable(typeof(EventListResponse))]
[JsonSerializable(typeof(ConfigErrorsResponse))]
[JsonSerializable(typeof(ConfigUpdateResponse))]
[JsonSerializable(typeof(ConfigHistoryResponse))]
[JsonSerializable(typeof(ConfigDocumentDto))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(RecordingListResponse))]
[JsonSerializable(typeof(RecordingDetailResponse))]
[JsonSerializable(typeof(ClipDto))]
[JsonSerializable(typeof(ClipListResponse))]
[JsonSerializable(typeof(RangeDeletedResponse))]
[JsonSerializable(typeof(UplinkResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
