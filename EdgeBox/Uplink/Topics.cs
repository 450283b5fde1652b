namespace EdgeBox.Uplink;

/// <summary>
/// The MQTT topics of the fleet protocol (config/uplink.md). Everything lives under <c>edgebox/v1/</c>;
/// device ids and group names are single topic levels.
/// </summary>
internal static class Topics
{
    public const string Root = "edgebox/v1";

    /// <summary>Longest device id or group name.</summary>
    public const int MaxNameLength = 128;

    public static string State(string device) => $"{Root}/devices/{device}/state";

    public static string Telemetry(string device) => $"{Root}/devices/{device}/telemetry";

    public static string Events(string device) => $"{Root}/devices/{device}/events";

    public static string DeviceDesired(string device) => $"{Root}/devices/{device}/config/desired";

    public static string GroupDesired(string group) => $"{Root}/groups/{group}/config/desired";

    public static string Reported(string device) => $"{Root}/devices/{device}/config/reported";

    public static string Commands(string device) => $"{Root}/devices/{device}/cmd/+";

    public static string CommandResponse(string device, string command) => $"{Root}/devices/{device}/cmd/{command}/response";

    /// <summary>The layer a desired-config topic belongs to (<c>group/NAME</c>, <c>device/ID</c>), or null.</summary>
    public static string? LayerOf(string topic)
    {
        const string suffix = "/config/desired";
        if (topic.Length < Root.Length + 1 + suffix.Length
            || !topic.StartsWith(Root + "/", StringComparison.Ordinal) || !topic.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        string middle = topic[(Root.Length + 1)..^suffix.Length];
        int slash = middle.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == middle.Length - 1 || middle.IndexOf('/', slash + 1) >= 0)
        {
            return null;
        }

        return middle[..slash] switch
        {
            "groups" => "group/" + middle[(slash + 1)..],
            "devices" => "device/" + middle[(slash + 1)..],
            _ => null,
        };
    }

    /// <summary>The command named by a <c>.../cmd/NAME</c> topic of <paramref name="device"/>, or null.</summary>
    public static string? CommandOf(string device, string topic)
    {
        string prefix = $"{Root}/devices/{device}/cmd/";
        return topic.StartsWith(prefix, StringComparison.Ordinal) && topic.Length > prefix.Length && topic.IndexOf('/', prefix.Length) < 0
            ? topic[prefix.Length..]
            : null;
    }

    /// <summary>Why <paramref name="name"/> cannot be a device id or group name (one topic level), or null when it can.</summary>
    public static string? NameError(string name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength)
        {
            return $"must be 1 to {MaxNameLength} characters";
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return $"'{name}' may hold only letters, digits, '-', '_' and '.' (it is one MQTT topic level)";
            }
        }

        return null;
    }
}

/// <summary>A broker address from <c>uplink.mqtt.url</c>: <c>mqtt://host[:1883]</c> or <c>mqtts://host[:8883]</c>.</summary>
internal readonly record struct MqttEndpoint(string Host, int Port, bool Tls)
{
    public static bool TryParse(string url, out MqttEndpoint endpoint)
    {
        endpoint = default;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || uri.Host.Length == 0
            || uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return false;
        }

        bool tls = uri.Scheme == "mqtts";
        endpoint = new MqttEndpoint(uri.DnsSafeHost, uri.IsDefaultPort || uri.Port < 0 ? (tls ? 8883 : 1883) : uri.Port, tls);
        return true;
    }

    public override string ToString() => $"{(Tls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
