using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class ConfigLayersTests
{
    private static ComposedConfig Compose(string local, params ConfigLayer[] layers) => ConfigLayers.Compose(TestLayers.Of(layers), local);

    /// <summary>The composed text through the same loader as any config file.</summary>
    private static EdgeBoxConfig Load(ComposedConfig composed)
    {
        Assert.Empty(composed.Errors);
        var load = ConfigLoader.Load(composed.Text);
        Assert.True(load.IsValid, composed.Text + "\n" + string.Join("\n", load.Errors));
        return load.Config!;
    }

    private static PathConfig PathOf(EdgeBoxConfig config, string name) => Assert.Single(config.Paths, p => p.Name == name).Config;

    [Fact]
    public void Without_fleet_layers_the_local_text_is_the_config_as_it_is()
    {
        const string local = "log: { level: debug }  # mine\n";
        var composed = ConfigLayers.Compose(FleetLayers.None, local);
        Assert.Same(local, composed.Text);
        Assert.Empty(composed.Overridden);
        Assert.Empty(composed.Errors);
    }

    [Fact]
    public void The_local_file_is_the_base_and_a_layer_sets_only_what_it_names()
    {
        const string local = """
            log: { level: debug, format: json }
            http: { address: 127.0.0.1:8080 }
            paths:
              cam1: { source: publisher, record: true }
            """;

        var config = Load(Compose(local, TestLayers.Layer("group/site", "1", "log: { level: warn }\npaths: { cam2: { source: publisher } }")));

        Assert.Equal((LogLevelSetting.Warn, LogFormat.Json), (config.Log.Level, config.Log.Format));
        Assert.Equal("127.0.0.1:8080", config.Http.Address);
        Assert.Equal(["cam1", "cam2"], config.Paths.Select(p => p.Name));
        Assert.Equal(("publisher", true), (PathOf(config, "cam1").Source, PathOf(config, "cam1").Record));
    }

    [Fact]
    public void Layers_merge_in_order_mappings_key_by_key_and_everything_else_replaced()
    {
        const string local = "webrtc: { additionalHosts: [local.example] }\npaths:\n  cam1: { source: publisher }\n";
        var siteGroup = TestLayers.Layer("group/site", "1", """
            log: { level: warn, format: json }
            webrtc: { additionalHosts: [a.example, b.example] }
            paths:
              cam1: { source: 'rtsp://10.0.0.5/main', record: true, forward: ['rtsp://a/x', 'rtsp://b/x'] }
            """);
        var camsGroup = TestLayers.Layer("group/cams", "2", """
            log: { level: error }
            webrtc: { additionalHosts: [c.example] }
            paths:
              cam1: { forward: ['rtsp://c/x'] }
            """);
        var device = TestLayers.Layer("device/box-017", "3", "log: { level: debug }\npaths:\n  cam1: { record: false }\n");

        var config = Load(Compose(local, siteGroup, camsGroup, device));

        Assert.Equal(LogLevelSetting.Debug, config.Log.Level); // the device layer last
        Assert.Equal(LogFormat.Json, config.Log.Format); // only the first group set it
        Assert.Equal(["c.example"], config.WebRtc.AdditionalHosts); // a list is replaced, not appended to
        var cam1 = PathOf(config, "cam1");
        Assert.Equal("rtsp://10.0.0.5/main", cam1.Source);
        Assert.False(cam1.Record);
        Assert.Equal(["rtsp://c/x"], cam1.Forward!);

        var reversed = Load(Compose(local, device, camsGroup, siteGroup));
        Assert.Equal(LogLevelSetting.Warn, reversed.Log.Level);
        Assert.True(PathOf(reversed, "cam1").Record);
    }

    [Fact]
    public void Merge_combines_mappings_key_by_key_and_replaces_scalars_and_lists()
    {
        var under = YamlTree.Of("a: { x: 1, y: 2 }\nb: [1, 2]\nc: 3\nd: { e: 4 }\n");
        var over = YamlTree.Of("a: { y: 5, z: 6 }\nb: [3]\nc: { f: 7 }\nd: 8\ng: 9\n");

        var merged = ConfigLayers.Merge(under, over);

        Assert.Equal(ConfigLayers.Write(YamlTree.Of("a: { x: 1, y: 5, z: 6 }\nb: [3]\nc: { f: 7 }\nd: 8\ng: 9\n")), ConfigLayers.Write(merged));
        Assert.Equal(ConfigLayers.Write(YamlTree.Of("a: { x: 1, y: 2 }\nb: [1, 2]\nc: 3\nd: { e: 4 }\n")), ConfigLayers.Write(under)); // not changed in place
    }

    [Fact]
    public void Allow_local_log_lets_the_local_log_section_win_over_every_layer()
    {
        var group = TestLayers.Layer("group/site", "1", "log: { level: warn, format: json }", "log");
        var device = TestLayers.Layer("device/box-017", "1", "log: { level: error }");

        var composed = Compose("log: { level: debug }\n", group, device);
        var config = Load(composed);

        Assert.Equal(LogLevelSetting.Debug, config.Log.Level);
        Assert.Equal(LogFormat.Json, config.Log.Format); // the local file does not say, so the fleet's value stays
        Assert.Empty(composed.Overridden);
    }

    [Fact]
    public void Allow_local_paths_cam1_lets_the_local_cam1_win_and_not_the_other_paths()
    {
        const string local = "paths:\n  cam1: { source: 'rtsp://local/cam1' }\n  cam2: { source: 'rtsp://local/cam2' }\n";
        var layer = TestLayers.Layer(
            "group/site", "1", "paths:\n  cam1: { source: 'rtsp://fleet/cam1', record: true }\n  cam2: { source: 'rtsp://fleet/cam2' }\n", "paths.cam1");

        var composed = Compose(local, layer);
        var config = Load(composed);

        Assert.Equal("rtsp://local/cam1", PathOf(config, "cam1").Source);
        Assert.True(PathOf(config, "cam1").Record);
        Assert.Equal("rtsp://fleet/cam2", PathOf(config, "cam2").Source);
        Assert.Equal(["paths.cam2"], composed.Overridden);
    }

    [Fact]
    public void Overridden_lists_the_local_settings_the_fleet_set_otherwise()
    {
        const string local = "log: { level: debug, file: false }\ndata: /var/lib/edgebox\npaths:\n  cam1: { source: publisher }\n  cam2: {}\n";
        var group = TestLayers.Layer("group/site", "1", "log: { level: warn }\npaths:\n  cam1: { record: true }\n  cam3: {}\n");
        var device = TestLayers.Layer("device/box-017", "1", "log: { level: error, format: json }");

        var composed = Compose(local, group, device);

        Assert.Equal(["log.level", "paths.cam1"], composed.Overridden);
        Assert.Equal("/var/lib/edgebox", Load(composed).Data);
    }

    [Fact]
    public void The_local_data_setting_stays_the_box_own()
    {
        var layer = new ConfigLayer("group/site", "1", YamlTree.Of("data: /fleet\nlog: { level: warn }"), [], "");

        var composed = Compose("data: /var/lib/edgebox\n", layer);

        Assert.Equal("/var/lib/edgebox", Load(composed).Data);
        Assert.Empty(composed.Overridden);
    }

    [Fact]
    public void Quoted_strings_stay_strings_in_the_composed_text()
    {
        const string local = "paths:\n  cam1: { readUser: \"true\", readPass: \"123\", publishUser: 'null', publishPass: \"pass: one\" }\n";
        var layer = TestLayers.Layer("group/site", "1", "paths:\n  cam2: { readUser: \"off\", readPass: \"1e3\", record: true }\n");

        var composed = Compose(local, layer);
        var tree = YamlTree.Of(composed.Text);

        (string Path, string Key, string Value)[] quoted =
        [
            ("cam1", "readUser", "true"), ("cam1", "readPass", "123"), ("cam1", "publishUser", "null"), ("cam1", "publishPass", "pass: one"),
            ("cam2", "readUser", "off"), ("cam2", "readPass", "1e3"),
        ];
        foreach (var (path, key, value) in quoted)
        {
            var scalar = Assert.IsType<YamlScalar>(YamlTree.At(tree, "paths", path, key));
            Assert.Equal((value, true), (scalar.Value, scalar.Quoted));
        }

        Assert.False(Assert.IsType<YamlScalar>(YamlTree.At(tree, "paths", "cam2", "record")).Quoted);
        var config = Load(composed);
        Assert.Equal(("true", "123", "null", "pass: one"), (PathOf(config, "cam1").ReadUser, PathOf(config, "cam1").ReadPass, PathOf(config, "cam1").PublishUser, PathOf(config, "cam1").PublishPass));
        Assert.True(PathOf(config, "cam2").Record);
    }

    [Fact]
    public void An_empty_layer_changes_nothing()
    {
        var composed = Compose(DefaultConfig.Text, TestLayers.Layer("device/box-017", "1", ""));

        Assert.Empty(composed.Overridden);
        Assert.Empty(ConfigDiff.Compute(ConfigLoader.Load(DefaultConfig.Text).Config!, Load(composed)));
    }

    [Fact]
    public void An_empty_local_file_takes_the_fleet_config()
    {
        var composed = Compose("", TestLayers.Layer("group/site", "1", "log: { level: warn }\npaths: { cam1: {} }"));
        var config = Load(composed);
        Assert.Equal(LogLevelSetting.Warn, config.Log.Level);
        Assert.Equal(["cam1"], config.Paths.Select(p => p.Name));
        Assert.Empty(composed.Overridden);
    }

    [Theory]
    [InlineData("log: { level: debug\n")]
    [InlineData("log: [\n")]
    [InlineData("a: 1\na: 2\n")]
    public void Invalid_local_yaml_gives_errors(string local)
    {
        var composed = Compose(local, TestLayers.Layer("group/site", "1", "log: { level: warn }"));
        Assert.NotEmpty(composed.Errors);
        Assert.Equal(local, composed.Text);
    }

    [Theory]
    [InlineData("- log\n- paths\n")]
    [InlineData("just some text\n")]
    public void A_local_file_that_is_not_a_mapping_is_refused_and_not_replaced_by_the_fleet_config(string local)
    {
        var composed = Compose(local, TestLayers.Layer("group/site", "1", "log: { level: warn }"));
        Assert.False(composed.Errors.Count == 0 && ConfigLoader.Load(composed.Text).IsValid, "a local file that is not a config was accepted:\n" + composed.Text);
    }

    [Fact]
    public void A_layer_that_clears_paths_still_takes_the_local_paths_it_allows()
    {
        var layer = TestLayers.Layer("group/site", "1", "paths: ~\nlog: { level: warn }", "paths.cam1");

        var composed = Compose("paths:\n  cam1: { source: publisher }\n  cam2: {}\n", layer);
        var config = Load(composed);

        Assert.Equal(["cam1"], config.Paths.Select(p => p.Name));
        Assert.Equal("publisher", PathOf(config, "cam1").Source);
    }

    [Fact]
    public void The_composed_text_reads_back_to_the_same_tree()
    {
        var layer = TestLayers.Layer("group/site", "1", "log: { level: warn }\nwebrtc: { additionalHosts: [a.example, 'yes'] }\npaths: { '~^live/.+$': { record: true } }");

        string text = Compose(DefaultConfig.Text, layer).Text;

        Assert.Equal(text, ConfigLayers.Write(YamlTree.Of(text)));
    }
}
