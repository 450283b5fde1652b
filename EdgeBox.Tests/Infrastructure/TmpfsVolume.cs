namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// A small tmpfs mounted for one test (the tests run as root, like CI), to fill a recordings volume for real.
/// Unmounted (lazily, so a process still holding a file cannot keep it) and removed on dispose.
/// </summary>
public sealed class TmpfsVolume : IAsyncDisposable
{
    private TmpfsVolume(string path) => Path = path;

    public string Path { get; }

    public static async Task<TmpfsVolume> MountAsync(int megabytes)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgebox-tmpfs-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        var (code, _, errors) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(10), "mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0755", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            Assert.Fail($"these tests mount a tmpfs and need root (CAP_SYS_ADMIN): mount said {errors.Trim()}");
        }

        return new TmpfsVolume(path);
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public async ValueTask DisposeAsync()
    {
        await ExternalProcess.RunAsync(TimeSpan.FromSeconds(10), "umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Still busy: /tmp is cleaned at boot.
        }
    }
}
