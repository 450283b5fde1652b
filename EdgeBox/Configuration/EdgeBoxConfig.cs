namespace EdgeBox.Configuration;

/// <summary>
/// The whole configuration, immutable. Every key has a default here, so a config file only names what
/// differs. The key layout is a contract with users (see <c>config/README.md</c>); renaming a key is
/// a breaking change.
/// </summary>
internal sealed record EdgeBoxConfig
{
    public LogConfig Log { get; init; } = new();

    /// <summary>Data directory: LiteDB file, logs, recordings, snapshots. Relative to the working directory.</summary>
    public string Data { get; init; } = "./data";

    public ListenerConfig Http { get; init; } = new() { Address = "0.0.0.0:8080" };

    public HttpsConfig Https { get; init; } = new();

    public RtspConfig Rtsp { get; init; } = new();

    public ListenerConfig Rtmp { get; init; } = new() { Address = "0.0.0.0:1935" };

    public ListenerConfig Srt { get; init; } = new() { Address = "0.0.0.0:8890" };

    public WebRtcConfig WebRtc { get; init; } = new();

    public AuthConfig Auth { get; init; } = new();

    public MediaConfig Media { get; init; } = new();

    public CodecsConfig Codecs { get; init; } = new();

    public InferenceConfig Inference { get; init; } = new();

    public UplinkConfig Uplink { get; init; } = new();

    /// <summary>Settings every path starts from; a path's own keys override them.</summary>
    public PathConfig PathDefaults { get; init; } = PathConfig.BuiltInDefaults;

    /// <summary>Paths in file order: the first regex path that matches a name wins.</summary>
    public IReadOnlyList<NamedPath> Paths { get; init; } = [];

    public PathConfig EffectivePath(NamedPath path) => PathDefaults.Overlay(path.Config);
}

internal enum LogLevelSetting
{
    Debug,
    Info,
    Warn,
    Error,
}

internal enum LogFormat
{
    Text,
    Json,
}

internal sealed record LogConfig
{
    public LogLevelSetting Level { get; init; } = LogLevelSetting.Info;

    /// <summary>Also write a rolling file under <c>&lt;data&gt;/logs</c>.</summary>
    public bool File { get; init; } = true;

    /// <summary>Console format: human text or compact JSON (CLEF) for log shippers.</summary>
    public LogFormat Format { get; init; } = LogFormat.Text;
}

/// <summary>A TCP or UDP listener. <c>address</c> is <c>host:port</c>; port 0 takes a free port.</summary>
internal sealed record ListenerConfig
{
    public bool Enabled { get; init; } = true;

    public string Address { get; init; } = "";
}

/// <summary>
/// The HTTPS listener: everything the <c>http</c> listener serves, over TLS. Off by default. The
/// certificate is a PEM pair the user names, or (both empty) a self-signed one EdgeBox generates
/// under <c>&lt;data&gt;/tls</c>.
/// </summary>
internal sealed record HttpsConfig
{
    public bool Enabled { get; init; }

    public string Address { get; init; } = "0.0.0.0:8443";

    /// <summary>PEM certificate file (the chain may follow the certificate); relative to the data directory. Empty = self-signed.</summary>
    public string Certificate { get; init; } = "";

    /// <summary>PEM private key file (unencrypted); relative to the data directory. Empty = self-signed.</summary>
    public string Key { get; init; } = "";

    /// <summary>The plain <c>http</c> listener answers every request but the health check with a 308 to this listener.</summary>
    public bool Redirect { get; init; }

    /// <summary>Neither file named: EdgeBox brings its own self-signed certificate.</summary>
    public bool IsSelfSigned => Certificate.Length == 0 && Key.Length == 0;

    public ListenerConfig Listener => new() { Enabled = Enabled, Address = Address };
}

/// <summary>The RTSP server: TCP listener plus the UDP port pair for RTP/RTCP over UDP (RFC 2326 §12.39).</summary>
internal sealed record RtspConfig
{
    public bool Enabled { get; init; } = true;

    public string Address { get; init; } = "0.0.0.0:8554";

    /// <summary>UDP port for RTP (even); readers and publishers that ask for UDP use it (MediaMTX: 8000).</summary>
    public string RtpAddress { get; init; } = "0.0.0.0:8000";

    /// <summary>UDP port for RTCP (the RTP port + 1).</summary>
    public string RtcpAddress { get; init; } = "0.0.0.0:8001";

    /// <summary>A session with no request and no RTCP for this long is closed (RFC 2326 §12.37 default: 60 s).</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most concurrent RTSP sessions.</summary>
    public int MaxSessions { get; init; } = 1000;
}

/// <summary>Limits of the media core's fan-out to readers.</summary>
internal sealed record MediaConfig
{
    /// <summary>Access units a reader may have queued before it counts as behind (MediaMTX's writeQueueSize: 512).</summary>
    public int ReaderQueueSize { get; init; } = 512;

    /// <summary>How long a reader may stay behind the source before it is dropped.</summary>
    public TimeSpan ReaderMaxLag { get; init; } = TimeSpan.FromSeconds(10);
}

internal sealed record WebRtcConfig
{
    public bool Enabled { get; init; } = true;

    /// <summary>One UDP port shared by every WebRTC session (ICE mux).</summary>
    public string Address { get; init; } = "0.0.0.0:8189";

    /// <summary>Extra host candidates to offer: public IPs or names in front of a 1:1 NAT.</summary>
    public IReadOnlyList<string> AdditionalHosts { get; init; } = [];

    /// <summary>A session whose peer sends no ICE check (consent, RFC 7675) for this long is closed; 30 s as the RFC says.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>STUN/TURN servers announced to WHIP/WHEP clients in <c>Link</c> headers (RFC 9725 §4.4): <c>stun:host:port</c>, <c>turn:user:password@host:port?transport=udp</c>.</summary>
    public IReadOnlyList<string> IceServers { get; init; } = [];

    public bool Equals(WebRtcConfig? other) =>
        other is not null && Enabled == other.Enabled && Address == other.Address && SessionTimeout == other.SessionTimeout
        && AdditionalHosts.SequenceEqual(other.AdditionalHosts, StringComparer.Ordinal)
        && IceServers.SequenceEqual(other.IceServers, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Enabled, Address, AdditionalHosts.Count, SessionTimeout, IceServers.Count);
}

/// <summary>Console and API accounts: who may call the API without logging in, sessions, login lockout.</summary>
internal sealed record AuthConfig
{
    /// <summary>The role of a client that sends no credentials (<c>none</c>: it must log in).</summary>
    public Security.Role AnonymousRole { get; init; } = Security.Role.None;

    /// <summary>Where anonymous clients may come from (CIDR); empty = anywhere, allowed only for <c>viewer</c>.</summary>
    public IReadOnlyList<string> AnonymousNetworks { get; init; } = [];

    /// <summary>How long a console login lasts.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Failed logins for one user name before it is locked out (an address gets four times as many).</summary>
    public int MaxFailedLogins { get; init; } = 5;

    /// <summary>How long a lockout lasts after the last failure.</summary>
    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    public bool Equals(AuthConfig? other) =>
        other is not null && AnonymousRole == other.AnonymousRole && SessionLifetime == other.SessionLifetime
        && MaxFailedLogins == other.MaxFailedLogins && LockoutDuration == other.LockoutDuration
        && AnonymousNetworks.SequenceEqual(other.AnonymousNetworks, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(AnonymousRole, AnonymousNetworks.Count, SessionLifetime, MaxFailedLogins, LockoutDuration);
}

/// <summary>
/// Per-path settings. Every key is optional (null = not set) so that <c>pathDefaults</c> can fill the
/// gaps; <see cref="BuiltInDefaults"/> has every key set.
/// </summary>
internal sealed record PathConfig
{
    public static readonly PathConfig BuiltInDefaults = new()
    {
        Source = PathSources.Publisher,
        SourceOnDemand = false,
        SourceOnDemandStartTimeout = TimeSpan.FromSeconds(10),
        SourceOnDemandCloseAfter = TimeSpan.FromSeconds(10),
        RtspTransport = RtspTransportSetting.Automatic,
        ReconnectDelay = TimeSpan.FromSeconds(1),
        ReconnectMaxDelay = TimeSpan.FromSeconds(30),
        Forward = TextList.Empty,
        Transcode = TranscodeList.Empty,
        Record = false,
        RecordPath = "recordings/%path/%Y-%m-%d/%H-%M-%S-%f.mp4",
        RecordSegmentDuration = TimeSpan.FromMinutes(10),
        RecordPartDuration = TimeSpan.FromSeconds(1),
        RecordDeleteAfter = TimeSpan.FromDays(7),
        RecordMaxSize = 0,
        RecordMinFreeDisk = DiskFloor.Default,
        PreRoll = TimeSpan.Zero,
        ClipRetention = TimeSpan.FromDays(7),
        MaxReaders = 0,
        OverridePublisher = false,
    };

    /// <summary><c>publisher</c>: the stream is pushed to EdgeBox; <c>rtsp://</c> / <c>rtsps://</c>: EdgeBox pulls it.</summary>
    public string? Source { get; init; }

    /// <summary>Pull the source only while someone reads the path.</summary>
    public bool? SourceOnDemand { get; init; }

    /// <summary>How long a reader of an on-demand path waits for the source to become ready.</summary>
    public TimeSpan? SourceOnDemandStartTimeout { get; init; }

    /// <summary>How long an on-demand source stays connected after its last reader left.</summary>
    public TimeSpan? SourceOnDemandCloseAfter { get; init; }

    /// <summary>Transport of a pulled RTSP source: UDP first with fallback to TCP, or one of them.</summary>
    public RtspTransportSetting? RtspTransport { get; init; }

    /// <summary>SHA-256 fingerprint of an <c>rtsps://</c> source's certificate (pins a self-signed camera certificate).</summary>
    public string? SourceFingerprint { get; init; }

    /// <summary>First wait before reconnecting a pulled source or a forward; doubled per failure (with jitter).</summary>
    public TimeSpan? ReconnectDelay { get; init; }

    /// <summary>Longest wait between reconnection attempts.</summary>
    public TimeSpan? ReconnectMaxDelay { get; init; }

    /// <summary>RTSP servers the path is pushed to (ANNOUNCE/RECORD) while it has a source.</summary>
    public TextList? Forward { get; init; }

    /// <summary>Settings of the generator when <c>source: testsrc</c>.</summary>
    public TestSourceConfig? TestSrc { get; init; }

    /// <summary>Hardware acceleration for this path's decoding and transcoding; null = <c>codecs.hwaccel</c>.</summary>
    public HwAccelSetting? Hwaccel { get; init; }

    /// <summary>Transcode profiles: each publishes the derived path <c>&lt;path&gt;/&lt;name&gt;</c>.</summary>
    public TranscodeList? Transcode { get; init; }

    /// <summary>Object detection on the path's pictures; null = none.</summary>
    public DetectConfig? Detect { get; init; }

    /// <summary>Record the path to disk continuously (fMP4 segments).</summary>
    public bool? Record { get; init; }

    /// <summary>
    /// Where segments go, relative to the data directory: <c>%path</c> and strftime fields in UTC
    /// (<c>%Y %m %d %H %M %S</c>, <c>%f</c> microseconds); the time fields are how the index is rebuilt from files.
    /// </summary>
    public string? RecordPath { get; init; }

    /// <summary>Length of a segment file (cut at the next keyframe).</summary>
    public TimeSpan? RecordSegmentDuration { get; init; }

    /// <summary>Length of a fragment: what a crash can lose at most.</summary>
    public TimeSpan? RecordPartDuration { get; init; }

    /// <summary>Segments older than this are deleted; 0 keeps them (the size limits still apply).</summary>
    public TimeSpan? RecordDeleteAfter { get; init; }

    /// <summary>Most bytes of recordings this path keeps; 0 = no limit.</summary>
    public long? RecordMaxSize { get; init; }

    /// <summary>Free space kept on the recordings volume (<c>pathDefaults</c> only: it is one volume).</summary>
    public DiskFloor? RecordMinFreeDisk { get; init; }

    /// <summary>Seconds of the live stream kept in memory, so an event clip can start before its trigger.</summary>
    public TimeSpan? PreRoll { get; init; }

    /// <summary>How long an event clip is kept from retention.</summary>
    public TimeSpan? ClipRetention { get; init; }

    /// <summary>Most readers at once; 0 = no limit.</summary>
    public int? MaxReaders { get; init; }

    /// <summary>Whether a second publisher replaces the first (true) or is refused (false).</summary>
    public bool? OverridePublisher { get; init; }

    /// <summary>Credentials a publisher must present (both set, or neither).</summary>
    public string? PublishUser { get; init; }

    public string? PublishPass { get; init; }

    /// <summary>Credentials a reader must present (both set, or neither).</summary>
    public string? ReadUser { get; init; }

    public string? ReadPass { get; init; }

    public PathConfig Overlay(PathConfig over) => new()
    {
        Source = over.Source ?? Source,
        SourceOnDemand = over.SourceOnDemand ?? SourceOnDemand,
        SourceOnDemandStartTimeout = over.SourceOnDemandStartTimeout ?? SourceOnDemandStartTimeout,
        SourceOnDemandCloseAfter = over.SourceOnDemandCloseAfter ?? SourceOnDemandCloseAfter,
        RtspTransport = over.RtspTransport ?? RtspTransport,
        SourceFingerprint = over.SourceFingerprint ?? SourceFingerprint,
        ReconnectDelay = over.ReconnectDelay ?? ReconnectDelay,
        ReconnectMaxDelay = over.ReconnectMaxDelay ?? ReconnectMaxDelay,
        Forward = over.Forward ?? Forward,
        TestSrc = over.TestSrc ?? TestSrc,
        Hwaccel = over.Hwaccel ?? Hwaccel,
        Transcode = over.Transcode ?? Transcode,
        Detect = over.Detect ?? Detect,
        Record = over.Record ?? Record,
        RecordPath = over.RecordPath ?? RecordPath,
        RecordSegmentDuration = over.RecordSegmentDuration ?? RecordSegmentDuration,
        RecordPartDuration = over.RecordPartDuration ?? RecordPartDuration,
        RecordDeleteAfter = over.RecordDeleteAfter ?? RecordDeleteAfter,
        RecordMaxSize = over.RecordMaxSize ?? RecordMaxSize,
        RecordMinFreeDisk = over.RecordMinFreeDisk ?? RecordMinFreeDisk,
        PreRoll = over.PreRoll ?? PreRoll,
        ClipRetention = over.ClipRetention ?? ClipRetention,
        MaxReaders = over.MaxReaders ?? MaxReaders,
        OverridePublisher = over.OverridePublisher ?? OverridePublisher,
        PublishUser = over.PublishUser ?? PublishUser,
        PublishPass = over.PublishPass ?? PublishPass,
        ReadUser = over.ReadUser ?? ReadUser,
        ReadPass = over.ReadPass ?? ReadPass,
    };
}

internal enum RtspTransportSetting
{
    /// <summary>UDP, then TCP when the server refuses UDP or no packet arrives over it.</summary>
    Automatic,
    Udp,
    Tcp,
}

internal static class PathSources
{
    public const string Publisher = "publisher";

    /// <summary>The built-in generator: a test pattern with a clock, and a tone.</summary>
    public const string TestSource = "testsrc";

    /// <summary>Whether the source is a URL EdgeBox pulls from.</summary>
    public static bool IsUrl(string? source) =>
        source is not null && (source.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether EdgeBox itself brings the stream (a URL it pulls, or the generator) rather than a publisher pushing it.</summary>
    public static bool IsPulled(string? source) => IsUrl(source) || source == TestSource;
}

/// <summary>An immutable list of text with value equality, so configs that hold one compare by content.</summary>
internal sealed class TextList(IEnumerable<string> items) : IReadOnlyList<string>, IEquatable<TextList>
{
    public static readonly TextList Empty = new([]);

    private readonly string[] _items = items.ToArray();

    public int Count => _items.Length;

    public string this[int index] => _items[index];

    public bool Equals(TextList? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    public override bool Equals(object? obj) => Equals(obj as TextList);

    public override int GetHashCode() => _items.Length;

    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();
}

/// <summary>A configured path: a literal name (<c>cam1</c>, <c>lobby/door</c>) or a regex (<c>~^live/.+$</c>).</summary>
internal sealed record NamedPath(string Name, PathConfig Config)
{
    /// <summary>Line of the name in the file, for error messages; not part of equality.</summary>
    public int Line { get; init; }

    public bool IsRegex => Name.StartsWith('~');

    public bool Equals(NamedPath? other) => other is not null && Name == other.Name && Config == other.Config;

    public override int GetHashCode() => HashCode.Combine(Name, Config);
}
