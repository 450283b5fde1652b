using System.Diagnostics.Metrics;
using EdgeBox.Configuration;
using EdgeBox.Infrastructure;
using EdgeBox.Storage;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed partial class ConfigManagerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly EdgeBoxDatabase _db;
    private readonly RecordingApplier _applier = new();
    private readonly TestMeterFactory _meters = new();

    public ConfigManagerTests() => _db = EdgeBoxDatabase.Open(_dir.Path, _time, NullLogger.Instance);

    private ConfigManager Create(string text, string? path = null, Dictionary<string, string>? environment = null)
    {
        var load = ConfigLoader.Load(text, environment);
        Assert.True(load.IsValid);
        var file = new ConfigFile(path ?? _dir.File("edgebox.yml"), explicitPath: path is not null);
        return new ConfigManager(
            file,
            new ConfigSnapshot(load.Config!, text, ConfigFile.Hash(text), 0),
            new ConfigHistoryStore(_db),
            environment ?? [],
            [_applier],
            _time,
            new EdgeBoxMetrics(_meters, _time, () => 0, () => []),
            NullLogger<ConfigManager>.Instance);
    }

    [Fact]
    public void Startup_config_becomes_version_1_and_a_restart_with_the_same_text_keeps_it()
    {
        using (var first = Create(DefaultConfig.Text))
        {
            Assert.Equal(1, first.Current.Version);
        }

        using var again = Create(DefaultConfig.Text);
        Assert.Equal(1, again.Current.Version);
        Assert.Single(again.History(10));

        using var edited = Create(DefaultConfig.Text + "# edited while stopped\n");
        Assert.Equal(2, edited.Current.Version);
    }

    [Fact]
    public async Task Invalid_config_is_rejected_with_every_error_and_nothing_changes()
    {
        using var manager = Create(DefaultConfig.Text);
        var before = manager.Current;

        var result = await manager.UpdateAsync("log: { level: loud }\nhttp: { adress: x }\n", ConfigSource.Api, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Rejected, result.Status);
        Assert.Equal(2, result.Errors.Count);
        Assert.Same(before, manager.Current);
        Assert.False(File.Exists(manager.File.Path));
        Assert.Empty(_applier.Calls);
        Assert.Single(manager.History(10));
    }

    [Fact]
    public async Task Api_change_is_written_atomically_applied_and_kept_in_history()
    {
        using var manager = Create(DefaultConfig.Text);
        const string next = "log: { level: debug }\npaths:\n  cam1: {}  # kept comment\n";

        var result = await manager.UpdateAsync(next, ConfigSource.Api, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        Assert.Equal(2, result.Snapshot.Version);
        Assert.Equal(next, File.ReadAllText(manager.File.Path));
        Assert.Empty(Directory.GetFiles(_dir.Path, ".*.tmp"));
        Assert.Equal(LogLevelSetting.Debug, manager.Current.Config.Log.Level);
        var call = Assert.Single(_applier.Calls);
        Assert.Equal(["log.level changed", "paths.demo removed", "paths.~^live/.+$ removed", "paths.cam1 added"], call.Select(ConfigManager.Describe));

        var history = manager.History(10);
        Assert.Equal([2L, 1L], history.Select(h => h.Version));
        Assert.Equal("api", history[0].Source);
        Assert.Equal(next, manager.HistoryVersion(2)!.Text);
        Assert.Equal(DefaultConfig.Text, manager.HistoryVersion(1)!.Text);
    }

    [Fact]
    public void Validate_lists_the_changes_an_edit_would_make_and_changes_nothing()
    {
        using var manager = Create(DefaultConfig.Text);
        var before = manager.Current;

        var result = manager.Validate("log: { level: debug, format: json }\npaths:\n  demo: { source: testsrc }\n  cam1: {}\n");

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.Equal(["log.level changed", "log.format changed", "paths.demo changed", "paths.~^live/.+$ removed", "paths.cam1 added"],
            result.Changes.Select(ConfigManager.Describe));
        Assert.Equal([false, true, false, false, false], result.Changes.Select(c => c.RequiresRestart));
        Assert.Same(before, manager.Current);
        Assert.False(File.Exists(manager.File.Path));
        Assert.Empty(_applier.Calls);
        Assert.Single(manager.History(10));
    }

    [Fact]
    public void Validate_reports_every_error_with_its_line()
    {
        using var manager = Create(DefaultConfig.Text);

        var result = manager.Validate("log: { level: loud }\nhttp: { adress: x }\npaths:\n  cam2: { source: 'ftp://x' }\n");

        Assert.False(result.IsValid);
        Assert.Empty(result.Changes);
        Assert.Equal([("log.level", 1), ("http.adress", 2), ("paths.cam2.source", 4)], result.Errors.Select(e => (e.Path, e.Line)));
        Assert.Contains("did you mean 'address'", result.Errors[1].Message, StringComparison.Ordinal);
        Assert.Empty(_applier.Calls);
    }

    [Fact]
    public void Validate_applies_the_same_environment_overrides_as_the_running_config()
    {
        var environment = new Dictionary<string, string> { ["EDGEBOX_HTTP_ADDRESS"] = "127.0.0.1:0", ["EDGEBOX_LOG_LEVEL"] = "warn" };
        using var manager = Create(DefaultConfig.Text, environment: environment);

        // The text says otherwise, but the variables win, as they would at an update: no change to http or log.level.
        var same = manager.Validate(DefaultConfig.Text.Replace("level: info", "level: debug", StringComparison.Ordinal) + "# edited\n");
        Assert.True(same.IsValid);
        Assert.Empty(same.Changes);

        var refused = manager.Validate("log: { level: debug }\n" + "unknown: 1\n");
        Assert.False(refused.IsValid);
        Assert.Contains(refused.Errors, e => e.Path == "unknown");
    }

    [Fact]
    public void Validate_of_the_running_text_is_valid_with_no_changes()
    {
        using var manager = Create(DefaultConfig.Text);
        var result = manager.Validate(manager.Current.Text);
        Assert.True(result.IsValid);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public async Task Same_text_again_is_unchanged_and_adds_no_history()
    {
        using var manager = Create(DefaultConfig.Text);
        var result = await manager.UpdateAsync(DefaultConfig.Text, ConfigSource.File, CancellationToken.None);
        Assert.Equal(ConfigUpdateStatus.Unchanged, result.Status);
        Assert.Single(manager.History(10));
    }

    [Fact]
    public async Task File_reload_does_not_rewrite_the_file()
    {
        string path = _dir.File("mine.yml");
        File.WriteAllText(path, DefaultConfig.Text);
        using var manager = Create(DefaultConfig.Text, path);
        var stamp = File.GetLastWriteTimeUtc(path);

        var result = await manager.UpdateAsync("log: { level: warn }\n", ConfigSource.File, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        Assert.Equal(DefaultConfig.Text, File.ReadAllText(path));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(path));
        Assert.Equal("file", manager.History(1)[0].Source);
    }

    [Fact]
    public async Task Unwritable_file_refuses_the_change_and_keeps_the_running_config()
    {
        // A directory where the file should be: the rename fails whatever our privileges are.
        string path = _dir.File("blocked.yml");
        Directory.CreateDirectory(Path.Combine(path, "child"));
        using var manager = Create(DefaultConfig.Text, path);
        var before = manager.Current;

        var result = await manager.UpdateAsync("log: { level: warn }\n", ConfigSource.Api, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.WriteFailed, result.Status);
        Assert.NotNull(result.WriteError);
        Assert.Same(before, manager.Current);
        Assert.Empty(_applier.Calls);
        Assert.Empty(Directory.GetFiles(_dir.Path, ".*.tmp"));
    }

    [Fact]
    public async Task Api_change_does_not_overwrite_an_edit_on_disk_that_is_not_running()
    {
        string path = _dir.File("mine.yml");
        File.WriteAllText(path, DefaultConfig.Text);
        using var manager = Create(DefaultConfig.Text, path);
        File.WriteAllText(path, "log: { level: nope }\n"); // being edited by hand, not yet valid

        var result = await manager.UpdateAsync("log: { level: warn }\n", ConfigSource.Api, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Conflict, result.Status);
        Assert.Equal("log: { level: nope }\n", File.ReadAllText(path));
        Assert.Equal(LogLevelSetting.Info, manager.Current.Config.Log.Level);
    }

    [Fact]
    public async Task A_failing_applier_does_not_stop_the_change_or_the_others()
    {
        var load = ConfigLoader.Load("");
        var after = new RecordingApplier();
        using var manager = new ConfigManager(
            new ConfigFile(_dir.File("edgebox.yml"), explicitPath: false),
            new ConfigSnapshot(load.Config!, "", ConfigFile.Hash(""), 0),
            new ConfigHistoryStore(_db),
            new Dictionary<string, string>(),
            [new ThrowingApplier(), after],
            _time,
            new EdgeBoxMetrics(_meters, _time, () => 0, () => []),
            NullLogger<ConfigManager>.Instance);

        var result = await manager.UpdateAsync("log: { level: warn }\n", ConfigSource.Api, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        Assert.Single(after.Calls);
        Assert.Equal(2, manager.History(1)[0].Version);
    }

    [Fact]
    public async Task History_keeps_the_latest_versions_only()
    {
        using var manager = Create("");
        for (int i = 0; i < ConfigHistoryStore.Keep + 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var result = await manager.UpdateAsync($"# edit {i}\n", ConfigSource.Api, CancellationToken.None);
            Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        }

        var history = manager.History(1000);
        Assert.Equal(ConfigHistoryStore.Keep, history.Count);
        Assert.Equal(ConfigHistoryStore.Keep + 6, history[0].Version);
        Assert.Equal(_time.GetUtcNow(), history[0].Time);
    }

    public void Dispose()
    {
        _db.Dispose();
        _meters.Dispose();
        _dir.Dispose();
    }

    private sealed class ThrowingApplier : IConfigApplier
    {
        public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes) => throw new InvalidOperationException("boom");
    }

    private sealed class RecordingApplier : IConfigApplier
    {
        public List<IReadOnlyList<ConfigChange>> Calls { get; } = [];

        public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes) => Calls.Add(changes);
    }
}

internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
