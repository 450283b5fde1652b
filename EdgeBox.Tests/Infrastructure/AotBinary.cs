using System.Diagnostics;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// The Native AOT binary under test. <c>./build.sh test</c> publishes it before the tests run; a plain
/// <c>dotnet test</c> publishes it here when it is missing or older than any source file, so these
/// tests never use a stale or JIT build.
/// </summary>
public sealed class AotBinary
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _path;

    public static async Task<string> PathAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_path is not null)
            {
                return _path;
            }

            string binary = RepoPaths.PublishedBinary;
            if (!File.Exists(binary) || File.GetLastWriteTimeUtc(binary) < NewestSource())
            {
                await PublishAsync();
            }

            Assert.True(File.Exists(binary), $"AOT binary missing at {binary}: run ./build.sh publish");
            _path = binary;
            return binary;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static DateTime NewestSource()
    {
        var sources = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "EdgeBox"), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "native")))
            .Append(Path.Combine(RepoPaths.ConfigDirectory, "edgebox.yml"))
            .Concat(Directory.EnumerateFiles(RepoPaths.Root, "Directory.*.props"));
        return sources.Max(File.GetLastWriteTimeUtc);
    }

    private static async Task PublishAsync()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (string a in new[] { "publish", "EdgeBox/EdgeBox.csproj", "-c", "Release", "-r", "linux-x64" })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"dotnet publish failed:\n{await stdout}\n{await stderr}");
    }
}

/// <summary>
/// A class fixture that has the AOT binary published before the class's first test starts, so a test's
/// own timeout (<c>[Fact(Timeout = ...)]</c>) bounds the test and not a first build of several minutes.
/// </summary>
public sealed class AotBinaryPublished : IAsyncLifetime
{
    public Task InitializeAsync() => AotBinary.PathAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
