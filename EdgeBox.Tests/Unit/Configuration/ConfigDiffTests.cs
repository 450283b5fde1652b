using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class ConfigDiffTests
{
    private static EdgeBoxConfig Parse(string yaml)
    {
        var result = ConfigLoader.Load(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Config!;
    }

    private static string[] Diff(string before, string after) =>
        ConfigDiff.Compute(Parse(before), Parse(after)).Select(ConfigManager.Describe).ToArray();

    [Fact]
    public void Identical_configs_have_no_changes() =>
        Assert.Empty(Diff(DefaultConfig.Text, DefaultConfig.Text + "\n# only a comment\n"));

    [Fact]
    public void Each_section_is_reported_by_key()
    {
        Assert.Equal(["log.level changed"], Diff("", "log: { level: debug }"));
        Assert.Equal(["log.file changed"], Diff("", "log: { file: false }"));
        Assert.Equal(["log.format changed"], Diff("", "log: { format: json }"));
        Assert.Equal(["data changed"], Diff("", "data: /x"));
        Assert.Equal(["http changed"], Diff("", "http: { address: ':81' }"));
        Assert.Equal(["rtsp changed"], Diff("", "rtsp: { enabled: false }"));
        Assert.Equal(["rtmp changed"], Diff("", "rtmp: { enabled: false }"));
        Assert.Equal(["srt changed"], Diff("", "srt: { enabled: false }"));
        Assert.Equal(["webrtc changed"], Diff("", "webrtc: { additionalHosts: [a.example] }"));
        Assert.Empty(Diff("webrtc: { additionalHosts: [a.example] }", "webrtc: { additionalHosts: [a.example] }"));
    }

    [Fact]
    public void Paths_are_added_removed_and_changed_individually()
    {
        const string before = "paths: { a: {}, b: {}, c: { record: true } }";
        const string after = "paths: { a: {}, c: { record: false }, d: {} }";
        Assert.Equal(["paths.b removed", "paths.c changed", "paths.d added"], Diff(before, after));
    }

    [Fact]
    public void Path_defaults_change_lists_only_the_paths_it_affects()
    {
        const string before = "paths: { a: {}, b: { record: true } }";
        const string after = "pathDefaults: { record: true }\npaths: { a: {}, b: { record: true } }";
        Assert.Equal(["pathDefaults changed", "paths.a changed"], Diff(before, after));
    }

    [Fact]
    public void Reordering_paths_is_a_change_because_regex_order_matters()
    {
        Assert.Equal(["paths changed"], Diff("paths: { a: {}, b: {} }", "paths: { b: {}, a: {} }"));
        Assert.Equal(["log.level changed", "paths.c added", "paths changed"], Diff("paths: { a: {}, b: {} }", "log: { level: warn }\npaths: { b: {}, c: {}, a: {} }"));
        Assert.Equal(["paths.b removed"], Diff("paths: { a: {}, b: {}, c: {} }", "paths: { a: {}, c: {} }"));
    }

    [Fact]
    public void Listener_and_data_changes_require_a_restart_and_the_rest_applies_live()
    {
        var changes = ConfigDiff.Compute(Parse(""), Parse("http: { address: ':81' }\ndata: /x\nlog: { level: warn }\npaths: { a: {} }"));
        Assert.Equal(["data", "http"], changes.Where(c => c.RequiresRestart).Select(c => c.Key).Order());
        Assert.Equal(["log.level", "paths.a"], changes.Where(c => !c.RequiresRestart).Select(c => c.Key).Order());
    }
}
