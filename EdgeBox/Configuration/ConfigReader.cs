namespace EdgeBox.Configuration;

/// <summary>
/// Reads a <see cref="YamlNode"/> tree into <see cref="EdgeBoxConfig"/> by hand (no reflection), and
/// reports every problem with its YAML path and line: unknown keys, wrong types, bad values. The
/// semantic rules that look across keys live in <see cref="ConfigValidator"/>.
/// </summary>
internal sealed partial class ConfigReader
{
    private static readonly string[] RootKeys = ["log", "data", "http", "https", "rtsp", "rtmp", "srt", "webrtc", "auth", "media", "codecs", "inference", "uplink", "pathDefaults", "paths"];
    private static readonly string[] LogKeys = ["level", "file", "format"];
    private static readonly string[] ListenerKeys = ["enabled", "address"];
    private static readonly string[] HttpsKeys = ["enabled", "address", "certificate", "key", "redirect"];
    private static readonly string[] RtspKeys = ["enabled", "address", "rtpAddress", "rtcpAddress", "sessionTimeout", "maxSessions"];
    private static readonly string[] AuthKeys = ["anonymousRole", "anonymousNetworks", "sessionLifetime", "maxFailedLogins", "lockoutDuration"];
    private static readonly string[] WebRtcKeys = ["enabled", "address", "additionalHosts", "sessionTimeout", "iceServers"];
    internal static readonly string[] InferenceKeys = ["executionProvider", "deviceId", "threads", "runtimeLibrary"];
    private static readonly string[] MediaKeys = ["readerQueueSize", "readerMaxLag"];
    internal static readonly string[] PathKeys =
    [
        "source", "sourceOnDemand", "sourceOnDemandStartTimeout", "sourceOnDemandCloseAfter", "rtspTransport", "sourceFingerprint",
        "reconnectDelay", "reconnectMaxDelay", "forward", "testsrc", "hwaccel", "transcode", "detect", "record", "recordPath", "recordSegmentDuration",
        "recordPartDuration", "recordDeleteAfter", "recordMaxSize", "recordMinFreeDisk", "preRoll", "clipRetention", "maxReaders", "overridePublisher", "publishUser", "publishPass", "readUser", "readPass",
    ];

    private readonly List<ConfigError> _errors;

    private ConfigReader(List<ConfigError> errors) => _errors = errors;

    /// <summary>Key names per section, used to map <c>EDGEBOX_SECTION_KEY</c> variables and to suggest fixes.</summary>
    internal static IReadOnlyDictionary<string, string[]> Sections { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["log"] = LogKeys,
        ["http"] = ListenerKeys,
        ["https"] = HttpsKeys,
        ["rtsp"] = RtspKeys,
        ["rtmp"] = ListenerKeys,
        ["srt"] = ListenerKeys,
        ["webrtc"] = WebRtcKeys,
        ["auth"] = AuthKeys,
        ["media"] = MediaKeys,
        ["codecs"] = CodecsKeys,
        ["inference"] = InferenceKeys,
        ["uplink"] = ["deviceId", "groups", "telemetryInterval", "trustedKeys", "requireSignature", "events"], // the scalar and list keys
        ["pathDefaults"] = PathKeys,
    };

    internal static IReadOnlyList<string> TopLevelKeys => RootKeys;

    public static EdgeBoxConfig Read(YamlNode? root, List<ConfigError> errors)
    {
        var config = new EdgeBoxConfig();
        if (root is null || root is YamlScalar { IsNull: true })
        {
            return config;
        }

        var reader = new ConfigReader(errors);
        if (reader.Mapping(root, "", RootKeys) is not { } map)
        {
            return config;
        }

        foreach (var (key, value) in map.Entries)
        {
            switch (key.Value)
            {
                case "log": config = config with { Log = reader.ReadLog(value, config.Log) }; break;
                case "data": config = config with { Data = reader.String(value, "data", config.Data, allowEmpty: false) }; break;
                case "http": config = config with { Http = reader.ReadListener(value, "http", config.Http) }; break;
                case "https": config = config with { Https = reader.ReadHttps(value, config.Https) }; break;
                case "rtsp": config = config with { Rtsp = reader.ReadRtsp(value, config.Rtsp) }; break;
                case "rtmp": config = config with { Rtmp = reader.ReadListener(value, "rtmp", config.Rtmp) }; break;
                case "srt": config = config with { Srt = reader.ReadListener(value, "srt", config.Srt) }; break;
                case "webrtc": config = config with { WebRtc = reader.ReadWebRtc(value, config.WebRtc) }; break;
                case "auth": config = config with { Auth = reader.ReadAuth(value, config.Auth) }; break;
                case "media": config = config with { Media = reader.ReadMedia(value, config.Media) }; break;
                case "codecs": config = config with { Codecs = reader.ReadCodecs(value, config.Codecs) }; break;
                case "inference": config = config with { Inference = reader.ReadInference(value, config.Inference) }; break;
                case "uplink": config = config with { Uplink = reader.ReadUplink(value, config.Uplink) }; break;
                case "pathDefaults": config = config with { PathDefaults = PathConfig.BuiltInDefaults.Overlay(reader.ReadPath(value, "pathDefaults")) }; break;
                case "paths": config = config with { Paths = reader.ReadPaths(value) }; break;
            }
        }

        return config;
    }

    private LogConfig ReadLog(YamlNode node, LogConfig value)
    {
        if (Mapping(node, "log", LogKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "level" => value with { Level = Enum(child, "log.level", value.Level) },
                "file" => value with { File = Bool(child, "log.file", value.File) },
                "format" => value with { Format = Enum(child, "log.format", value.Format) },
                _ => value,
            };
        }

        return value;
    }

    private ListenerConfig ReadListener(YamlNode node, string path, ListenerConfig value)
    {
        if (Mapping(node, path, ListenerKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "enabled" => value with { Enabled = Bool(child, path + ".enabled", value.Enabled) },
                "address" => value with { Address = String(child, path + ".address", value.Address, allowEmpty: false) },
                _ => value,
            };
        }

        return value;
    }

    private HttpsConfig ReadHttps(YamlNode node, HttpsConfig value)
    {
        if (Mapping(node, "https", HttpsKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "enabled" => value with { Enabled = Bool(child, "https.enabled", value.Enabled) },
                "address" => value with { Address = String(child, "https.address", value.Address, allowEmpty: false) },
                "certificate" => value with { Certificate = OptionalString(child, "https.certificate") },
                "key" => value with { Key = OptionalString(child, "https.key") },
                "redirect" => value with { Redirect = Bool(child, "https.redirect", value.Redirect) },
                _ => value,
            };
        }

        return value;
    }

    private RtspConfig ReadRtsp(YamlNode node, RtspConfig value)
    {
        if (Mapping(node, "rtsp", RtspKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "enabled" => value with { Enabled = Bool(child, "rtsp.enabled", value.Enabled) },
                "address" => value with { Address = String(child, "rtsp.address", value.Address, allowEmpty: false) },
                "rtpAddress" => value with { RtpAddress = String(child, "rtsp.rtpAddress", value.RtpAddress, allowEmpty: false) },
                "rtcpAddress" => value with { RtcpAddress = String(child, "rtsp.rtcpAddress", value.RtcpAddress, allowEmpty: false) },
                "sessionTimeout" => value with { SessionTimeout = Duration(child, "rtsp.sessionTimeout", value.SessionTimeout) },
                "maxSessions" => value with { MaxSessions = Int(child, "rtsp.maxSessions", value.MaxSessions, 1, 1_000_000) },
                _ => value,
            };
        }

        return value;
    }

    private MediaConfig ReadMedia(YamlNode node, MediaConfig value)
    {
        if (Mapping(node, "media", MediaKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "readerQueueSize" => value with { ReaderQueueSize = Int(child, "media.readerQueueSize", value.ReaderQueueSize, 8, 1_000_000) },
                "readerMaxLag" => value with { ReaderMaxLag = Duration(child, "media.readerMaxLag", value.ReaderMaxLag) },
                _ => value,
            };
        }

        return value;
    }

    private WebRtcConfig ReadWebRtc(YamlNode node, WebRtcConfig value)
    {
        if (Mapping(node, "webrtc", WebRtcKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "enabled" => value with { Enabled = Bool(child, "webrtc.enabled", value.Enabled) },
                "address" => value with { Address = String(child, "webrtc.address", value.Address, allowEmpty: false) },
                "additionalHosts" => value with { AdditionalHosts = StringList(child, "webrtc.additionalHosts") },
                "sessionTimeout" => value with { SessionTimeout = Duration(child, "webrtc.sessionTimeout", value.SessionTimeout) },
                "iceServers" => value with { IceServers = StringList(child, "webrtc.iceServers") },
                _ => value,
            };
        }

        return value;
    }

    private AuthConfig ReadAuth(YamlNode node, AuthConfig value)
    {
        if (Mapping(node, "auth", AuthKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "anonymousRole" => value with { AnonymousRole = Enum(child, "auth.anonymousRole", value.AnonymousRole) },
                "anonymousNetworks" => value with { AnonymousNetworks = StringList(child, "auth.anonymousNetworks") },
                "sessionLifetime" => value with { SessionLifetime = Duration(child, "auth.sessionLifetime", value.SessionLifetime) },
                "maxFailedLogins" => value with { MaxFailedLogins = Int(child, "auth.maxFailedLogins", value.MaxFailedLogins, 1, 1000) },
                "lockoutDuration" => value with { LockoutDuration = Duration(child, "auth.lockoutDuration", value.LockoutDuration) },
                _ => value,
            };
        }

        return value;
    }

    private PathConfig ReadPath(YamlNode node, string path)
    {
        var value = new PathConfig();
        if (node is YamlScalar { IsNull: true })
        {
            return value; // "cam1:" with nothing under it takes every default.
        }

        if (Mapping(node, path, PathKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "source" => value with { Source = String(child, path + ".source", "", allowEmpty: false) },
                "sourceOnDemand" => value with { SourceOnDemand = Bool(child, path + ".sourceOnDemand", false) },
                "sourceOnDemandStartTimeout" => value with { SourceOnDemandStartTimeout = Duration(child, path + ".sourceOnDemandStartTimeout", TimeSpan.FromSeconds(10)) },
                "sourceOnDemandCloseAfter" => value with { SourceOnDemandCloseAfter = Duration(child, path + ".sourceOnDemandCloseAfter", TimeSpan.FromSeconds(10)) },
                "rtspTransport" => value with { RtspTransport = Enum(child, path + ".rtspTransport", RtspTransportSetting.Automatic) },
                "sourceFingerprint" => value with { SourceFingerprint = String(child, path + ".sourceFingerprint", "", allowEmpty: false) },
                "reconnectDelay" => value with { ReconnectDelay = Duration(child, path + ".reconnectDelay", TimeSpan.FromSeconds(1)) },
                "reconnectMaxDelay" => value with { ReconnectMaxDelay = Duration(child, path + ".reconnectMaxDelay", TimeSpan.FromSeconds(30)) },
                "forward" => value with { Forward = new TextList(StringList(child, path + ".forward")) },
                "hwaccel" => value with { Hwaccel = Enum(child, path + ".hwaccel", HwAccelSetting.Auto) },
                "testsrc" => value with { TestSrc = ReadTestSource(child, path + ".testsrc") },
                "transcode" => value with { Transcode = ReadTranscode(child, path + ".transcode") },
                "detect" => value with { Detect = ReadDetect(child, path + ".detect") },
                "record" => value with { Record = Bool(child, path + ".record", false) },
                "recordPath" => value with { RecordPath = String(child, path + ".recordPath", "", allowEmpty: false) },
                "recordSegmentDuration" => value with { RecordSegmentDuration = Duration(child, path + ".recordSegmentDuration", TimeSpan.FromMinutes(10)) },
                "recordPartDuration" => value with { RecordPartDuration = Duration(child, path + ".recordPartDuration", TimeSpan.FromSeconds(1)) },
                "recordDeleteAfter" => value with { RecordDeleteAfter = Duration(child, path + ".recordDeleteAfter", TimeSpan.FromDays(7)) },
                "recordMaxSize" => value with { RecordMaxSize = ByteSize(child, path + ".recordMaxSize") },
                "recordMinFreeDisk" => value with { RecordMinFreeDisk = Floor(child, path + ".recordMinFreeDisk") },
                "preRoll" => value with { PreRoll = Duration(child, path + ".preRoll", TimeSpan.Zero) },
                "clipRetention" => value with { ClipRetention = Duration(child, path + ".clipRetention", TimeSpan.FromDays(7)) },
                "maxReaders" => value with { MaxReaders = Int(child, path + ".maxReaders", 0, 0, 1_000_000) },
                "overridePublisher" => value with { OverridePublisher = Bool(child, path + ".overridePublisher", false) },
                "publishUser" => value with { PublishUser = String(child, path + ".publishUser", "", allowEmpty: false) },
                "publishPass" => value with { PublishPass = String(child, path + ".publishPass", "", allowEmpty: false) },
                "readUser" => value with { ReadUser = String(child, path + ".readUser", "", allowEmpty: false) },
                "readPass" => value with { ReadPass = String(child, path + ".readPass", "", allowEmpty: false) },
                _ => value,
            };
        }

        return value;
    }

    private List<NamedPath> ReadPaths(YamlNode node)
    {
        var paths = new List<NamedPath>();
        if (node is YamlScalar { IsNull: true })
        {
            return paths;
        }

        if (node is not YamlMapping map)
        {
            Error("paths", node, $"expected a mapping of path names, found a {node.Kind}");
            return paths;
        }

        foreach (var (key, child) in map.Entries)
        {
            string childPath = "paths." + key.Value;
            paths.Add(new NamedPath(key.Value, ReadPath(child, childPath)) { Line = key.Line });
        }

        return paths;
    }

    private YamlMapping? Mapping(YamlNode node, string path, string[] allowed)
    {
        if (node is not YamlMapping map)
        {
            Error(path, node, $"expected a mapping, found a {node.Kind}");
            return null;
        }

        foreach (var (key, _) in map.Entries)
        {
            if (Array.IndexOf(allowed, key.Value) < 0)
            {
                string suggestion = Suggest(key.Value, allowed) is { } near ? $" (did you mean '{near}'?)" : "";
                string name = key.Value.Length > 100 ? key.Value[..100] + "..." : key.Value;
                _errors.Add(new ConfigError(ConfigError.Join(path, name), key.Line, $"unknown key{suggestion}; allowed: {string.Join(", ", allowed)}"));
            }
        }

        return map;
    }

    private bool Bool(YamlNode node, string path, bool fallback)
    {
        if (node is YamlScalar { Quoted: false } s)
        {
            switch (s.Value.ToLowerInvariant())
            {
                case "true" or "yes" or "on": return true;
                case "false" or "no" or "off": return false;
            }
        }

        Error(path, node, $"expected true or false, found {Describe(node)}");
        return fallback;
    }

    private string String(YamlNode node, string path, string fallback, bool allowEmpty)
    {
        if (node is YamlScalar s && !s.IsNull)
        {
            if (!allowEmpty && string.IsNullOrWhiteSpace(s.Value))
            {
                Error(path, node, "must not be empty");
                return fallback;
            }

            return s.Value;
        }

        Error(path, node, $"expected text, found {Describe(node)}");
        return fallback;
    }

    /// <summary>Text whose absence (<c>key:</c>, <c>""</c>) means "not set": the empty string.</summary>
    private string OptionalString(YamlNode node, string path) =>
        node is YamlScalar { IsNull: true } ? "" : String(node, path, "", allowEmpty: true);

    private int Int(YamlNode node, string path, int fallback, int min, int max)
    {
        if (node is YamlScalar { Quoted: false } s && int.TryParse(s.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            Error(path, node, $"must be from {min} to {max}, found {value}");
            return fallback;
        }

        Error(path, node, $"expected a whole number, found {Describe(node)}");
        return fallback;
    }

    private long ByteSize(YamlNode node, string path)
    {
        if (node is YamlScalar { IsNull: false } s && ByteSizeText.TryParse(s.Value, out long value))
        {
            return value;
        }

        Error(path, node, $"expected a size such as 50G, 500M or 0, found {Describe(node)}");
        return 0;
    }

    private DiskFloor Floor(YamlNode node, string path)
    {
        if (node is YamlScalar { IsNull: false } s && DiskFloor.TryParse(s.Value, out var value))
        {
            return value;
        }

        Error(path, node, $"expected a percentage of the volume (10%) or a size (20G), found {Describe(node)}");
        return DiskFloor.Default;
    }

    /// <summary>Durations as Go/MediaMTX write them: 500ms, 10s, 2m, 1h30m, 7d; a bare number is seconds.</summary>
    private TimeSpan Duration(YamlNode node, string path, TimeSpan fallback)
    {
        if (node is YamlScalar { IsNull: false } s && DurationText.TryParse(s.Value, out var value))
        {
            return value;
        }

        Error(path, node, $"expected a duration such as 500ms, 10s, 2m or 1h, found {Describe(node)}");
        return fallback;
    }

    private TEnum Enum<TEnum>(YamlNode node, string path, TEnum fallback)
        where TEnum : struct, System.Enum
    {
        string[] names = System.Enum.GetNames<TEnum>();
        if (node is YamlScalar s && !s.IsNull)
        {
            foreach (string name in names)
            {
                if (string.Equals(name, s.Value, StringComparison.OrdinalIgnoreCase))
                {
                    return System.Enum.Parse<TEnum>(name);
                }
            }
        }

        string allowed = string.Join(" | ", names.Select(n => n.ToLowerInvariant()));
        Error(path, node, $"expected one of {allowed}, found {Describe(node)}");
        return fallback;
    }

    private List<string> StringList(YamlNode node, string path)
    {
        var list = new List<string>();
        switch (node)
        {
            case YamlScalar { IsNull: true }:
                break;
            case YamlScalar { EnvSource: not null } s:
                // Environment overrides carry lists as comma-separated text.
                list.AddRange(s.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                break;
            case YamlSequence seq:
                for (int i = 0; i < seq.Items.Count; i++)
                {
                    list.Add(String(seq.Items[i], $"{path}[{i}]", "", allowEmpty: false));
                }

                break;
            default:
                Error(path, node, $"expected a list, found {Describe(node)}");
                break;
        }

        return list;
    }

    private void Error(string path, YamlNode node, string message) =>
        _errors.Add(new ConfigError(path, node.Line, message) { EnvSource = node.EnvSource });

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalar { IsNull: true } => "nothing",
        YamlScalar s => $"'{Truncate(s.Value)}'",
        _ => "a " + node.Kind,
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";

    /// <summary>The allowed key closest to a typo, when it is close enough to be a likely fix.</summary>
    internal static string? Suggest(string key, IEnumerable<string> allowed)
    {
        if (key.Length > 64)
        {
            return null; // no key is that long; and the distance table would grow with the input
        }

        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in allowed)
        {
            int d = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return bestDistance <= Math.Max(1, key.Length / 3) ? best : null;
    }

    /// <summary>Optimal string alignment distance: edits, with a swap of neighbours ("levle") counting once.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
