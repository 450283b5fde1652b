using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace EdgeBox.Hosting;

/// <summary>
/// The rolling log file under <c>&lt;data&gt;/logs</c> (compact JSON, a file a day or per 50 MB, 14 kept),
/// behind a sink that can be rotated on demand (the fleet's <c>rotate-logs</c> command): the current file
/// is closed and renamed <c>edgebox-YYYYMMDD-HHmmss.rotated.log</c>, and a new one is started. The newest
/// <see cref="KeepRotated"/> rotated files are kept.
/// </summary>
internal sealed class LogFiles : ILogEventSink, IDisposable
{
    public const int KeepRotated = 14;

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Logger? _file;

    public LogFiles(string dataDirectory, bool enabled, TimeProvider time)
    {
        _directory = Path.Combine(dataDirectory, "logs");
        _time = time;
        _file = enabled ? Open() : null;
    }

    public bool Enabled => _file is not null;

    private Logger Open() => new LoggerConfiguration()
        .MinimumLevel.Verbose()
        .WriteTo.File(
            new CompactJsonFormatter(),
            Path.Combine(_directory, "edgebox-.log"),
            rollingInterval: RollingInterval.Day,
            fileSizeLimitBytes: 50 * 1024 * 1024,
            rollOnFileSizeLimit: true,
            retainedFileCountLimit: 14)
        .CreateLogger();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _file?.Write(logEvent);
        }
    }

    /// <summary>Closes the current file under a new name and starts another; returns the new name, or null when no file is written.</summary>
    public string? Rotate()
    {
        lock (_gate)
        {
            if (_file is null)
            {
                return null;
            }

            _file.Dispose();
            try
            {
                var current = new DirectoryInfo(_directory).GetFiles("edgebox-*.log")
                    .Where(f => !f.Name.EndsWith(".rotated.log", StringComparison.Ordinal))
                    .OrderByDescending(f => f.LastWriteTimeUtc)
                    .FirstOrDefault();
                if (current is null)
                {
                    return null;
                }

                string stamp = _time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
                string target = Path.Combine(_directory, $"edgebox-{stamp}.rotated.log");
                for (int i = 1; File.Exists(target); i++)
                {
                    target = Path.Combine(_directory, $"edgebox-{stamp}-{i}.rotated.log");
                }

                current.MoveTo(target);
                foreach (var old in new DirectoryInfo(_directory).GetFiles("edgebox-*.rotated.log").OrderByDescending(f => f.Name, StringComparer.Ordinal).Skip(KeepRotated))
                {
                    old.Delete();
                }

                return target;
            }
            finally
            {
                _file = Open();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
