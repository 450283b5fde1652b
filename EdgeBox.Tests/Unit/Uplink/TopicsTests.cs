using EdgeBox.Uplink;

namespace EdgeBox.Tests.Unit.Uplink;

public sealed class TopicsTests
{
    [Theory]
    [InlineData("edgebox/v1/groups/site-berlin/config/desired", "group/site-berlin")]
    [InlineData("edgebox/v1/devices/box-017/config/desired", "device/box-017")]
    [InlineData("edgebox/v1/groups/a.b_c/config/desired", "group/a.b_c")]
    [InlineData("edgebox/v1/things/x/config/desired", null)]
    [InlineData("edgebox/v1/groups/a/b/config/desired", null)]
    [InlineData("edgebox/v1/groups/config/desired", null)]
    [InlineData("edgebox/v1/groups//config/desired", null)]
    [InlineData("edgebox/v1//x/config/desired", null)]
    [InlineData("edgebox/v1/config/desired", null)]
    [InlineData("edgebox/v1/desired", null)]
    [InlineData("edgebox/v1/", null)]
    [InlineData("edgebox/v2/groups/a/config/desired", null)]
    [InlineData("edgebox/v1/groups/a/config/reported", null)]
    [InlineData("edgebox/v1/devices/box-017/cmd/reboot", null)]
    [InlineData("x/edgebox/v1/groups/a/config/desired", null)]
    [InlineData("", null)]
    public void LayerOf_names_the_layer_of_a_desired_config_topic(string topic, string? layer) =>
        Assert.Equal(layer, Topics.LayerOf(topic));

    [Fact]
    public void The_desired_topics_the_box_subscribes_to_map_back_to_their_layers()
    {
        Assert.Equal("group/site-berlin", Topics.LayerOf(Topics.GroupDesired("site-berlin")));
        Assert.Equal("device/box-017", Topics.LayerOf(Topics.DeviceDesired("box-017")));
        Assert.Null(Topics.LayerOf(Topics.Reported("box-017")));
    }

    [Theory]
    [InlineData("edgebox/v1/devices/box-017/cmd/reboot", "reboot")]
    [InlineData("edgebox/v1/devices/box-017/cmd/rotate-logs", "rotate-logs")]
    [InlineData("edgebox/v1/devices/box-017/cmd/", null)]
    [InlineData("edgebox/v1/devices/box-017/cmd", null)]
    [InlineData("edgebox/v1/devices/box-017/cmd/reboot/response", null)]
    [InlineData("edgebox/v1/devices/box-018/cmd/reboot", null)]
    [InlineData("edgebox/v1/devices/box-0170/cmd/reboot", null)]
    [InlineData("edgebox/v1/groups/box-017/cmd/reboot", null)]
    public void CommandOf_names_a_command_for_this_device_only(string topic, string? command)
    {
        Assert.Equal(command, Topics.CommandOf("box-017", topic));
        if (command is not null)
        {
            Assert.Equal(topic + "/response", Topics.CommandResponse("box-017", command));
        }
    }

    [Fact]
    public void Topics_live_under_the_protocol_root()
    {
        Assert.Equal("edgebox/v1/devices/b/state", Topics.State("b"));
        Assert.Equal("edgebox/v1/devices/b/telemetry", Topics.Telemetry("b"));
        Assert.Equal("edgebox/v1/devices/b/events", Topics.Events("b"));
        Assert.Equal("edgebox/v1/devices/b/cmd/+", Topics.Commands("b"));
        Assert.Equal("edgebox/v1/groups/g/config/desired", Topics.GroupDesired("g"));
    }

    [Theory]
    [InlineData("box-017")]
    [InlineData("site_berlin.cams")]
    [InlineData("A")]
    [InlineData("0")]
    public void NameError_accepts_one_topic_level_of_plain_characters(string name) => Assert.Null(Topics.NameError(name));

    [Theory]
    [InlineData("")]
    [InlineData("site/berlin")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("box 17")]
    [InlineData("kamera-ü")]
    [InlineData("box\n17")]
    [InlineData("$SYS")]
    public void NameError_refuses_what_is_not_one_plain_topic_level(string name) => Assert.NotNull(Topics.NameError(name));

    [Fact]
    public void NameError_allows_at_most_128_characters()
    {
        Assert.Null(Topics.NameError(new string('a', Topics.MaxNameLength)));
        Assert.Equal("must be 1 to 128 characters", Topics.NameError(new string('a', Topics.MaxNameLength + 1)));
    }

    [Theory]
    [InlineData("mqtt://broker", "broker", 1883, false)]
    [InlineData("mqtts://broker", "broker", 8883, true)]
    [InlineData("mqtt://broker.example.com:1884", "broker.example.com", 1884, false)]
    [InlineData("mqtts://broker:443/", "broker", 443, true)]
    [InlineData("mqtts://broker:1883", "broker", 1883, true)]
    [InlineData("MQTT://Broker", "broker", 1883, false)]
    [InlineData("mqtt://10.0.0.5", "10.0.0.5", 1883, false)]
    [InlineData("mqtt://[::1]", "::1", 1883, false)]
    [InlineData("mqtts://[2001:db8::7]:8884", "2001:db8::7", 8884, true)]
    public void MqttEndpoint_reads_a_broker_url_with_the_default_port_of_its_scheme(string url, string host, int port, bool tls)
    {
        Assert.True(MqttEndpoint.TryParse(url, out var endpoint));
        Assert.Equal(new MqttEndpoint(host, port, tls), endpoint);
    }

    [Theory]
    [InlineData("http://broker")]
    [InlineData("https://broker:8883")]
    [InlineData("tcp://broker:1883")]
    [InlineData("ws://broker")]
    [InlineData("mqtt://broker/edgebox")]
    [InlineData("mqtt://broker:1883/a/b")]
    [InlineData("mqtt://user@broker")]
    [InlineData("mqtt://user:secret@broker:1883")]
    [InlineData("mqtt://broker?clientId=x")]
    [InlineData("mqtt://broker#fragment")]
    [InlineData("mqtt://")]
    [InlineData("mqtt:///path")]
    [InlineData("mqtt:broker")]
    [InlineData("broker:1883")]
    [InlineData("broker")]
    [InlineData("")]
    public void MqttEndpoint_refuses_what_is_not_a_bare_broker_url(string url)
    {
        Assert.False(MqttEndpoint.TryParse(url, out var endpoint));
        Assert.Equal(default, endpoint);
    }

    [Fact]
    public void MqttEndpoint_prints_scheme_host_and_port() =>
        Assert.Equal("mqtts://broker:8883", MqttEndpoint.TryParse("mqtts://broker", out var endpoint) ? endpoint.ToString() : null);
}
