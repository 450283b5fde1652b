using EdgeBox.Configuration;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class ConfigFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Atomic_write_keeps_the_permission_bits()
    {
        string path = _dir.File("edgebox.yml");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        new ConfigFile(path, explicitPath: true).WriteAtomic("new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Atomic_write_through_a_symlink_replaces_the_target_and_keeps_the_link()
    {
        Directory.CreateDirectory(_dir.File("real"));
        string target = _dir.File("real/edgebox.yml");
        File.WriteAllText(target, "old");
        string link = _dir.File("edgebox.yml");
        File.CreateSymbolicLink(link, target);

        new ConfigFile(link, explicitPath: true).WriteAtomic("new");

        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(target));
    }

    [Fact]
    public void Oversized_files_are_refused_before_reading()
    {
        string path = _dir.File("big.yml");
        using (var stream = File.Create(path))
        {
            stream.SetLength(ConfigLoader.MaxTextLength + 1L);
        }

        Assert.Throws<IOException>(() => new ConfigFile(path, explicitPath: true).ReadText());
    }

    public void Dispose() => _dir.Dispose();
}
