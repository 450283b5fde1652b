using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

/// <summary>Fleet layers through the config pipeline (<see cref="ConfigManager.UpdateFleetAsync"/>).</summary>
public sealed partial class ConfigManagerTests
{
    private const string Local = "log: { level: info }\npaths:\n  cam1: { source: publisher }\n";

    private static readonly FleetLayers SiteAndDevice = TestLayers.Of(
        TestLayers.Layer("group/site-berlin", "3", "log: { level: warn }\npaths:\n  cam1: { record: true }\n"),
        TestLayers.Layer("device/box-017", "7", "paths:\n  cam2: { source: publisher }\n"));

    private readonly List<FleetLayers> _persisted = [];

    private string? Persist(FleetLayers fleet)
    {
        _persisted.Add(fleet);
        return null;
    }

    [Fact]
    public async Task Fleet_layers_are_applied_over_the_local_file_and_recorded_as_a_fleet_change()
    {
        using var manager = Create(Local);

        var result = await manager.UpdateFleetAsync(SiteAndDevice, Persist, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        var current = manager.Current;
        Assert.Same(result.Snapshot, current);
        Assert.Same(SiteAndDevice, current.Fleet);
        Assert.Equal("group/site-berlin@3,device/box-017@7", current.Fleet.Version);
        Assert.Equal([SiteAndDevice], _persisted);
        Assert.Equal(["log.level", "paths.cam1"], current.Overridden);

        // The box's own text stays what it was; the config comes from the composed text.
        Assert.Equal(Local, current.Text);
        Assert.Equal(ConfigFile.Hash(Local), current.Hash);
        Assert.Equal(ConfigLayers.Compose(SiteAndDevice, Local).Text, current.EffectiveText);
        Assert.Equal(ConfigFile.Hash(current.EffectiveText), current.EffectiveHash);
        Assert.NotEqual(current.Hash, current.EffectiveHash);
        Assert.False(File.Exists(manager.File.Path));
        Assert.Equal(LogLevelSetting.Warn, current.Config.Log.Level);
        Assert.Equal(["cam1", "cam2"], current.Config.Paths.Select(p => p.Name));
        Assert.True(current.Config.Paths[0].Config.Record);

        var call = Assert.Single(_applier.Calls);
        Assert.Equal(["log.level changed", "paths.cam1 changed", "paths.cam2 added"], call.Select(ConfigManager.Describe));
        Assert.Equal(call, result.Changes);

        var entry = manager.History(1)[0];
        Assert.Equal((2L, "fleet", Local, ConfigFile.Hash(Local)), (entry.Version, entry.Source, entry.Text, entry.Hash));
        Assert.Equal(["fleet group/site-berlin@3,device/box-017@7", "log.level changed", "paths.cam1 changed", "paths.cam2 added"], entry.Changes);
    }

    [Fact]
    public async Task A_fleet_layer_that_makes_the_config_invalid_is_rejected_and_nothing_changes()
    {
        using var manager = Create(Local);
        var before = manager.Current;
        var broken = TestLayers.Of(TestLayers.Layer("device/box-017", "8", "paths:\n  cam1: { source: 'ftp://nowhere' }\nlog: { level: loud }\n"));

        var result = await manager.UpdateFleetAsync(broken, Persist, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Rejected, result.Status);
        Assert.Equal(["log.level", "paths.cam1.source"], result.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Empty(result.Changes);
        Assert.Same(before, manager.Current);
        Assert.Same(before, result.Snapshot);
        Assert.Empty(_persisted);
        Assert.Empty(_applier.Calls);
        Assert.Single(manager.History(10));
    }

    [Fact]
    public async Task Fleet_layers_that_cannot_be_stored_are_not_applied()
    {
        using var manager = Create(Local);
        var before = manager.Current;

        var result = await manager.UpdateFleetAsync(SiteAndDevice, _ => "No space left on device", CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.WriteFailed, result.Status);
        Assert.Equal("No space left on device", result.WriteError);
        Assert.NotEmpty(result.Changes);
        Assert.Same(before, manager.Current);
        Assert.False(manager.Current.Fleet.IsManaged);
        Assert.Empty(_applier.Calls);
        Assert.Single(manager.History(10));
    }

    [Fact]
    public async Task The_same_fleet_layers_again_are_unchanged()
    {
        using var manager = Create(Local);
        await manager.UpdateFleetAsync(SiteAndDevice, Persist, CancellationToken.None);
        var applied = manager.Current;

        var again = TestLayers.Of(
            TestLayers.Layer("group/site-berlin", "3", "log: { level: warn }\npaths:\n  cam1: { record: true }\n"),
            TestLayers.Layer("device/box-017", "7", "paths:\n  cam2: { source: publisher }\n"));
        var result = await manager.UpdateFleetAsync(again, Persist, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Unchanged, result.Status);
        Assert.Same(applied, manager.Current);
        Assert.Single(_persisted);
        Assert.Single(_applier.Calls);
        Assert.Equal(2, manager.History(10).Count);
    }

    [Fact]
    public async Task A_new_version_with_the_same_config_is_applied_so_the_box_reports_it()
    {
        using var manager = Create(Local);
        await manager.UpdateFleetAsync(SiteAndDevice, Persist, CancellationToken.None);

        var bumped = TestLayers.Of(SiteAndDevice.Layers[0], TestLayers.Layer("device/box-017", "8", "paths:\n  cam2: { source: publisher }\n"));
        var result = await manager.UpdateFleetAsync(bumped, Persist, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        Assert.Empty(result.Changes);
        Assert.Equal("group/site-berlin@3,device/box-017@8", manager.Current.Fleet.Version);
        Assert.Equal(["fleet group/site-berlin@3,device/box-017@8"], manager.History(1)[0].Changes);
    }

    [Fact]
    public async Task A_later_local_change_keeps_the_fleet_layers_composed()
    {
        using var manager = Create(Local);
        await manager.UpdateFleetAsync(SiteAndDevice, Persist, CancellationToken.None);
        const string edited = "log: { level: debug, format: json }\npaths:\n  cam1: { source: publisher }\n  lab: {}\n";

        var result = await manager.UpdateAsync(edited, ConfigSource.File, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        var current = manager.Current;
        Assert.Same(SiteAndDevice, current.Fleet);
        Assert.Equal((edited, ConfigFile.Hash(edited)), (current.Text, current.Hash));
        Assert.Equal(ConfigLayers.Compose(SiteAndDevice, edited).Text, current.EffectiveText);
        Assert.Equal(LogLevelSetting.Warn, current.Config.Log.Level); // the fleet's
        Assert.Equal(LogFormat.Json, current.Config.Log.Format); // the file's
        Assert.Equal(["cam1", "lab", "cam2"], current.Config.Paths.Select(p => p.Name));
        Assert.Equal(["log.level", "paths.cam1"], current.Overridden);
        Assert.Equal(["log.format changed", "paths.lab added"], result.Changes.Select(ConfigManager.Describe));
        Assert.Equal("file", manager.History(1)[0].Source);
    }

    [Fact]
    public async Task A_local_change_that_is_invalid_only_under_the_fleet_layers_is_rejected()
    {
        using var manager = Create(Local);
        var fleet = TestLayers.Of(TestLayers.Layer("device/box-017", "1", "paths:\n  cam1: { reconnectMaxDelay: 5s }\n"));
        Assert.Equal(ConfigUpdateStatus.Applied, (await manager.UpdateFleetAsync(fleet, Persist, CancellationToken.None)).Status);
        var before = manager.Current;
        const string edited = "paths:\n  cam1: { source: publisher, reconnectDelay: 10s }\n";
        Assert.True(ConfigLoader.Load(edited).IsValid);

        var validation = manager.Validate(edited);
        var result = await manager.UpdateAsync(edited, ConfigSource.File, CancellationToken.None);

        Assert.Equal(["paths.cam1.reconnectDelay"], validation.Errors.Select(e => e.Path));
        Assert.Equal(ConfigUpdateStatus.Rejected, result.Status);
        Assert.Equal(["paths.cam1.reconnectDelay"], result.Errors.Select(e => e.Path));
        Assert.Same(before, manager.Current);
    }

    [Fact]
    public async Task A_local_file_that_is_not_a_config_is_refused_on_a_fleet_managed_box()
    {
        using var manager = Create(Local);
        await manager.UpdateFleetAsync(SiteAndDevice, Persist, CancellationToken.None);
        var before = manager.Current;

        var result = await manager.UpdateAsync("- log\n- paths\n", ConfigSource.File, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Rejected, result.Status);
        Assert.NotEmpty(result.Errors);
        Assert.Same(before, manager.Current);
    }

    [Fact]
    public async Task Removing_every_fleet_layer_returns_to_the_local_file()
    {
        using var manager = Create(Local);
        await manager.UpdateFleetAsync(SiteAndDevice, Persist, CancellationToken.None);

        var result = await manager.UpdateFleetAsync(FleetLayers.None, Persist, CancellationToken.None);

        Assert.Equal(ConfigUpdateStatus.Applied, result.Status);
        var current = manager.Current;
        Assert.False(current.Fleet.IsManaged);
        Assert.Equal(Local, current.EffectiveText);
        Assert.Empty(current.Overridden);
        Assert.Equal(LogLevelSetting.Info, current.Config.Log.Level);
        Assert.Equal(["log.level changed", "paths.cam1 changed", "paths.cam2 removed"], result.Changes.Select(ConfigManager.Describe));
        Assert.Equal("fleet none", manager.History(1)[0].Changes[0]);
        Assert.Equal(FleetLayers.None, _persisted[^1]);
    }
}
