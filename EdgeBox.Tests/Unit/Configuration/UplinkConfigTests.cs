using EdgeBox.Configuration;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class UplinkConfigTests(FleetKeys keys) : IClassFixture<FleetKeys>
{
    private string FullSection => $$"""
        uplink:
          mqtt:
            url: mqtts://broker.example.com:8884
            username: box-017
            passwordFile: /etc/edgebox/mqtt.pass
            clientCert: /etc/edgebox/box.crt
            clientKey: /etc/edgebox/box.key
            ca: /etc/edgebox/fleet-ca.crt
            protocol: 3.1.1
            keepAlive: 45s
            reconnectMaxDelay: 2m
          http:
            configUrl: https://fleet.example.com/boxes/box-017/config
            reportUrl: https://fleet.example.com/boxes/box-017/reported
            interval: 5m
            token: "12345"
            ca: /etc/edgebox/fleet-ca.crt
          deviceId: box-017
          groups: [site-berlin, cams, "true"]
          telemetryInterval: 1m
          trustedKeys: ['{{keys.Ed25519.PublicKey}}', '{{keys.EcdsaP256.PublicKey}}']
          requireSignature: true
          outbox: { maxEvents: 5000, maxAge: 2d }
          events: [detection, 'recording.*']
        """;

    private static EdgeBoxConfig Valid(string yaml, Dictionary<string, string>? environment = null)
    {
        var load = ConfigLoader.Load(yaml, environment);
        Assert.True(load.IsValid, string.Join("\n", load.Errors));
        return load.Config!;
    }

    [Fact]
    public void A_full_uplink_section_reads()
    {
        var uplink = Valid(FullSection).Uplink;

        Assert.Equal(
            new MqttUplinkConfig
            {
                Url = "mqtts://broker.example.com:8884", Username = "box-017", PasswordFile = "/etc/edgebox/mqtt.pass",
                ClientCert = "/etc/edgebox/box.crt", ClientKey = "/etc/edgebox/box.key", Ca = "/etc/edgebox/fleet-ca.crt",
                Protocol = "3.1.1", KeepAlive = TimeSpan.FromSeconds(45), ReconnectMaxDelay = TimeSpan.FromMinutes(2),
            },
            uplink.Mqtt);
        Assert.Equal(
            new HttpUplinkConfig
            {
                ConfigUrl = "https://fleet.example.com/boxes/box-017/config", ReportUrl = "https://fleet.example.com/boxes/box-017/reported",
                Interval = TimeSpan.FromMinutes(5), Token = "12345", Ca = "/etc/edgebox/fleet-ca.crt",
            },
            uplink.Http);
        Assert.Equal("box-017", uplink.DeviceId);
        Assert.Equal(["site-berlin", "cams", "true"], uplink.Groups);
        Assert.Equal(TimeSpan.FromMinutes(1), uplink.TelemetryInterval);
        Assert.Equal([keys.Ed25519.PublicKey, keys.EcdsaP256.PublicKey], uplink.TrustedKeys);
        Assert.True(uplink.RequireSignature);
        Assert.Equal((5000, TimeSpan.FromDays(2)), (uplink.OutboxMaxEvents, uplink.OutboxMaxAge));
        Assert.Equal(["detection", "recording.*"], uplink.Events);
        Assert.True(uplink.Enabled);
    }

    [Fact]
    public void Without_an_uplink_section_the_box_stands_alone()
    {
        var uplink = Valid("").Uplink;

        Assert.Equal(new UplinkConfig(), uplink);
        Assert.False(uplink.Enabled);
        Assert.Equal(("5", TimeSpan.FromSeconds(30)), (uplink.Mqtt.Protocol, uplink.Mqtt.KeepAlive));
        Assert.Equal((100_000, TimeSpan.FromDays(7)), (uplink.OutboxMaxEvents, uplink.OutboxMaxAge));
        Assert.Equal(["*"], uplink.Events);
        Assert.Equal(new UplinkConfig(), Valid("uplink: { mqtt: ~, http: ~ }").Uplink);
    }

    [Theory]
    [InlineData("uplink: { mqtt: { url: mqtt://broker } }")]
    [InlineData("uplink: { http: { configUrl: 'http://fleet.local/config' } }")]
    public void Either_a_broker_or_a_config_url_links_the_box_to_the_fleet(string yaml) => Assert.True(Valid(yaml).Uplink.Enabled);

    [Theory]
    [InlineData("uplink: { mqtt: { url: 'http://broker:1883' } }", "uplink.mqtt.url")]
    [InlineData("uplink: { mqtt: { url: 'mqtt://broker/topic' } }", "uplink.mqtt.url")]
    [InlineData("uplink: { mqtt: { url: mqtt://b, protocol: 4 } }", "uplink.mqtt.protocol")]
    [InlineData("uplink: { mqtt: { url: mqtt://b, protocol: '' } }", "uplink.mqtt.protocol")]
    [InlineData("uplink: { mqtt: { url: mqtt://b, clientCert: /x/box.crt } }", "uplink.mqtt.clientKey", 0)] // the key that is missing: no line
    [InlineData("uplink: { mqtt: { url: mqtt://b, clientKey: /x/box.key } }", "uplink.mqtt.clientCert", 0)]
    [InlineData("uplink: { mqtt: { url: mqtt://b, password: secret, passwordFile: /x/pass } }", "uplink.mqtt.passwordFile")]
    [InlineData("uplink: { mqtt: { url: mqtt://b, keepAlive: 0s } }", "uplink.mqtt.keepAlive")]
    [InlineData("uplink: { mqtt: { url: mqtt://b, keepAlive: 19h } }", "uplink.mqtt.keepAlive")]
    [InlineData("uplink: { mqtt: { url: mqtt://b, reconnectMaxDelay: 500ms } }", "uplink.mqtt.reconnectMaxDelay")]
    [InlineData("uplink: { mqtt: { url: mqtt://b, reconnectMaxDelay: 30d } }", "uplink.mqtt.reconnectMaxDelay")]
    [InlineData("uplink: { mqtt: { hostname: b } }", "uplink.mqtt.hostname")]
    [InlineData("uplink: { mqtt: mqtt://b }", "uplink.mqtt")]
    [InlineData("uplink: { http: { configUrl: 'ftp://fleet/config' } }", "uplink.http.configUrl")]
    [InlineData("uplink: { http: { configUrl: 'fleet/config' } }", "uplink.http.configUrl")]
    [InlineData("uplink: { http: { reportUrl: 'https://fleet/reported' } }", "uplink.http.reportUrl")]
    [InlineData("uplink: { http: { configUrl: 'https://fleet/c', interval: 0s } }", "uplink.http.interval")]
    [InlineData("uplink: { http: { configUrl: 'https://fleet/c', interval: 60d } }", "uplink.http.interval")]
    [InlineData("uplink: { deviceId: 'box/017' }", "uplink.deviceId")]
    [InlineData("uplink: { groups: ['site/berlin'] }", "uplink.groups[0]")]
    [InlineData("uplink: { groups: [a, '+'] }", "uplink.groups[1]")]
    [InlineData("uplink: { groups: [a, b, a] }", "uplink.groups[2]")]
    [InlineData("uplink: { groups: a }", "uplink.groups")]
    [InlineData("uplink: { requireSignature: true }", "uplink.requireSignature")]
    [InlineData("uplink: { trustedKeys: [/nonexistent/fleet.pub] }", "uplink.trustedKeys[0]")]
    [InlineData("uplink: { telemetryInterval: 0s }", "uplink.telemetryInterval")]
    [InlineData("uplink: { telemetryInterval: 2d }", "uplink.telemetryInterval")]
    [InlineData("uplink: { outbox: { maxAge: 30s } }", "uplink.outbox.maxAge")]
    [InlineData("uplink: { outbox: { maxEvents: 5 } }", "uplink.outbox.maxEvents")]
    [InlineData("uplink: { outbox: { size: 5 } }", "uplink.outbox.size")]
    [InlineData("uplink: { events: detection }", "uplink.events")]
    [InlineData("uplink: { mqtts: {} }", "uplink.mqtts")]
    public void Each_uplink_rule_reports_its_key(string yaml, string path, int line = 1)
    {
        var load = ConfigLoader.Load(yaml);
        Assert.False(load.IsValid);
        var error = Assert.Single(load.Errors);
        Assert.Equal((path, line), (error.Path, error.Line));
    }

    [Fact]
    public void Trusted_keys_the_box_cannot_use_are_each_reported()
    {
        string yaml = $"uplink:\n  trustedKeys:\n    - '{keys.Ed25519.PublicKey}'\n    - '{keys.Rsa.PublicKey}'\n    - '{keys.EcdsaP384.PublicKey}'\n    - '{keys.EcdsaP256.PrivateKey}'\n";

        var load = ConfigLoader.Load(yaml);

        Assert.Equal(["uplink.trustedKeys[1]", "uplink.trustedKeys[2]", "uplink.trustedKeys[3]"], load.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Environment_sets_the_device_id_and_the_groups()
    {
        var environment = new Dictionary<string, string> { ["EDGEBOX_UPLINK_DEVICEID"] = "box-042", ["EDGEBOX_UPLINK_GROUPS"] = "site-berlin, cams,,night" };

        var fromFile = Valid("uplink:\n  deviceId: box-017\n  groups: [old]\n  mqtt: { url: mqtt://broker }\n", environment).Uplink;
        var noSection = Valid("", environment).Uplink;

        foreach (var uplink in new[] { fromFile, noSection })
        {
            Assert.Equal("box-042", uplink.DeviceId);
            Assert.Equal(["site-berlin", "cams", "night"], uplink.Groups);
        }

        Assert.Equal("mqtt://broker", fromFile.Mqtt.Url); // the rest of the section stays
    }

    [Fact]
    public void Groups_from_the_environment_go_through_the_same_rules()
    {
        var load = ConfigLoader.Load("", new Dictionary<string, string> { ["EDGEBOX_UPLINK_GROUPS"] = "ok,site/berlin,ok" });

        Assert.Equal(["uplink.groups[1]", "uplink.groups[2]"], load.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Written_config_reads_back_the_same_uplink_section()
    {
        var first = Valid(FullSection + "\n" + "paths: { cam1: {} }\n");

        string written = ConfigWriter.Write(first);
        var second = Valid(written);

        Assert.Equal(first.Uplink, second.Uplink);
        Assert.Empty(ConfigDiff.Compute(first, second));
        Assert.Equal(written, ConfigWriter.Write(second));
        Assert.Equal(new UplinkConfig(), Valid(ConfigWriter.Write(new EdgeBoxConfig())).Uplink);
    }

    [Theory]
    [InlineData("", "uplink: { deviceId: box-1 }")]
    [InlineData("uplink: { groups: [a, b] }", "uplink: { groups: [b, a] }")]
    [InlineData("uplink: { groups: [a] }", "uplink: { groups: [a, b] }")]
    [InlineData("uplink: { events: ['*'] }", "uplink: { events: [detection] }")]
    [InlineData("", "uplink: { mqtt: { url: mqtt://broker } }")]
    [InlineData("", "uplink: { http: { configUrl: 'https://fleet/c' } }")]
    [InlineData("", "uplink: { outbox: { maxEvents: 10 } }")]
    [InlineData("", "uplink: { outbox: { maxAge: 1d } }")]
    [InlineData("", "uplink: { telemetryInterval: 10s }")]
    public void A_changed_uplink_section_is_one_change_named_uplink(string before, string after)
    {
        var changes = ConfigDiff.Compute(Valid(before), Valid(after));

        Assert.Equal(["uplink changed"], changes.Select(ConfigManager.Describe));
        Assert.False(Assert.Single(changes).RequiresRestart);
        Assert.Empty(ConfigDiff.Compute(Valid(after), Valid(after + "\n# same\n")));
    }

    [Theory]
    [InlineData("detection", true)]
    [InlineData("recording.started", true)]
    [InlineData("recording", false)]
    [InlineData("path.ready", false)]
    public void Sends_matches_event_types_by_name_or_prefix(string type, bool sent)
    {
        var uplink = new UplinkConfig { Events = ["detection", "recording.*"] };
        Assert.Equal(sent, uplink.Sends(type));
        Assert.True(new UplinkConfig().Sends(type));
        Assert.False(new UplinkConfig { Events = [] }.Sends(type));
    }
}
