using System.Globalization;

namespace EdgeBox.Infrastructure;

/// <summary>Host CPU, memory and disk figures, read from <c>/proc</c> and the file system.</summary>
internal sealed record HostSnapshot(
    double CpuPercent,
    int CpuCount,
    long MemoryTotalBytes,
    long MemoryAvailableBytes,
    long ProcessRssBytes,
    long DiskTotalBytes,
    long DiskFreeBytes);

/// <summary>
/// Samples host CPU usage as the busy share of <c>/proc/stat</c> jiffies between two reads, so each
/// call reports the load since the previous call (the first since start-up).
/// </summary>
internal sealed class HostStats
{
    private readonly Lock _gate = new();
    private (long Busy, long Total) _last;

    public HostStats() => _last = ReadCpu();

    public HostSnapshot Sample(string dataDirectory)
    {
        double cpu;
        lock (_gate)
        {
            var now = ReadCpu();
            long total = now.Total - _last.Total;
            cpu = total > 0 ? Math.Round(100.0 * (now.Busy - _last.Busy) / total, 1) : 0;
            _last = now;
        }

        var memory = ReadMeminfo();
        long diskTotal = 0, diskFree = 0;
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(dataDirectory));
            diskTotal = drive.TotalSize;
            diskFree = drive.AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Reported as zero: the data directory's volume is not readable right now.
        }

        return new HostSnapshot(cpu, Environment.ProcessorCount, memory.Total, memory.Available, Environment.WorkingSet, diskTotal, diskFree);
    }

    private static (long Busy, long Total) ReadCpu()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            string? line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return (0, 0);
            }

            // cpu user nice system idle iowait irq softirq steal ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long total = 0, idle = 0;
            for (int i = 1; i < fields.Length && i <= 8; i++)
            {
                long v = long.Parse(fields[i], CultureInfo.InvariantCulture);
                total += v;
                if (i is 4 or 5)
                {
                    idle += v;
                }
            }

            return (total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }
    }

    private static (long Total, long Available) ReadMeminfo()
    {
        long total = 0, available = 0;
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    total = KiB(line);
                }
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    available = KiB(line);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }

        return (total, available);
    }

    private static long KiB(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
    }
}
