using EdgeBox.Configuration;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Tests.Unit.Configuration;
using EdgeBox.Uplink;

namespace EdgeBox.Tests.Unit.Uplink;

public sealed class FleetStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Saved_layers_load_back_as_they_were()
    {
        var saved = TestLayers.Of(
            TestLayers.Layer("group/site-berlin", "3", "log: { level: warn }\npaths:\n  cam1: { source: publisher }\n", "log", "paths.cam1"),
            TestLayers.Layer("device/box-017", "7 \"final\"", "paths: { cam2: { readUser: \"true\" } }"));

        Assert.Null(new FleetStore(_dir.Path).Save(saved));
        var (loaded, error) = new FleetStore(_dir.Path).Load();

        Assert.Null(error);
        Assert.Equal(saved.Version, loaded.Version);
        Assert.Equal(saved.Layers.Select(l => (l.Name, l.Version, l.Text)), loaded.Layers.Select(l => (l.Name, l.Version, l.Text)));
        Assert.Equal(saved.Layers.Select(l => l.AllowLocal), loaded.Layers.Select(l => l.AllowLocal));
        Assert.Equal(ConfigLayers.Compose(saved, "").Text, ConfigLayers.Compose(loaded, "").Text);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_dir.File(FleetStore.FileName)));
        }
    }

    [Fact]
    public void Saving_no_layers_replaces_the_stored_ones()
    {
        var store = new FleetStore(_dir.Path);
        Assert.Null(store.Save(TestLayers.Of(TestLayers.Layer("device/box-017", "1", ""))));
        Assert.Null(store.Save(FleetLayers.None));

        var (loaded, error) = store.Load();

        Assert.Null(error);
        Assert.False(loaded.IsManaged);
    }

    [Fact]
    public void No_file_is_no_layers_and_no_error()
    {
        var (loaded, error) = new FleetStore(_dir.Path).Load();
        Assert.Same(FleetLayers.None, loaded);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("{ \"layers\": [")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{ \"layers\": 5 }")]
    [InlineData("{ \"layers\": [ { \"document\": \"version: 1\\n\" } ] }")]
    [InlineData("{ \"layers\": [ { \"name\": 5, \"document\": \"version: 1\\n\" } ] }")]
    [InlineData("{ \"layers\": [ { \"name\": \"group/a\", \"document\": \"version: 1\\ntarget: group/b\\n\" } ] }")]
    [InlineData("{ \"layers\": [ { \"name\": \"group/a\", \"document\": \"version: 1\\nconfig: {\\n\" } ] }")]
    [InlineData("{ \"layers\": [ { \"name\": \"group/a\", \"document\": null } ] }")]
    public void A_corrupt_file_gives_an_error_and_no_layers(string content)
    {
        var store = new FleetStore(_dir.Path);
        File.WriteAllText(store.FilePath, content);

        var (loaded, error) = store.Load();

        Assert.Same(FleetLayers.None, loaded);
        Assert.NotNull(error);
        Assert.StartsWith(store.FilePath + ": ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_larger_than_four_documents_is_refused()
    {
        var store = new FleetStore(_dir.Path);
        File.WriteAllText(store.FilePath, new string(' ', (4 * FleetDocument.MaxLength) + 1));

        Assert.Equal($"{store.FilePath}: the file is too large", store.Load().Error);
    }

    [Fact]
    public void Save_reports_why_it_could_not_write()
    {
        // A file where the data directory should be: nothing can be created below it.
        string blocked = _dir.File("not-a-directory");
        File.WriteAllText(blocked, "");

        Assert.NotNull(new FleetStore(blocked).Save(TestLayers.Of(TestLayers.Layer("device/box-017", "1", ""))));
    }

    public void Dispose() => _dir.Dispose();
}
