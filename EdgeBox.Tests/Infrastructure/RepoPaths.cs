namespace EdgeBox.Tests.Infrastructure;

/// <summary>Locations in the repository, found from the test binary's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ConfigDirectory => Path.Combine(Root, "config");

    /// <summary>MediaPipe BlazeFace 256x256 ("back"), fetched by <c>./build.sh setup</c>.</summary>
    public static string BlazeFaceBack => Path.Combine(Root, "artifacts", "models", "blazeface", "face_detection_back_256x256_barracuda.onnx");

    /// <summary>MediaPipe BlazeFace 128x128 ("front"), fetched by <c>./build.sh setup</c>.</summary>
    public static string BlazeFaceFront => Path.Combine(Root, "artifacts", "models", "blazeface", "face_detection_front_128x128_barracuda.onnx");

    /// <summary>A NASA portrait Debian's python3-skimage ships: one face.</summary>
    public const string Astronaut = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

    /// <summary>Where <c>./build.sh publish</c> (and <c>dotnet publish EdgeBox -c Release</c>) put the AOT binary.</summary>
    public static string PublishedBinary => Path.Combine(Root, "artifacts", "publish", "EdgeBox", "release_linux-x64", "edgebox");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "global.json")) && Directory.Exists(Path.Combine(dir.FullName, "EdgeBox")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (global.json) not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary directory removed at dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgebox-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the OS temp cleaner gets it.
        }
    }
}
