using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace EdgeBox.Configuration;

/// <summary>
/// Where the running config lives on disk. Without <c>--config</c> it is <c>&lt;data&gt;/edgebox.yml</c>,
/// which need not exist: the built-in default is used until the first change is saved there.
/// </summary>
internal sealed partial class ConfigFile(string path, bool explicitPath)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>True when the user named the file with <c>--config</c>.</summary>
    public bool ExplicitPath { get; } = explicitPath;

    public bool Exists => File.Exists(Path);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Reads the file as text, refusing one over <see cref="ConfigLoader.MaxTextLength"/> bytes.</summary>
    public string ReadText()
    {
        var info = new FileInfo(Path);
        if (info.Exists && info.Length > ConfigLoader.MaxTextLength)
        {
            throw new IOException($"the file is larger than {ConfigLoader.MaxTextLength / (1024 * 1024)} MiB");
        }

        return File.ReadAllText(Path);
    }

    /// <summary>Hash of the text on disk now, or null when it cannot be read.</summary>
    public string? ReadHash()
    {
        try
        {
            return Hash(ReadText());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Replaces the file so that a crash or power loss leaves either the old or the new text, never a
    /// mix: write a temp file beside it, fsync it, rename it over the original (atomic on POSIX file
    /// systems), then fsync the directory so the rename itself is durable. A symlinked config is
    /// written through to its target; the file keeps its permission bits.
    /// </summary>
    public void WriteAtomic(string text)
    {
        var info = new FileInfo(Path);
        string target = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path : Path;
        string directory = System.IO.Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        string temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(target)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(target))
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            }

            File.Move(temp, target, overwrite: true);
            SyncDirectory(directory);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Leave the temp file; the write's own error (if any) is the one that matters.
        }
    }

    /// <summary>fsync(2) on the directory: makes a rename inside it durable.</summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return; // some file systems do not allow opening directories; the rename still happened
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    /// <summary>open(2).</summary>
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    /// <summary>fsync(2).</summary>
    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
