using System.Globalization;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>What /proc says about a process: resident memory, open file descriptors, threads.</summary>
internal readonly record struct ProcessStats(long RssKb, int OpenFiles, int Threads)
{
    public static ProcessStats Read(int pid)
    {
        long rss = 0;
        int threads = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line[8..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return new ProcessStats(rss, Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length, threads);
    }

    public override string ToString() => $"RSS {RssKb / 1024.0:0.0} MB, {OpenFiles} fds, {Threads} threads";
}
