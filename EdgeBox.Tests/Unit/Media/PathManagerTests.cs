using EdgeBox.Configuration;
using EdgeBox.Media;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBox.Tests.Unit.Media;

public sealed class PathManagerTests
{
    private static EdgeBoxConfig Config(string yaml) => ConfigLoader.Load(yaml).Config!;

    private static PathManager Manager(string yaml) =>
        new(Config(yaml), new MediaOptions(), TimeProvider.System, NullLogger<PathManager>.Instance);

    [Fact]
    public void Literal_names_win_over_regexes_and_regexes_match_in_file_order()
    {
        var manager = Manager("paths:\n  '~^live/a.*$': { record: true }\n  '~^live/.+$': {}\n  live/abc: {}\n");
        Assert.False(manager.Resolve("live/abc")!.Record);
        Assert.True(manager.Resolve("live/axe")!.Record);
        Assert.False(manager.Resolve("live/zzz")!.Record);
        Assert.Null(manager.Resolve("other"));
        Assert.Null(manager.GetOrCreate("other"));
        Assert.Null(manager.GetOrCreate("../etc"));
    }

    [Fact]
    public void Paths_are_created_on_demand_and_forgotten_when_unused()
    {
        var manager = Manager("paths: { '~^live/.+$': {} }");
        var path = manager.GetOrCreate("live/x")!;
        Assert.Same(path, manager.GetOrCreate("live/x"));
        manager.ReleaseIfUnused(path);
        Assert.Null(manager.Find("live/x"));
    }

    [Fact]
    public async Task Config_change_updates_kept_paths_in_place_and_closes_removed_ones()
    {
        var manager = Manager("paths: { cam1: {}, cam2: {} }");
        var cam1 = manager.GetOrCreate("cam1")!;
        var cam2 = manager.GetOrCreate("cam2")!;
        var reader1 = cam1.TryAddReader("test", 0)!;
        var reader2 = cam2.TryAddReader("test", 0)!;

        var next = Config("pathDefaults: { record: true }\npaths: { cam1: {} }");
        manager.Apply(next, ConfigDiff.Compute(Config("paths: { cam1: {}, cam2: {} }"), next));

        Assert.Same(cam1, manager.Find("cam1"));
        Assert.True(cam1.Config.Record);
        Assert.False(reader1.Closed.IsCompleted);
        Assert.Equal(ReaderCloseReason.Closed, await reader2.Closed.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Null(manager.Find("cam2"));
    }
}
