namespace EdgeBox.Configuration;

/// <summary>
/// The link to the fleet (<c>uplink</c>): an MQTT broker, an HTTPS config URL, or neither (a stand-alone
/// box). This section is always the box's own: fleet configs may not set it, so a bad push cannot cut a
/// box off from the fleet. See config/uplink.md for the topics and documents.
/// </summary>
internal sealed record UplinkConfig
{
    public MqttUplinkConfig Mqtt { get; init; } = new();

    public HttpUplinkConfig Http { get; init; } = new();

    /// <summary>The name the box has in the fleet; empty: the machine id (<c>/etc/machine-id</c>).</summary>
    public string DeviceId { get; init; } = "";

    /// <summary>Fleet groups, in the order their configs are layered (later ones win).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    public TimeSpan TelemetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Public keys (PEM files: Ed25519 or ECDSA P-256) that may sign fleet configs.</summary>
    public IReadOnlyList<string> TrustedKeys { get; init; } = [];

    /// <summary>Refuse fleet configs without a valid signature by one of <see cref="TrustedKeys"/>.</summary>
    public bool RequireSignature { get; init; }

    /// <summary>Most events the outbox holds while the broker is away; the oldest are dropped (and counted) beyond it.</summary>
    public int OutboxMaxEvents { get; init; } = 100_000;

    /// <summary>Events older than this are dropped from the outbox (and counted).</summary>
    public TimeSpan OutboxMaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Event types sent to the fleet: exact names or prefixes ending in <c>*</c>.</summary>
    public IReadOnlyList<string> Events { get; init; } = ["*"];

    public bool Enabled => Mqtt.Url.Length > 0 || Http.ConfigUrl.Length > 0;

    public bool Equals(UplinkConfig? other) =>
        other is not null && Mqtt == other.Mqtt && Http == other.Http && DeviceId == other.DeviceId
        && TelemetryInterval == other.TelemetryInterval && RequireSignature == other.RequireSignature
        && OutboxMaxEvents == other.OutboxMaxEvents && OutboxMaxAge == other.OutboxMaxAge
        && Groups.SequenceEqual(other.Groups, StringComparer.Ordinal)
        && TrustedKeys.SequenceEqual(other.TrustedKeys, StringComparer.Ordinal)
        && Events.SequenceEqual(other.Events, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Mqtt, Http, DeviceId, Groups.Count, TelemetryInterval, RequireSignature);

    /// <summary>Whether events of <paramref name="type"/> go to the fleet.</summary>
    public bool Sends(string type)
    {
        foreach (string pattern in Events)
        {
            if (pattern == "*" || pattern == type
                || (pattern.EndsWith('*') && type.StartsWith(pattern[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The MQTT broker (<c>uplink.mqtt</c>).</summary>
internal sealed record MqttUplinkConfig
{
    /// <summary><c>mqtt://host[:1883]</c> or <c>mqtts://host[:8883]</c>; empty: no MQTT uplink.</summary>
    public string Url { get; init; } = "";

    public string Username { get; init; } = "";

    public string Password { get; init; } = "";

    /// <summary>A file holding the password (first line), for secrets kept out of the config.</summary>
    public string PasswordFile { get; init; } = "";

    /// <summary>Client certificate and its key (PEM files) for brokers that authenticate devices by certificate.</summary>
    public string ClientCert { get; init; } = "";

    public string ClientKey { get; init; } = "";

    /// <summary>CA certificate (PEM) the broker's certificate must chain to; the system's CAs are not used then (pinning).</summary>
    public string Ca { get; init; } = "";

    /// <summary>MQTT protocol version: 5 or 3.1.1.</summary>
    public string Protocol { get; init; } = "5";

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait between reconnection attempts (the wait doubles from 1 s, with jitter).</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>HTTPS pull mode (<c>uplink.http</c>) for boxes without a broker.</summary>
internal sealed record HttpUplinkConfig
{
    /// <summary>Where the box reads its desired config document (polled with If-None-Match); empty: off.</summary>
    public string ConfigUrl { get; init; } = "";

    /// <summary>Where the box POSTs its reported state after each poll that changed something; empty: not reported.</summary>
    public string ReportUrl { get; init; } = "";

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Sent as <c>Authorization: Bearer</c> when set.</summary>
    public string Token { get; init; } = "";

    /// <summary>CA certificate (PEM) the server's certificate must chain to (pinning); empty: the system's CAs.</summary>
    public string Ca { get; init; } = "";
}
