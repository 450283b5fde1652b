namespace EdgeBox.Infrastructure;

/// <summary>
/// Whole-file reads and writes of small files EdgeBox keeps beside its data (certificates, keys):
/// reads are bounded, so a path that names a huge file or a device cannot exhaust memory, and writes
/// replace the file in one rename, so a crash leaves the old content or the new one, never a mix.
/// </summary>
internal static class SmallFile
{
    /// <summary>Owner read/write only: what private keys get.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read/write, everyone read: public material such as a certificate.</summary>
    public const UnixFileMode Public = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The file's text when it holds at most <paramref name="maxBytes"/> bytes; null when it holds more.</summary>
    public static string? ReadText(string path, int maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);

        // Read one byte past the limit rather than trust Length, which devices and pipes do not report.
        byte[] buffer = new byte[maxBytes + 1];
        int total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        return total > maxBytes ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>
    /// Temp file beside <paramref name="path"/> (created with <paramref name="mode"/>, so a key is never
    /// readable by others, not even for a moment), fsync, rename over. The directory is created when
    /// missing but not fsynced: callers regenerate what a lost rename loses.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
