namespace EdgeBox.Configuration;

/// <summary>The <c>uplink</c> section (see config/uplink.md).</summary>
internal sealed partial class ConfigReader
{
    private static readonly string[] UplinkKeys = ["mqtt", "http", "deviceId", "groups", "telemetryInterval", "trustedKeys", "requireSignature", "outbox", "events"];

    private static readonly string[] MqttKeys = ["url", "username", "password", "passwordFile", "clientCert", "clientKey", "ca", "protocol", "keepAlive", "reconnectMaxDelay"];
    private static readonly string[] HttpUplinkKeys = ["configUrl", "reportUrl", "interval", "token", "ca"];
    private static readonly string[] OutboxKeys = ["maxEvents", "maxAge"];

    private UplinkConfig ReadUplink(YamlNode node, UplinkConfig value)
    {
        if (Mapping(node, "uplink", UplinkKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "mqtt" => value with { Mqtt = ReadMqtt(child, value.Mqtt) },
                "http" => value with { Http = ReadHttpUplink(child, value.Http) },
                "deviceId" => value with { DeviceId = OptionalString(child, "uplink.deviceId") },
                "groups" => value with { Groups = StringList(child, "uplink.groups") },
                "telemetryInterval" => value with { TelemetryInterval = Duration(child, "uplink.telemetryInterval", value.TelemetryInterval) },
                "trustedKeys" => value with { TrustedKeys = StringList(child, "uplink.trustedKeys") },
                "requireSignature" => value with { RequireSignature = Bool(child, "uplink.requireSignature", value.RequireSignature) },
                "outbox" => ReadOutbox(child, value),
                "events" => value with { Events = StringList(child, "uplink.events") },
                _ => value,
            };
        }

        return value;
    }

    private MqttUplinkConfig ReadMqtt(YamlNode node, MqttUplinkConfig value)
    {
        if (node is YamlScalar { IsNull: true } || Mapping(node, "uplink.mqtt", MqttKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            string at = "uplink.mqtt." + key.Value;
            value = key.Value switch
            {
                "url" => value with { Url = OptionalString(child, at) },
                "username" => value with { Username = OptionalString(child, at) },
                "password" => value with { Password = OptionalString(child, at) },
                "passwordFile" => value with { PasswordFile = OptionalString(child, at) },
                "clientCert" => value with { ClientCert = OptionalString(child, at) },
                "clientKey" => value with { ClientKey = OptionalString(child, at) },
                "ca" => value with { Ca = OptionalString(child, at) },
                "protocol" => value with { Protocol = String(child, at, value.Protocol, allowEmpty: false) },
                "keepAlive" => value with { KeepAlive = Duration(child, at, value.KeepAlive) },
                "reconnectMaxDelay" => value with { ReconnectMaxDelay = Duration(child, at, value.ReconnectMaxDelay) },
                _ => value,
            };
        }

        return value;
    }

    private HttpUplinkConfig ReadHttpUplink(YamlNode node, HttpUplinkConfig value)
    {
        if (node is YamlScalar { IsNull: true } || Mapping(node, "uplink.http", HttpUplinkKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            string at = "uplink.http." + key.Value;
            value = key.Value switch
            {
                "configUrl" => value with { ConfigUrl = OptionalString(child, at) },
                "reportUrl" => value with { ReportUrl = OptionalString(child, at) },
                "interval" => value with { Interval = Duration(child, at, value.Interval) },
                "token" => value with { Token = OptionalString(child, at) },
                "ca" => value with { Ca = OptionalString(child, at) },
                _ => value,
            };
        }

        return value;
    }

    private UplinkConfig ReadOutbox(YamlNode node, UplinkConfig value)
    {
        if (Mapping(node, "uplink.outbox", OutboxKeys) is not { } map)
        {
            return value;
        }

        foreach (var (key, child) in map.Entries)
        {
            value = key.Value switch
            {
                "maxEvents" => value with { OutboxMaxEvents = Int(child, "uplink.outbox.maxEvents", value.OutboxMaxEvents, 10, 10_000_000) },
                "maxAge" => value with { OutboxMaxAge = Duration(child, "uplink.outbox.maxAge", value.OutboxMaxAge) },
                _ => value,
            };
        }

        return value;
    }
}
