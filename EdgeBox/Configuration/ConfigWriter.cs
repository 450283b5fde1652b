using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EdgeBox.Configuration;

/// <summary>
/// Writes a config as YAML with every key present (what <c>edgebox config show</c> prints). YamlDotNet's
/// emitter picks quoting, so any string round-trips through <see cref="ConfigLoader"/> unchanged.
/// </summary>
internal static class ConfigWriter
{
    public static string Write(EdgeBoxConfig config)
    {
        using var writer = new StringWriter();
        var e = new Emitter(writer);
        e.Emit(new StreamStart());
        e.Emit(new DocumentStart());
        e.Emit(new MappingStart());

        Key(e, "log");
        Begin(e);
        Pair(e, "level", config.Log.Level.ToString().ToLowerInvariant());
        Pair(e, "file", config.Log.File);
        Pair(e, "format", config.Log.Format.ToString().ToLowerInvariant());
        End(e);

        Pair(e, "data", config.Data);
        Listener(e, "http", config.Http);
        Key(e, "https");
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
        Pair(e, "enabled", config.Https.Enabled);
        Pair(e, "address", config.Https.Address);
        Pair(e, "certificate", config.Https.Certificate);
        Pair(e, "key", config.Https.Key);
        Pair(e, "redirect", config.Https.Redirect);
        e.Emit(new MappingEnd());
        Key(e, "rtsp");
        Begin(e);
        Pair(e, "enabled", config.Rtsp.Enabled);
        Pair(e, "address", config.Rtsp.Address);
        Pair(e, "rtpAddress", config.Rtsp.RtpAddress);
        Pair(e, "rtcpAddress", config.Rtsp.RtcpAddress);
        Pair(e, "sessionTimeout", DurationText.Format(config.Rtsp.SessionTimeout));
        Pair(e, "maxSessions", Number(config.Rtsp.MaxSessions));
        End(e);
        Listener(e, "rtmp", config.Rtmp);
        Listener(e, "srt", config.Srt);

        Key(e, "webrtc");
        Begin(e);
        Pair(e, "enabled", config.WebRtc.Enabled);
        Pair(e, "address", config.WebRtc.Address);
        FlowList(e, "additionalHosts", config.WebRtc.AdditionalHosts);
        Pair(e, "sessionTimeout", DurationText.Format(config.WebRtc.SessionTimeout));
        FlowList(e, "iceServers", config.WebRtc.IceServers);
        End(e);

        Key(e, "auth");
        Begin(e);
        Pair(e, "anonymousRole", config.Auth.AnonymousRole.ToString().ToLowerInvariant());
        FlowList(e, "anonymousNetworks", config.Auth.AnonymousNetworks);
        Pair(e, "sessionLifetime", DurationText.Format(config.Auth.SessionLifetime));
        Pair(e, "maxFailedLogins", Number(config.Auth.MaxFailedLogins));
        Pair(e, "lockoutDuration", DurationText.Format(config.Auth.LockoutDuration));
        End(e);

        Key(e, "media");
        Begin(e);
        Pair(e, "readerQueueSize", Number(config.Media.ReaderQueueSize));
        Pair(e, "readerMaxLag", DurationText.Format(config.Media.ReaderMaxLag));
        End(e);

        Key(e, "codecs");
        Begin(e);
        Pair(e, "hwaccel", config.Codecs.Hwaccel.ToString().ToLowerInvariant());
        Pair(e, "hwaccelDevice", config.Codecs.HwaccelDevice);
        End(e);

        Key(e, "inference");
        Begin(e);
        Pair(e, "executionProvider", config.Inference.ExecutionProvider.ToString().ToLowerInvariant());
        Pair(e, "deviceId", Number(config.Inference.DeviceId));
        Pair(e, "threads", Number(config.Inference.Threads));
        Pair(e, "runtimeLibrary", config.Inference.RuntimeLibrary);
        End(e);

        Uplink(e, config.Uplink);

        Key(e, "pathDefaults");
        Path(e, config.PathDefaults);

        Key(e, "paths");
        if (config.Paths.Count == 0)
        {
            e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
            e.Emit(new MappingEnd());
        }
        else
        {
            Begin(e);
            foreach (var path in config.Paths)
            {
                Key(e, path.Name);
                Path(e, path.Config);
            }

            End(e);
        }

        e.Emit(new MappingEnd());
        e.Emit(new DocumentEnd(true));
        e.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>One path's own settings as a YAML block mapping (one key per line; lists and sub-mappings in flow style), or "" when none is set.</summary>
    public static string WritePath(PathConfig path)
    {
        using var writer = new StringWriter();
        var e = new Emitter(writer);
        e.Emit(new StreamStart());
        e.Emit(new DocumentStart());
        Path(e, path, MappingStyle.Block);
        e.Emit(new DocumentEnd(true));
        e.Emit(new StreamEnd());
        string text = writer.ToString().Trim();
        return text == "{}" ? "" : text + "\n";
    }

    private static void Path(Emitter e, PathConfig path, MappingStyle style = MappingStyle.Flow)
    {
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, style));
        if (path.Source is not null)
        {
            Pair(e, "source", path.Source);
        }

        if (path.SourceOnDemand is { } onDemand)
        {
            Pair(e, "sourceOnDemand", onDemand);
        }

        Duration(e, "sourceOnDemandStartTimeout", path.SourceOnDemandStartTimeout);
        Duration(e, "sourceOnDemandCloseAfter", path.SourceOnDemandCloseAfter);
        Optional(e, "rtspTransport", path.RtspTransport?.ToString().ToLowerInvariant());
        Optional(e, "sourceFingerprint", path.SourceFingerprint);
        Duration(e, "reconnectDelay", path.ReconnectDelay);
        Duration(e, "reconnectMaxDelay", path.ReconnectMaxDelay);
        if (path.Forward is { } forward)
        {
            Key(e, "forward");
            e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow));
            foreach (string url in forward)
            {
                Value(e, url);
            }

            e.Emit(new SequenceEnd());
        }

        if (path.TestSrc is { } testsrc)
        {
            Key(e, "testsrc");
            e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
            Pair(e, "size", testsrc.Size);
            Pair(e, "fps", Number(testsrc.Fps));
            Pair(e, "bitrate", BitrateText.Format(testsrc.Bitrate));
            Pair(e, "audio", testsrc.Audio);
            e.Emit(new MappingEnd());
        }

        Optional(e, "hwaccel", path.Hwaccel?.ToString().ToLowerInvariant());
        if (path.Transcode is { } transcode)
        {
            Key(e, "transcode");
            e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow));
            foreach (var profile in transcode)
            {
                Profile(e, profile);
            }

            e.Emit(new SequenceEnd());
        }

        if (path.Detect is { } detect)
        {
            Detect(e, detect);
        }

        if (path.Record is { } record)
        {
            Pair(e, "record", record);
        }

        Optional(e, "recordPath", path.RecordPath);
        Duration(e, "recordSegmentDuration", path.RecordSegmentDuration);
        Duration(e, "recordPartDuration", path.RecordPartDuration);
        Duration(e, "recordDeleteAfter", path.RecordDeleteAfter);
        Optional(e, "recordMaxSize", path.RecordMaxSize is { } maxSize ? ByteSizeText.Format(maxSize) : null);
        Optional(e, "recordMinFreeDisk", path.RecordMinFreeDisk?.ToString());
        Duration(e, "preRoll", path.PreRoll);
        Duration(e, "clipRetention", path.ClipRetention);

        if (path.MaxReaders is { } maxReaders)
        {
            Pair(e, "maxReaders", Number(maxReaders));
        }

        if (path.OverridePublisher is { } overridePublisher)
        {
            Pair(e, "overridePublisher", overridePublisher);
        }

        Optional(e, "publishUser", path.PublishUser);
        Optional(e, "publishPass", path.PublishPass);
        Optional(e, "readUser", path.ReadUser);
        Optional(e, "readPass", path.ReadPass);

        e.Emit(new MappingEnd());
    }

    private static void Profile(Emitter e, TranscodeProfile profile)
    {
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
        Pair(e, "name", profile.Name);
        Key(e, "video");
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
        var video = profile.Video;
        Pair(e, "codec", video.Codec.ToString().ToLowerInvariant());
        if (video.Width is { } width)
        {
            Pair(e, "width", Number(width));
        }

        if (video.Height is { } height)
        {
            Pair(e, "height", Number(height));
        }

        Pair(e, "bitrate", BitrateText.Format(video.Bitrate));
        Duration(e, "gop", video.Gop);
        Pair(e, "preset", video.Preset);
        if (video.Fps is { } fps)
        {
            Pair(e, "fps", Number(fps));
        }

        e.Emit(new MappingEnd());
        Key(e, "audio");
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
        Pair(e, "codec", profile.Audio.Codec.ToString().ToLowerInvariant());
        Pair(e, "bitrate", BitrateText.Format(profile.Audio.Bitrate));
        e.Emit(new MappingEnd());
        Pair(e, "onDemand", profile.OnDemand);
        Duration(e, "onDemandCloseAfter", profile.OnDemandCloseAfter);
        e.Emit(new MappingEnd());
    }

    private static void Detect(Emitter e, DetectConfig detect)
    {
        Key(e, "detect");
        if (detect.Model.Length == 0)
        {
            e.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "off", ScalarStyle.Plain, true, false));
            return;
        }

        Begin(e);
        Pair(e, "model", detect.Model);
        Pair(e, "fps", Real(detect.Fps));
        Pair(e, "threshold", Real(detect.Threshold));
        Key(e, "labels");
        e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow));
        foreach (string label in detect.Labels)
        {
            Value(e, label);
        }

        e.Emit(new SequenceEnd());
        Zones(e, "zones", detect.Zones, named: true);
        Zones(e, "masks", detect.Masks, named: false);
        Pair(e, "minArea", Real(detect.MinArea));
        Pair(e, "maxDetections", Number(detect.MaxDetections));
        Pair(e, "minFrames", Number(detect.MinFrames));
        Duration(e, "lostAfter", detect.LostAfter);
        Duration(e, "maxEventDuration", detect.MaxEventDuration);
        Pair(e, "record", detect.Record);
        Duration(e, "clipDuration", detect.ClipDuration);
        Pair(e, "annotate", detect.Annotate);
        End(e);
    }

    private static void Zones(Emitter e, string key, ZoneList zones, bool named)
    {
        Key(e, key);
        e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, zones.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
        foreach (var zone in zones)
        {
            if (named)
            {
                e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
                Pair(e, "name", zone.Name);
                Key(e, "points");
            }

            e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow));
            for (int i = 0; i + 1 < zone.Points.Count; i += 2)
            {
                e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow));
                e.Emit(Real(zone.Points[i]));
                e.Emit(Real(zone.Points[i + 1]));
                e.Emit(new SequenceEnd());
            }

            e.Emit(new SequenceEnd());
            if (named)
            {
                e.Emit(new MappingEnd());
            }
        }

        e.Emit(new SequenceEnd());
    }

    /// <summary>A plain scalar for a fractional number, in its shortest round-trip form.</summary>
    private static Scalar Real(double value) =>
        new(AnchorName.Empty, TagName.Empty, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), ScalarStyle.Plain, true, false);

    private static Scalar Real(float value) =>
        new(AnchorName.Empty, TagName.Empty, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), ScalarStyle.Plain, true, false);

    private static void Duration(Emitter e, string key, TimeSpan? value)
    {
        if (value is { } duration)
        {
            Pair(e, key, new Scalar(AnchorName.Empty, TagName.Empty, DurationText.Format(duration), ScalarStyle.Plain, true, false));
        }
    }

    /// <summary><c>key: [a, b]</c> on one line.</summary>
    private static void FlowList(Emitter e, string key, IReadOnlyList<string> items)
    {
        Key(e, key);
        e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow));
        foreach (string item in items)
        {
            Value(e, item);
        }

        e.Emit(new SequenceEnd());
    }

    private static void Uplink(Emitter e, UplinkConfig uplink)
    {
        Key(e, "uplink");
        Begin(e);
        Key(e, "mqtt");
        Begin(e);
        Pair(e, "url", uplink.Mqtt.Url);
        Pair(e, "username", uplink.Mqtt.Username);
        Pair(e, "password", uplink.Mqtt.Password);
        Pair(e, "passwordFile", uplink.Mqtt.PasswordFile);
        Pair(e, "clientCert", uplink.Mqtt.ClientCert);
        Pair(e, "clientKey", uplink.Mqtt.ClientKey);
        Pair(e, "ca", uplink.Mqtt.Ca);
        Pair(e, "protocol", uplink.Mqtt.Protocol);
        Pair(e, "keepAlive", DurationText.Format(uplink.Mqtt.KeepAlive));
        Pair(e, "reconnectMaxDelay", DurationText.Format(uplink.Mqtt.ReconnectMaxDelay));
        End(e);
        Key(e, "http");
        Begin(e);
        Pair(e, "configUrl", uplink.Http.ConfigUrl);
        Pair(e, "reportUrl", uplink.Http.ReportUrl);
        Pair(e, "interval", DurationText.Format(uplink.Http.Interval));
        Pair(e, "token", uplink.Http.Token);
        Pair(e, "ca", uplink.Http.Ca);
        End(e);
        Pair(e, "deviceId", uplink.DeviceId);
        FlowList(e, "groups", uplink.Groups);
        Pair(e, "telemetryInterval", DurationText.Format(uplink.TelemetryInterval));
        FlowList(e, "trustedKeys", uplink.TrustedKeys);
        Pair(e, "requireSignature", uplink.RequireSignature);
        Key(e, "outbox");
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
        Pair(e, "maxEvents", Number(uplink.OutboxMaxEvents));
        Pair(e, "maxAge", DurationText.Format(uplink.OutboxMaxAge));
        e.Emit(new MappingEnd());
        FlowList(e, "events", uplink.Events);
        End(e);
    }

    private static void Listener(Emitter e, string name, ListenerConfig listener)
    {
        Key(e, name);
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Flow));
        Pair(e, "enabled", listener.Enabled);
        Pair(e, "address", listener.Address);
        e.Emit(new MappingEnd());
    }

    private static void Optional(Emitter e, string key, string? value)
    {
        if (value is not null)
        {
            Pair(e, key, value);
        }
    }

    /// <summary>A plain (unquoted) scalar for numbers and durations.</summary>
    private static Scalar Number(int value) =>
        new(AnchorName.Empty, TagName.Empty, value.ToString(System.Globalization.CultureInfo.InvariantCulture), ScalarStyle.Plain, true, false);

    private static void Pair(Emitter e, string key, Scalar value)
    {
        Key(e, key);
        e.Emit(value);
    }

    private static void Begin(Emitter e) => e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block));

    private static void End(Emitter e) => e.Emit(new MappingEnd());

    private static void Key(Emitter e, string key) => Value(e, key);

    private static void Pair(Emitter e, string key, string value)
    {
        Key(e, key);
        Value(e, value);
    }

    private static void Pair(Emitter e, string key, bool value)
    {
        Key(e, key);
        e.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value ? "true" : "false", ScalarStyle.Plain, true, false));
    }

    /// <summary>Text that YAML would read as something else (true, 123, null, "") is quoted.</summary>
    private static void Value(Emitter e, string value)
    {
        bool plainIsSafe = value.Length > 0 && !LooksTyped(value);
        e.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, plainIsSafe ? ScalarStyle.Any : ScalarStyle.DoubleQuoted, plainIsSafe, !plainIsSafe));
    }

    private static bool LooksTyped(string value) =>
        value is "~" || value.Equals("null", StringComparison.OrdinalIgnoreCase)
        || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase)
        || value.Equals("yes", StringComparison.OrdinalIgnoreCase) || value.Equals("no", StringComparison.OrdinalIgnoreCase)
        || value.Equals("on", StringComparison.OrdinalIgnoreCase) || value.Equals("off", StringComparison.OrdinalIgnoreCase)
        || double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
}
