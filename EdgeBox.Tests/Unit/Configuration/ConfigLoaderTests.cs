using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class ConfigLoaderTests
{
    private static ConfigLoadResult Load(string yaml, Dictionary<string, string>? env = null) => ConfigLoader.Load(yaml, env);

    private static ConfigError SingleError(string yaml, Dictionary<string, string>? env = null)
    {
        var result = Load(yaml, env);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Empty_document_gives_every_default()
    {
        var result = Load("");
        Assert.True(result.IsValid);
        Assert.Equal(new EdgeBoxConfig().Http, result.Config!.Http);
        Assert.Equal("0.0.0.0:8080", result.Config.Http.Address);
        Assert.Equal("0.0.0.0:8554", result.Config.Rtsp.Address);
        Assert.Equal("0.0.0.0:1935", result.Config.Rtmp.Address);
        Assert.Equal("0.0.0.0:8890", result.Config.Srt.Address);
        Assert.Equal("0.0.0.0:8189", result.Config.WebRtc.Address);
        Assert.Equal(LogLevelSetting.Info, result.Config.Log.Level);
        Assert.True(result.Config.Log.File);
        Assert.Equal("./data", result.Config.Data);
        Assert.Empty(result.Config.Paths);
    }

    [Fact]
    public void Shipped_default_config_is_valid_and_is_the_built_in_one()
    {
        string file = File.ReadAllText(Path.Combine(Infrastructure.RepoPaths.ConfigDirectory, "edgebox.yml"));
        Assert.Equal(file, DefaultConfig.Text);
        var result = Load(file);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(["demo", "~^live/.+$"], result.Config!.Paths.Select(p => p.Name));
        Assert.Equal(("testsrc", true), (result.Config.Paths[0].Config.Source, result.Config.Paths[0].Config.SourceOnDemand));
        Assert.True(result.Config.Paths[1].IsRegex);
    }

    [Fact]
    public void Contract_layout_from_the_issue_reads()
    {
        const string yaml = """
            log: { level: debug, file: false }
            data: /var/lib/edgebox
            http:   { address: 127.0.0.1:8080 }
            rtsp:   { address: 0.0.0.0:8554, enabled: false }
            rtmp:   { address: 0.0.0.0:1935 }
            srt:    { address: 0.0.0.0:8890 }
            webrtc: { address: 0.0.0.0:8189, additionalHosts: [203.0.113.7, box.example.com] }
            pathDefaults: { record: true }
            paths:
              cam1: { source: publisher }
              "~^live/.+$": { source: publisher, record: false }
              bare:
            """;
        var result = Load(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var c = result.Config!;
        Assert.Equal(LogLevelSetting.Debug, c.Log.Level);
        Assert.False(c.Log.File);
        Assert.Equal("/var/lib/edgebox", c.Data);
        Assert.False(c.Rtsp.Enabled);
        Assert.Equal(["203.0.113.7", "box.example.com"], c.WebRtc.AdditionalHosts);
        Assert.Equal(["cam1", "~^live/.+$", "bare"], c.Paths.Select(p => p.Name));
        Assert.True(c.EffectivePath(c.Paths[0]).Record);
        Assert.False(c.EffectivePath(c.Paths[1]).Record);
        Assert.Equal(PathSources.Publisher, c.EffectivePath(c.Paths[2]).Source);
    }

    [Theory]
    [InlineData("htp: {}", "htp", 1, "did you mean 'http'")]
    [InlineData("http: { adress: 1.2.3.4:80 }", "http.adress", 1, "did you mean 'address'")]
    [InlineData("log:\n  levle: debug", "log.levle", 2, "did you mean 'level'")]
    [InlineData("paths:\n  cam1: { sauce: publisher }", "paths.cam1.sauce", 2, "unknown key")]
    [InlineData("pathDefaults: { recrod: true }", "pathDefaults.recrod", 1, "did you mean 'record'")]
    [InlineData("webrtc: { hosts: [] }", "webrtc.hosts", 1, "unknown key")]
    [InlineData("https: { certifcate: a.pem }", "https.certifcate", 1, "did you mean 'certificate'")]
    public void Unknown_keys_are_errors_with_path_line_and_suggestion(string yaml, string path, int line, string message)
    {
        var error = SingleError(yaml);
        Assert.Equal(path, error.Path);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("log: { level: loud }", "log.level", "expected one of debug | info | warn | error")]
    [InlineData("log: { format: xml }", "log.format", "expected one of text | json")]
    [InlineData("log: { file: maybe }", "log.file", "expected true or false")]
    [InlineData("log: { file: 'true' }", "log.file", "expected true or false")]
    [InlineData("log: debug", "log", "expected a mapping")]
    [InlineData("http: { enabled: 1 }", "http.enabled", "expected true or false")]
    [InlineData("http: { address: }", "http.address", "expected text, found nothing")]
    [InlineData("http: { address: [a] }", "http.address", "expected text, found a list")]
    [InlineData("http: { address: ' ' }", "http.address", "must not be empty")]
    [InlineData("https: { redirect: 308 }", "https.redirect", "expected true or false")]
    [InlineData("data: ''", "data", "must not be empty")]
    [InlineData("webrtc: { additionalHosts: host }", "webrtc.additionalHosts", "expected a list")]
    [InlineData("paths: [cam1]", "paths", "expected a mapping of path names")]
    [InlineData("paths: { cam1: publisher }", "paths.cam1", "expected a mapping")]
    [InlineData("paths: { cam1: { record: yes please } }", "paths.cam1.record", "expected true or false")]
    [InlineData("paths: { cam1: { maxReaders: -1 } }", "paths.cam1.maxReaders", "must be from 0")]
    [InlineData("paths: { cam1: { maxReaders: many } }", "paths.cam1.maxReaders", "expected a whole number")]
    [InlineData("rtsp: { sessionTimeout: soon }", "rtsp.sessionTimeout", "expected a duration")]
    [InlineData("rtsp: { sessionTimeout: 10x }", "rtsp.sessionTimeout", "expected a duration")]
    [InlineData("rtsp: { maxSessions: 0 }", "rtsp.maxSessions", "must be from 1")]
    [InlineData("media: { readerQueueSize: 2 }", "media.readerQueueSize", "must be from 8")]
    [InlineData("media: { readerMaxLag: 100x }", "media.readerMaxLag", "expected a duration")]
    public void Wrong_types_are_errors(string yaml, string path, string message)
    {
        var error = SingleError(yaml);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http: { address: 8080 }", "http.address", "is not host:port")]
    [InlineData("http: { address: 'localhost:99999' }", "http.address", "is not host:port")]
    [InlineData("http: { address: 'a b:80' }", "http.address", "is not host:port")]
    [InlineData("http: { address: '[zz]:80' }", "http.address", "is not host:port")]
    [InlineData("rtsp: { address: ':8080' }", "rtsp.address", "port 8080 is already used by http")]
    [InlineData("https: { enabled: true, address: ':8080' }", "https.address", "port 8080 is already used by http")]
    [InlineData("https: { address: nope }", "https.address", "is not host:port")]
    [InlineData("https: { certificate: a.pem }", "https.certificate", "set https.key too")]
    [InlineData("https: { key: a.key }", "https.key", "set https.certificate too")]
    [InlineData("https: { redirect: true }", "https.redirect", "needs https.enabled: true")]
    [InlineData("webrtc: { address: ':8890' }", "webrtc.address", "port 8890 is already used by srt")]
    [InlineData("webrtc: { additionalHosts: ['bad host!'] }", "webrtc.additionalHosts[0]", "not an IP address or host name")]
    [InlineData("webrtc: { sessionTimeout: 500ms }", "webrtc.sessionTimeout", "at least 1s")]
    [InlineData("webrtc: { iceServers: ['http://stun.example.com'] }", "webrtc.iceServers[0]", "is not stun:")]
    [InlineData("webrtc: { iceServers: ['stun:user:pw@stun.example.com'] }", "webrtc.iceServers[0]", "is not stun:")]
    [InlineData("paths: { 'api/x': {} }", "paths.api/x", "reserved")]
    [InlineData("paths: { 'ui/x': {} }", "paths.ui/x", "reserved")]
    [InlineData("paths: { metrics: {} }", "paths.metrics", "reserved")]
    [InlineData("paths: { '/cam': {} }", "paths./cam", "may not start or end")]
    [InlineData("paths: { 'a//b': {} }", "paths.a//b", "may not start or end")]
    [InlineData("paths: { 'a/../b': {} }", "paths.a/../b", "may not start or end")]
    [InlineData("paths: { 'cam 1': {} }", "paths.cam 1", "may hold only")]
    [InlineData("paths: { '~^live/(+$': {} }", "paths.~^live/(+$", "invalid regular expression")]
    [InlineData("paths: { cam1: { source: 'ftp://x' } }", "paths.cam1.source", "unsupported source")]
    [InlineData("rtsp: { rtpAddress: ':8002', rtcpAddress: ':8004' }", "rtsp.rtcpAddress", "RTP port must be even")]
    [InlineData("rtsp: { rtpAddress: ':8001', rtcpAddress: ':8002' }", "rtsp.rtcpAddress", "RTP port must be even")]
    [InlineData("rtsp: { rtpAddress: ':0', rtcpAddress: ':8001' }", "rtsp.rtcpAddress", "both be 0")]
    [InlineData("srt: { address: ':8000' }", "srt.address", "port 8000 is already used by rtsp.rtp")]
    [InlineData("paths: { cam1: { publishUser: admin } }", "paths.cam1.publishUser", "set publishPass too")]
    [InlineData("paths: { cam1: { readPass: x } }", "paths.cam1.readPass", "set readUser too")]
    [InlineData("pathDefaults: { readUser: 'a:b', readPass: x }", "pathDefaults.readUser", "may not contain ':'")]
    [InlineData("pathDefaults: { source: rtsp://cam/1 }", "pathDefaults.source", "belongs to one path")]
    [InlineData("paths: { cam1: { source: 'rtsp://' } }", "paths.cam1.source", "has no host")]
    [InlineData("paths: { '~^cam.+$': { source: 'rtsp://10.0.0.5/live' } }", "paths.~^cam.+$.source", "regex path cannot pull")]
    [InlineData("paths: { '~^cam.+$': { forward: ['rtsp://10.0.0.5/in'] } }", "paths.~^cam.+$.forward", "regex path cannot forward")]
    [InlineData("pathDefaults: { transcode: [{ name: x }] }", "pathDefaults.transcode", "belong to a path")]
    [InlineData("paths: { cam1: { transcode: [{ name: 'a/b' }] } }", "paths.cam1.transcode[0].name", "one path segment")]
    [InlineData("paths: { cam1: { transcode: [{ video: { width: 640 } }] } }", "paths.cam1.transcode[0]", "needs a name")]
    [InlineData("paths: { cam1: { transcode: [{ name: x, video: { width: 641 } }] } }", "paths.cam1.transcode[0].video", "must be even")]
    [InlineData("paths: { cam1: { transcode: [{ name: x, video: { codec: copy, width: 640 } }] } }", "paths.cam1.transcode[0].video", "passes the video through")]
    [InlineData("paths: { cam1: { transcode: [{ name: x, onDemandCloseAfter: 2h }] } }", "paths.cam1.transcode[0].onDemandCloseAfter", "must be from 0s to 1h")]
    [InlineData("paths: { cam1: { transcode: [{ name: x, video: { bitrate: fast } }] } }", "paths.cam1.transcode[0].video.bitrate", "expected a bit rate")]
    [InlineData("paths: { cam1: { transcode: [{ name: x, video: { gop: 5m } }] } }", "paths.cam1.transcode[0].video.gop", "from 100ms to 1m")]
    [InlineData("paths: { demo: { source: testsrc, testsrc: { size: 641x480 } } }", "paths.demo.testsrc.size", "even sizes")]
    [InlineData("paths: { cam1: { recordPath: \"rec/%path.mp4\" } }", "paths.cam1.recordPath", "needs %Y, %m, %d, %H, %M, %S")]
    [InlineData("paths: { cam1: { recordPath: \"../%path/%Y%m%d%H%M%S.mp4\" } }", "paths.cam1.recordPath", "inside the data directory")]
    [InlineData("paths: { cam1: { recordPartDuration: 20s } }", "paths.cam1.recordPartDuration", "from 200ms to 10s")]
    [InlineData("paths: { cam1: { recordSegmentDuration: 2s } }", "paths.cam1.recordSegmentDuration", "from 10s to 24h")]
    [InlineData("paths: { cam1: { recordMinFreeDisk: 5% } }", "paths.cam1.recordMinFreeDisk", "set it in pathDefaults")]
    [InlineData("pathDefaults: { recordMinFreeDisk: 120% }", "pathDefaults.recordMinFreeDisk", "a percentage of the volume")]
    [InlineData("paths: { cam1: { recordMaxSize: lots } }", "paths.cam1.recordMaxSize", "expected a size")]
    [InlineData("paths: { cam1: { preRoll: 10m } }", "paths.cam1.preRoll", "at most 5m")]
    [InlineData("paths: { demo: { source: testsrc, testsrc: { fps: 0 } } }", "paths.demo.testsrc.fps", "must be from 1 to 60")]
    [InlineData("codecs: { hwaccel: nvidia }", "codecs.hwaccel", "expected one of auto | none | cuda | vaapi | qsv | v4l2m2m")]
    [InlineData("paths: { cam1: { sourceOnDemand: true } }", "paths.cam1.sourceOnDemand", "needs a source EdgeBox brings itself")]
    [InlineData("paths: { cam1: { source: 'rtsps://cam/1', sourceFingerprint: 'abc' } }", "paths.cam1.sourceFingerprint", "64 hex digits")]
    [InlineData("paths: { cam1: { reconnectDelay: 10ms } }", "paths.cam1.reconnectDelay", "at least 100ms")]
    [InlineData("paths: { cam1: { reconnectDelay: 1m, reconnectMaxDelay: 10s } }", "paths.cam1.reconnectDelay", "not be longer than reconnectMaxDelay")]
    [InlineData("paths: { cam1: { forward: ['http://x/y'] } }", "paths.cam1.forward[0]", "expected an rtsp:// or rtsps:// URL")]
    [InlineData("paths: { cam1: { rtspTransport: quic } }", "paths.cam1.rtspTransport", "expected one of automatic | udp | tcp")]
    public void Semantic_rules_are_errors(string yaml, string path, string message)
    {
        var error = SingleError(yaml);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Theory]
    [InlineData("0.0.0.0:8080", "0.0.0.0", 8080)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData(":554", "0.0.0.0", 554)]
    [InlineData("[::]:8554", "[::]", 8554)]
    [InlineData("[::1]:1", "[::1]", 1)]
    [InlineData("localhost:65535", "localhost", 65535)]
    public void Addresses_parse(string text, string host, int port)
    {
        Assert.True(ConfigValidator.TryParseAddress(text, out string h, out int p));
        Assert.Equal(host, h);
        Assert.Equal(port, p);
    }

    [Fact]
    public void Disabled_listeners_may_share_a_port()
    {
        Assert.True(Load("rtsp: { address: ':8080', enabled: false }").IsValid);
        Assert.True(Load("http: { address: '127.0.0.1:0' }\nrtsp: { address: '127.0.0.1:0' }").IsValid);
    }

    [Fact]
    public void Ten_mistakes_give_ten_errors_with_paths_and_lines_in_file_order()
    {
        const string yaml = """
            log:
              level: loud
              colour: true
            data: ''
            http: { address: nope }
            rtsp: { address: ':99999' }
            rtmp: { enabled: sometimes }
            webrtc: { additionalHosts: ['no such host!'] }
            pathDefaults: { recrod: true }
            paths:
              api/cam: {}
              "~(": {}
              cam1: { source: 'gopher://x' }
            """;
        var result = Load(yaml);
        Assert.False(result.IsValid);
        Assert.Equal(
            [
                "log.level (line 2)", "log.colour (line 3)", "data (line 4)", "http.address (line 5)", "rtsp.address (line 6)",
                "rtmp.enabled (line 7)", "webrtc.additionalHosts[0] (line 8)", "pathDefaults.recrod (line 9)", "paths.api/cam (line 11)",
                "paths.~( (line 12)", "paths.cam1.source (line 13)",
            ],
            result.Errors.Select(e => e.ToString()[..e.ToString().IndexOf(':', StringComparison.Ordinal)]));
    }

    [Theory]
    [InlineData("http: { address: [unclosed", "YAML syntax")]
    [InlineData("a: 1\n---\nb: 2\n", "more than one YAML document")]
    [InlineData("http: *nothing", "YAML syntax")]
    [InlineData("key: 'unterminated", "YAML syntax")]
    [InlineData("a: b: c", "YAML syntax")]
    public void Syntax_errors_are_reported_not_thrown(string yaml, string message)
    {
        var result = Load(yaml);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
        Assert.All(result.Errors, e => Assert.True(e.Line > 0));
    }

    [Fact]
    public void Duplicate_keys_are_errors()
    {
        var error = SingleError("log: { level: info }\nlog: { level: debug }\n");
        Assert.Equal("log", error.Path);
        Assert.Equal(2, error.Line);
        Assert.Contains("duplicate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anchors_and_aliases_resolve()
    {
        var result = Load("pathDefaults: &d { record: true }\npaths:\n  cam1: *d\n");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.True(result.Config!.Paths[0].Config.Record);
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        const int levels = YamlDocumentReader.MaxDepth + 5;
        string yaml = string.Concat(Enumerable.Repeat("{a: ", levels)) + "1" + new string('}', levels);
        var error = Assert.Single(Load("paths: " + yaml).Errors);
        Assert.Contains("nesting deeper than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Alias_bombs_are_refused_quickly()
    {
        // "Billion laughs": each level holds ten aliases of the previous one, 10^12 nodes in all.
        var yaml = new System.Text.StringBuilder("x0: &a0 [lol]\n");
        for (int i = 1; i <= 12; i++)
        {
            yaml.Append($"x{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = Load(yaml.ToString());
        Assert.False(result.IsValid);
        Assert.Contains("expands to more than", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Overly_long_unknown_keys_are_reported_without_suggestion_or_huge_messages()
    {
        string key = new('k', 1_000_000);
        var error = Assert.Single(Load(key + ": 1").Errors);
        Assert.True(error.ToString().Length < 400);
        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("- a")]
    [InlineData("42")]
    public void A_document_that_is_not_a_mapping_stays_an_error_with_environment_overrides(string yaml)
    {
        var env = new Dictionary<string, string> { ["EDGEBOX_LOG_LEVEL"] = "info", ["EDGEBOX_DATA"] = "/tmp/x" };
        var error = Assert.Single(Load(yaml, env).Errors);
        Assert.Contains("expected a mapping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_that_is_not_a_mapping_stays_an_error_with_an_override_for_it()
    {
        var env = new Dictionary<string, string> { ["EDGEBOX_HTTP_ADDRESS"] = "127.0.0.1:1" };
        var error = Assert.Single(Load("http: 5", env).Errors);
        Assert.Equal("http", error.Path);
    }

    [Fact]
    public void Oversized_text_is_refused()
    {
        var result = Load(new string('#', ConfigLoader.MaxTextLength + 1));
        Assert.Contains("larger than", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_prefix_of_a_valid_config_loads_or_fails_with_located_errors()
    {
        string text = DefaultConfig.Text;
        int valid = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            var result = Load(text[..i]); // must not throw
            if (result.IsValid)
            {
                valid++;
                continue;
            }

            Assert.All(result.Errors, e => Assert.True(e.Line > 0 || e.Path.Length > 0, $"prefix {i}: error without a place: {e}"));
        }

        // Cutting inside a key or a flow mapping fails; cutting at line ends mostly loads.
        Assert.InRange(valid, text.Count(c => c == '\n') / 2, text.Length - 1);
    }

    [Fact]
    public void Json_is_accepted_as_yaml()
    {
        var result = Load("""{"log":{"level":"warn"},"paths":{"cam1":{"record":true}}}""");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(LogLevelSetting.Warn, result.Config!.Log.Level);
        Assert.True(result.Config.Paths[0].Config.Record);
    }
}
