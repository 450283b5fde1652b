using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class ConfigWriterTests
{
    [Theory]
    [InlineData("")]
    [InlineData("log: { level: error, format: json, file: false }\ndata: 'true'\nhttp: { address: '[::]:0' }\nwebrtc: { additionalHosts: [203.0.113.9, 'yes.example'] }\npathDefaults: { record: true }\npaths: { '~^live/.+$': {}, 'a/b': { record: false }, '123': {}, 'null': {}, 'on': {} }")]
    public void Written_config_reads_back_equal(string yaml)
    {
        var first = ConfigLoader.Load(yaml);
        Assert.True(first.IsValid, string.Join("\n", first.Errors));
        string written = ConfigWriter.Write(first.Config!);
        var second = ConfigLoader.Load(written);
        Assert.True(second.IsValid, written + "\n" + string.Join("\n", second.Errors));
        Assert.Empty(ConfigDiff.Compute(first.Config!, second.Config!));
        Assert.Equal(first.Config!.Data, second.Config!.Data);
        Assert.Equal(first.Config.Paths.Select(p => p.Name), second.Config.Paths.Select(p => p.Name));
        Assert.Equal(written, ConfigWriter.Write(second.Config));
    }

    [Fact]
    public void Written_config_names_every_key_of_every_section()
    {
        var errors = new List<ConfigError>();
        var root = Assert.IsType<YamlMapping>(YamlDocumentReader.Read(ConfigWriter.Write(new EdgeBoxConfig()), errors));
        Assert.Empty(errors);
        Assert.Equal(ConfigReader.TopLevelKeys, root.Entries.Select(e => e.Key.Value));
        foreach (var (section, keys) in ConfigReader.Sections)
        {
            var mapping = Assert.IsType<YamlMapping>(root.Find(section));
            var written = mapping.Entries.Select(e => e.Key.Value).Order().ToList();
            if (section == "pathDefaults")
            {
                // Credentials and a certificate fingerprint have no default, so they are only written when set.
                Assert.Subset(keys.ToHashSet(), written.ToHashSet());
                Assert.Equal(
                    keys.Except(["publishUser", "publishPass", "readUser", "readPass", "sourceFingerprint", "hwaccel", "testsrc", "detect"]).Order(), written);
            }
            else if (section == "uplink")
            {
                // Sections lists the keys an environment variable can set; the nested sections are written too.
                Assert.Equal(keys.Concat(["mqtt", "http", "outbox"]).Order(), written);
            }
            else
            {
                Assert.Equal(keys.Order(), written);
            }
        }
    }
}
