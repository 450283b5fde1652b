using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace EdgeBox.Configuration;

/// <summary>
/// Rules that need more than one key or more than a type check: addresses, port clashes, path names,
/// regexes and sources. Every rule adds an error and carries on, so a file with ten mistakes gets ten
/// errors in one pass.
/// </summary>
internal static class ConfigValidator
{
    /// <summary>Prefixes that belong to the HTTP API and console, so no path may start with them.</summary>
    private static readonly string[] ReservedPrefixes = ["api/", "ui/", "metrics"];

    /// <summary>Matches MediaMTX's path-name rule: letters, digits and <c>_-./~</c>; no leading/trailing slash.</summary>
    private static readonly SearchValues<char> PathNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./~");

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    public static void Validate(EdgeBoxConfig config, List<ConfigError> errors, ConfigLocator at)
    {
        var tcp = new Dictionary<int, string>();
        var udp = new Dictionary<int, string>();
        Listener(config.Http, "http", tcp, errors, at);
        Listener(config.Https.Listener, "https", tcp, errors, at);
        Https(config.Https, config.Data, errors, at);
        Listener(new ListenerConfig { Enabled = config.Rtsp.Enabled, Address = config.Rtsp.Address }, "rtsp", tcp, errors, at);
        RtpPorts(config.Rtsp, udp, errors, at);
        Listener(config.Rtmp, "rtmp", tcp, errors, at);
        Listener(config.Srt, "srt", udp, errors, at);
        Listener(new ListenerConfig { Enabled = config.WebRtc.Enabled, Address = config.WebRtc.Address }, "webrtc", udp, errors, at);

        for (int i = 0; i < config.WebRtc.AdditionalHosts.Count; i++)
        {
            string host = config.WebRtc.AdditionalHosts[i];
            if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
            {
                string key = $"webrtc.additionalHosts[{i}]";
                errors.Add(at.Error(key, $"'{host}' is not an IP address or host name"));
            }
        }

        if (config.WebRtc.SessionTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add(at.Error("webrtc.sessionTimeout", "must be at least 1s"));
        }

        for (int i = 0; i < config.WebRtc.IceServers.Count; i++)
        {
            if (!Protocols.WebRtc.IceServer.TryParse(config.WebRtc.IceServers[i], out _))
            {
                errors.Add(at.Error($"webrtc.iceServers[{i}]", $"'{config.WebRtc.IceServers[i]}' is not stun:host[:port] or turn[s]:[user:password@]host[:port][?transport=udp|tcp]"));
            }
        }

        Auth(config.Auth, errors, at);
        UplinkSection(config.Uplink, errors, at);

        Path(config.PathDefaults, "pathDefaults", errors, at);
        if (config.PathDefaults.Transcode is { Count: > 0 })
        {
            errors.Add(at.Error("pathDefaults.transcode", "transcode profiles belong to a path, not to pathDefaults"));
        }

        if (PathSources.IsPulled(config.PathDefaults.Source))
        {
            errors.Add(at.Error("pathDefaults.source", "a URL or testsrc source belongs to one path, not to pathDefaults"));
        }

        foreach (var path in config.Paths)
        {
            string key = "paths." + path.Name;
            if (path.Config.RecordMinFreeDisk is not null)
            {
                errors.Add(at.Error(key + ".recordMinFreeDisk", "the free-disk floor is for the whole recordings volume: set it in pathDefaults"));
            }

            if (PathNameError(path.Name) is { } message)
            {
                errors.Add(at.Error(key, message));
            }

            Path(path.Config, key, errors, at);
            var effective = config.EffectivePath(path);
            if (path.IsRegex && PathSources.IsPulled(effective.Source))
            {
                errors.Add(at.Error(key + ".source", "a regex path cannot pull a URL or run testsrc: give the path a literal name"));
            }

            if (path.Config.Transcode is { Count: > 0 } profiles)
            {
                Transcode(path, profiles, key, errors, at);
            }

            if (path.IsRegex && path.Config.Forward is { Count: > 0 })
            {
                errors.Add(at.Error(key + ".forward", "a regex path cannot forward: give the path a literal name"));
            }

            if (path.Config.SourceOnDemand == true && !PathSources.IsPulled(effective.Source))
            {
                errors.Add(at.Error(key + ".sourceOnDemand", "needs a source EdgeBox brings itself (rtsp://..., testsrc) to run on demand"));
            }

            if (effective.ReconnectDelay > effective.ReconnectMaxDelay)
            {
                errors.Add(at.Error(key + ".reconnectDelay", "must not be longer than reconnectMaxDelay"));
            }
        }
    }

    /// <summary>Why a path name is not allowed, or null when it is fine.</summary>
    public static string? PathNameError(string name)
    {
        if (name.StartsWith('~'))
        {
            try
            {
                _ = new Regex(name[1..], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                return null;
            }
            catch (ArgumentException ex)
            {
                return "invalid regular expression: " + ex.Message;
            }
        }

        if (name.Length == 0)
        {
            return "path name must not be empty";
        }

        if (name.AsSpan().IndexOfAnyExcept(PathNameChars) >= 0)
        {
            return "path names may hold only letters, digits and _-./~";
        }

        if (name.StartsWith('/') || name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal))
        {
            return "path names may not start or end with '/', nor hold '//' or '..'";
        }

        foreach (string prefix in ReservedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || name.Equals(prefix.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                return $"path names may not start with '{prefix}' (reserved for the HTTP API and console)";
            }
        }

        return null;
    }

    /// <summary>
    /// Both certificate files or neither (self-signed); when HTTPS is on, the files must be readable and
    /// belong together, so a bad pair is refused here, with the key's line, rather than at the next start.
    /// </summary>
    private static void Https(HttpsConfig https, string data, List<ConfigError> errors, ConfigLocator at)
    {
        if (https.Redirect && !https.Enabled)
        {
            errors.Add(at.Error("https.redirect", "redirecting to HTTPS needs https.enabled: true"));
        }

        if (https.Certificate.Length > 0 && https.Key.Length == 0)
        {
            errors.Add(at.Error("https.certificate", "set https.key too (the certificate's private key), or neither for a self-signed certificate"));
        }
        else if (https.Key.Length > 0 && https.Certificate.Length == 0)
        {
            errors.Add(at.Error("https.key", "set https.certificate too, or neither for a self-signed certificate"));
        }
        else if (https.Enabled && !https.IsSelfSigned)
        {
            try
            {
                using var loaded = Hosting.TlsCertificates.LoadPair(
                    Hosting.TlsCertificates.ResolvePath(data, https.Certificate), Hosting.TlsCertificates.ResolvePath(data, https.Key));
            }
            catch (Hosting.TlsCertificateException ex)
            {
                errors.Add(at.Error("https." + ex.Key, ex.Message));
            }
        }
    }

    /// <summary>The RTP port is even and RTCP is the next one up (RFC 3550 §11), as clients assume.</summary>
    private static void RtpPorts(RtspConfig rtsp, Dictionary<int, string> udp, List<ConfigError> errors, ConfigLocator at)
    {
        bool rtpOk = TryParseAddress(rtsp.RtpAddress, out _, out int rtp);
        bool rtcpOk = TryParseAddress(rtsp.RtcpAddress, out _, out int rtcp);
        Listener(new ListenerConfig { Enabled = rtsp.Enabled, Address = rtsp.RtpAddress }, "rtsp.rtp", udp, errors, at, "rtsp.rtpAddress");
        Listener(new ListenerConfig { Enabled = rtsp.Enabled, Address = rtsp.RtcpAddress }, "rtsp.rtcp", udp, errors, at, "rtsp.rtcpAddress");
        if (rtpOk && rtcpOk && rtp != 0 && (rtp % 2 != 0 || rtcp != rtp + 1))
        {
            errors.Add(at.Error("rtsp.rtcpAddress", $"the RTP port must be even and the RTCP port the next one (RTP {rtp}, RTCP {rtcp})"));
        }
        else if (rtpOk && rtcpOk && (rtp == 0) != (rtcp == 0))
        {
            errors.Add(at.Error("rtsp.rtcpAddress", "the RTP and RTCP ports must both be 0 (free ports) or both be set"));
        }
    }

    private static void Path(PathConfig path, string key, List<ConfigError> errors, ConfigLocator at)
    {
        Recording(path, key, errors, at);

        Pair(path.PublishUser, path.PublishPass, key + ".publishUser", key + ".publishPass", errors, at);
        Pair(path.ReadUser, path.ReadPass, key + ".readUser", key + ".readPass", errors, at);
        if (path.Source is { } source && source != PathSources.Publisher)
        {
            string sourceKey = key + ".source";
            if (!PathSources.IsPulled(source))
            {
                string shown = Protocols.Rtsp.Client.RtspSourceUrl.Redact(source);
                errors.Add(at.Error(sourceKey, $"unsupported source '{shown}'; this build supports: {PathSources.Publisher}, {PathSources.TestSource}, rtsp://..., rtsps://..."));
            }
            else if (PathSources.IsUrl(source) && !Protocols.Rtsp.Client.RtspSourceUrl.TryParse(source, out _, out string urlError))
            {
                errors.Add(at.Error(sourceKey, urlError));
            }
        }

        if (path.SourceFingerprint is { } fingerprint && !IsSha256Fingerprint(fingerprint))
        {
            errors.Add(at.Error(key + ".sourceFingerprint", "expected the certificate's SHA-256 fingerprint: 64 hex digits (colons allowed)"));
        }

        if (path.ReconnectDelay is { } delay && delay < TimeSpan.FromMilliseconds(100))
        {
            errors.Add(at.Error(key + ".reconnectDelay", "must be at least 100ms"));
        }

        if (path.Forward is { } forward)
        {
            for (int i = 0; i < forward.Count; i++)
            {
                if (!Protocols.Rtsp.Client.RtspSourceUrl.TryParse(forward[i], out _, out string urlError))
                {
                    errors.Add(at.Error($"{key}.forward[{i}]", urlError));
                }
            }
        }
    }

    private static void Transcode(NamedPath path, TranscodeList profiles, string key, List<ConfigError> errors, ConfigLocator at)
    {
        if (path.IsRegex)
        {
            errors.Add(at.Error(key + ".transcode", "a regex path cannot transcode: give the path a literal name"));
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < profiles.Count; i++)
        {
            var profile = profiles[i];
            string profileKey = $"{key}.transcode[{i}]";
            if (profile.Name.Contains('/', StringComparison.Ordinal) || PathNameError(path.Name + "/" + profile.Name) is not null)
            {
                errors.Add(at.Error(profileKey + ".name", "a profile name is one path segment: letters, digits and _-.~"));
            }
            else if (!names.Add(profile.Name))
            {
                errors.Add(at.Error(profileKey + ".name", $"profile '{profile.Name}' is defined twice"));
            }

            var video = profile.Video;
            if (video.Width % 2 == 1 || video.Height % 2 == 1)
            {
                errors.Add(at.Error(profileKey + ".video", "width and height must be even (4:2:0 video)"));
            }

            if (video.Codec == VideoCodecSetting.Copy && (video.Width is not null || video.Height is not null || video.Fps is not null || video.Bitrate > 0))
            {
                errors.Add(at.Error(profileKey + ".video", "codec copy passes the video through: width, height, fps and bitrate do not apply"));
            }

            if (video.Gop < TimeSpan.FromMilliseconds(100) || video.Gop > TimeSpan.FromMinutes(1))
            {
                errors.Add(at.Error(profileKey + ".video.gop", "must be from 100ms to 1m"));
            }

            if (profile.OnDemandCloseAfter < TimeSpan.Zero || profile.OnDemandCloseAfter > TimeSpan.FromHours(1))
            {
                errors.Add(at.Error(profileKey + ".onDemandCloseAfter", "must be from 0s to 1h"));
            }
        }
    }

    private static void Recording(PathConfig path, string key, List<ConfigError> errors, ConfigLocator at)
    {
        if (path.RecordPath is { } pattern)
        {
            string[] required = ["%path", "%Y", "%m", "%d", "%H", "%M", "%S"];
            var missing = required.Where(field => !pattern.Contains(field, StringComparison.Ordinal)).ToList();
            if (missing.Count > 0)
            {
                errors.Add(at.Error(key + ".recordPath", $"needs {string.Join(", ", missing)}: file names carry the path and the UTC start time, which rebuilds the index"));
            }
            else if (!pattern.EndsWith(".mp4", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(pattern) || pattern.Split('/').Contains(".."))
            {
                errors.Add(at.Error(key + ".recordPath", "a relative path inside the data directory, ending in .mp4"));
            }
        }

        if (path.RecordSegmentDuration is { } segment && (segment < TimeSpan.FromSeconds(10) || segment > TimeSpan.FromHours(24)))
        {
            errors.Add(at.Error(key + ".recordSegmentDuration", "must be from 10s to 24h"));
        }

        if (path.RecordPartDuration is { } part && (part < TimeSpan.FromMilliseconds(200) || part > TimeSpan.FromSeconds(10)))
        {
            errors.Add(at.Error(key + ".recordPartDuration", "must be from 200ms to 10s"));
        }

        if (path.PreRoll is { } preRoll && preRoll > TimeSpan.FromMinutes(5))
        {
            errors.Add(at.Error(key + ".preRoll", "must be at most 5m (it is kept in memory)"));
        }
    }

    /// <summary>64 hex digits, optionally in colon-separated pairs (as <c>openssl x509 -fingerprint -sha256</c> prints).</summary>
    public static bool IsSha256Fingerprint(string text)
    {
        string hex = text.Replace(":", "", StringComparison.Ordinal);
        return hex.Length == 64 && hex.AsSpan().IndexOfAnyExcept(HexDigits) < 0;
    }

    private static void Pair(string? user, string? pass, string userKey, string passKey, List<ConfigError> errors, ConfigLocator at)
    {
        if (user is not null && pass is null)
        {
            errors.Add(at.Error(userKey, $"set {passKey[(passKey.LastIndexOf('.') + 1)..]} too, or neither"));
        }
        else if (user is null && pass is not null)
        {
            errors.Add(at.Error(passKey, $"set {userKey[(userKey.LastIndexOf('.') + 1)..]} too, or neither"));
        }
        else if (user is not null && user.Contains(':', StringComparison.Ordinal))
        {
            errors.Add(at.Error(userKey, "a user name may not contain ':' (Basic authentication separates it from the password with ':')"));
        }
    }

    private static void UplinkSection(UplinkConfig uplink, List<ConfigError> errors, ConfigLocator at)
    {
        var mqtt = uplink.Mqtt;
        if (mqtt.Url.Length > 0 && !EdgeBox.Uplink.MqttEndpoint.TryParse(mqtt.Url, out _))
        {
            errors.Add(at.Error("uplink.mqtt.url", $"'{mqtt.Url}' is not mqtt://host[:port] or mqtts://host[:port]"));
        }

        if (mqtt.Protocol is not ("5" or "3.1.1"))
        {
            errors.Add(at.Error("uplink.mqtt.protocol", $"expected 5 or 3.1.1, found '{mqtt.Protocol}'"));
        }

        if ((mqtt.ClientCert.Length > 0) != (mqtt.ClientKey.Length > 0))
        {
            errors.Add(at.Error(mqtt.ClientCert.Length > 0 ? "uplink.mqtt.clientKey" : "uplink.mqtt.clientCert", "set clientCert and clientKey together"));
        }

        if (mqtt.Password.Length > 0 && mqtt.PasswordFile.Length > 0)
        {
            errors.Add(at.Error("uplink.mqtt.passwordFile", "set password or passwordFile, not both"));
        }

        if (mqtt.KeepAlive < TimeSpan.FromSeconds(1) || mqtt.KeepAlive > TimeSpan.FromHours(18))
        {
            errors.Add(at.Error("uplink.mqtt.keepAlive", "must be from 1s to 18h"));
        }

        if (mqtt.ReconnectMaxDelay < TimeSpan.FromSeconds(1) || mqtt.ReconnectMaxDelay > TimeSpan.FromHours(1))
        {
            errors.Add(at.Error("uplink.mqtt.reconnectMaxDelay", "must be from 1s to 1h"));
        }

        foreach (var (key, url) in new[] { ("uplink.http.configUrl", uplink.Http.ConfigUrl), ("uplink.http.reportUrl", uplink.Http.ReportUrl) })
        {
            if (url.Length > 0 && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                errors.Add(at.Error(key, $"'{url}' is not an http:// or https:// URL"));
            }
        }

        if (uplink.Http.ReportUrl.Length > 0 && uplink.Http.ConfigUrl.Length == 0)
        {
            errors.Add(at.Error("uplink.http.reportUrl", "reports follow the polls of uplink.http.configUrl: set it too"));
        }

        if (uplink.Http.Interval < TimeSpan.FromSeconds(1) || uplink.Http.Interval > TimeSpan.FromDays(1))
        {
            errors.Add(at.Error("uplink.http.interval", "must be from 1s to 1d"));
        }

        if (uplink.DeviceId.Length > 0 && EdgeBox.Uplink.Topics.NameError(uplink.DeviceId) is { } deviceError)
        {
            errors.Add(at.Error("uplink.deviceId", deviceError));
        }

        for (int i = 0; i < uplink.Groups.Count; i++)
        {
            if (EdgeBox.Uplink.Topics.NameError(uplink.Groups[i]) is { } groupError)
            {
                errors.Add(at.Error($"uplink.groups[{i}]", groupError));
            }
            else if (uplink.Groups.Take(i).Contains(uplink.Groups[i], StringComparer.Ordinal))
            {
                errors.Add(at.Error($"uplink.groups[{i}]", $"'{uplink.Groups[i]}' is listed twice"));
            }
        }

        if (uplink.TelemetryInterval < TimeSpan.FromSeconds(1) || uplink.TelemetryInterval > TimeSpan.FromDays(1))
        {
            errors.Add(at.Error("uplink.telemetryInterval", "must be from 1s to 1d"));
        }

        for (int i = 0; i < uplink.TrustedKeys.Count; i++)
        {
            if (EdgeBox.Uplink.FleetSignature.KeyError(uplink.TrustedKeys[i]) is { } keyError)
            {
                errors.Add(at.Error($"uplink.trustedKeys[{i}]", keyError));
            }
        }

        if (uplink.RequireSignature && uplink.TrustedKeys.Count == 0)
        {
            errors.Add(at.Error("uplink.requireSignature", "list the public keys that may sign in uplink.trustedKeys"));
        }

        if (uplink.OutboxMaxAge < TimeSpan.FromMinutes(1))
        {
            errors.Add(at.Error("uplink.outbox.maxAge", "must be at least 1m"));
        }
    }

    private static void Auth(AuthConfig auth, List<ConfigError> errors, ConfigLocator at)
    {
        for (int i = 0; i < auth.AnonymousNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(auth.AnonymousNetworks[i], out _))
            {
                errors.Add(at.Error($"auth.anonymousNetworks[{i}]", $"'{auth.AnonymousNetworks[i]}' is not a network such as 192.168.1.0/24, 10.0.0.5/32 or ::1/128"));
            }
        }

        if (auth.AnonymousRole > Security.Role.Viewer && auth.AnonymousNetworks.Count == 0)
        {
            errors.Add(at.Error("auth.anonymousRole", $"an anonymous {auth.AnonymousRole.ToString().ToLowerInvariant()} must be limited to auth.anonymousNetworks (e.g. [127.0.0.1/32])"));
        }

        if (auth.SessionLifetime < TimeSpan.FromMinutes(1) || auth.SessionLifetime > TimeSpan.FromDays(365))
        {
            errors.Add(at.Error("auth.sessionLifetime", "must be from 1m to 365d"));
        }

        if (auth.LockoutDuration < TimeSpan.FromSeconds(1) || auth.LockoutDuration > TimeSpan.FromDays(1))
        {
            errors.Add(at.Error("auth.lockoutDuration", "must be from 1s to 1d"));
        }
    }

    private static void Listener(ListenerConfig listener, string key, Dictionary<int, string> taken, List<ConfigError> errors, ConfigLocator at, string? addressKey = null)
    {
        addressKey ??= key + ".address";
        if (!TryParseAddress(listener.Address, out _, out int port))
        {
            errors.Add(at.Error(addressKey, $"'{listener.Address}' is not host:port (e.g. 0.0.0.0:8554, [::]:8554, 127.0.0.1:0)"));
            return;
        }

        if (!listener.Enabled || port == 0)
        {
            return;
        }

        if (taken.TryGetValue(port, out string? other))
        {
            errors.Add(at.Error(addressKey, $"port {port} is already used by {other}"));
            return;
        }

        taken[port] = key;
    }

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or <c>:port</c> (all interfaces). Port 0 asks for a free port.</summary>
    public static bool TryParseAddress(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
        {
            return false;
        }

        host = text[..colon];
        if (host.Length == 0)
        {
            host = "0.0.0.0";
            return true;
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            return IPAddress.TryParse(host[1..^1], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        return !host.Contains(':', StringComparison.Ordinal) && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }
}
