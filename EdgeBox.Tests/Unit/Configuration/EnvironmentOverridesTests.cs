using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class EnvironmentOverridesTests
{
    [Fact]
    public void Section_keys_and_top_level_keys_are_overridden_case_insensitively()
    {
        var env = new Dictionary<string, string>
        {
            ["EDGEBOX_HTTP_ADDRESS"] = "127.0.0.1:9000",
            ["EDGEBOX_HTTPS_ADDRESS"] = "127.0.0.1:9443",
            ["EDGEBOX_HTTPS_ENABLED"] = "true",
            ["EDGEBOX_RTSP_ENABLED"] = "false",
            ["EDGEBOX_LOG_LEVEL"] = "debug",
            ["EDGEBOX_DATA"] = "/tmp/box",
            ["EDGEBOX_PATHDEFAULTS_RECORD"] = "true",
            ["EDGEBOX_WEBRTC_ADDITIONALHOSTS"] = "203.0.113.1, box.example.com",
            ["PATH"] = "/usr/bin",
        };
        var result = ConfigLoader.Load("http: { address: 0.0.0.0:8080 }\nlog: { file: false }\n", env);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var c = result.Config!;
        Assert.Equal("127.0.0.1:9000", c.Http.Address);
        Assert.Equal(("127.0.0.1:9443", true), (c.Https.Address, c.Https.Enabled)); // HTTP_ is not HTTPS_, nor the reverse
        Assert.False(c.Rtsp.Enabled);
        Assert.Equal(LogLevelSetting.Debug, c.Log.Level);
        Assert.False(c.Log.File); // untouched keys of an overridden section stay
        Assert.Equal("/tmp/box", c.Data);
        Assert.True(c.PathDefaults.Record);
        Assert.Equal(["203.0.113.1", "box.example.com"], c.WebRtc.AdditionalHosts);
    }

    [Fact]
    public void Bad_override_values_name_the_variable()
    {
        var result = ConfigLoader.Load("", new Dictionary<string, string> { ["EDGEBOX_HTTP_ENABLED"] = "perhaps" });
        var error = Assert.Single(result.Errors);
        Assert.Equal("http.enabled", error.Path);
        Assert.Equal("EDGEBOX_HTTP_ENABLED", error.EnvSource);
        Assert.StartsWith("http.enabled (env EDGEBOX_HTTP_ENABLED):", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Semantic_errors_from_overrides_name_the_variable()
    {
        var result = ConfigLoader.Load("", new Dictionary<string, string> { ["EDGEBOX_RTSP_ADDRESS"] = ":8080" });
        Assert.Equal("EDGEBOX_RTSP_ADDRESS", Assert.Single(result.Errors).EnvSource);
    }

    [Theory]
    [InlineData("EDGEBOX_HTTP_ADRESS")]
    [InlineData("EDGEBOX_NOPE")]
    [InlineData("EDGEBOX_PATHS")]
    [InlineData("EDGEBOX_HTTP")]
    public void Variables_that_name_no_key_are_errors(string name)
    {
        var result = ConfigLoader.Load("", new Dictionary<string, string> { [name] = "x" });
        Assert.Equal(name, Assert.Single(result.Errors).EnvSource);
    }

    [Fact]
    public void Override_applies_to_a_section_written_in_flow_or_missing()
    {
        var env = new Dictionary<string, string> { ["EDGEBOX_SRT_ADDRESS"] = "127.0.0.1:7000" };
        Assert.Equal("127.0.0.1:7000", ConfigLoader.Load("srt: { enabled: true }", env).Config!.Srt.Address);
        Assert.Equal("127.0.0.1:7000", ConfigLoader.Load("log: {}", env).Config!.Srt.Address);
        Assert.Equal("127.0.0.1:7000", ConfigLoader.Load("", env).Config!.Srt.Address);
    }
}
