using System.Security.Cryptography;
using System.Text;

namespace EdgeBox.Configuration;

/// <summary>
/// Where the running config lives on disk. Without <c>--config</c> it is <c>&lt;data&gt;/edgebox.yml</c>,
/// which need not exist: the built-in default is used until the first change is saved there.
/// </summary>
internal sealed class ConfigFile(string path, bool explicitPath)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>True when the user named the file with <c>--config</c>.</summary>
    public bool ExplicitPath { get; } = explicitPath;

    public bool Exists => File.Exists(Path);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Replaces the file so that a crash leaves either the old or the new text, never a mix: write a
    /// temp file beside it, fsync it, then rename over the original (atomic on POSIX file systems).
    /// </summary>
    public void WriteAtomic(string text)
    {
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        string temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, Path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
