using System.Runtime.InteropServices;
using System.Threading.Channels;
using EdgeBox.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Hosting;

/// <summary>
/// Reloads the config file when it changes on disk or when the process gets SIGHUP, through the same
/// <see cref="ConfigManager"/> pipeline as API edits. Editors save in bursts (truncate, write, rename),
/// so file events are debounced; our own atomic writes are recognised by their hash and ignored.
/// </summary>
internal sealed partial class ConfigWatcher(ConfigManager manager, TimeProvider time, ILogger<ConfigWatcher> logger) : BackgroundService
{
    /// <summary>Quiet time after the last file event before the file is read.</summary>
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    private readonly Channel<ConfigSource> _requests = Channel.CreateBounded<ConfigSource>(
        new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string path = manager.File.Path;
        using var watcher = CreateWatcher(path);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true; // SIGHUP must not stop the process.
            _requests.Writer.TryWrite(ConfigSource.Signal);
        });

        try
        {
            await WatchAsync(path, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task WatchAsync(string path, CancellationToken stoppingToken)
    {
        await foreach (var source in _requests.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            var reason = source;
            if (source is ConfigSource.File)
            {
                // Wait until the file has been quiet for the debounce time: an editor or `cat > file`
                // writes in several steps, and a half-written file must not be applied.
                bool more = true;
                while (more)
                {
                    await Task.Delay(Debounce, time, stoppingToken).ConfigureAwait(false);
                    more = false;
                    while (_requests.Reader.TryRead(out var next))
                    {
                        more = true;
                        reason = next is ConfigSource.Signal ? next : reason;
                    }
                }
            }

            while (_requests.Reader.TryRead(out var next))
            {
                reason = next is ConfigSource.Signal ? next : reason;
            }

            try
            {
                await ReloadAsync(path, reason, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed reload is logged; the watcher (and the service) carry on with the running config.
                Log.ReloadFailed(logger, path, ex);
            }
        }
    }

    private async Task ReloadAsync(string path, ConfigSource source, CancellationToken cancellationToken)
    {
        Log.ReloadRequested(logger, source, path);
        string text;
        try
        {
            if (!File.Exists(path))
            {
                Log.WatchFailed(logger, path, "the file does not exist; the running configuration stays");
                return;
            }

            text = manager.File.ReadText();
            if (text.Length == 0 && source is ConfigSource.File)
            {
                // Most likely truncated by a writer that has not written yet; the next event brings the text.
                Log.WatchFailed(logger, path, "the file is empty; waiting for its content (send SIGHUP to apply an empty configuration)");
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.WatchFailed(logger, path, ex.Message);
            return;
        }

        await manager.UpdateAsync(text, source, cancellationToken).ConfigureAwait(false);
    }

    private FileSystemWatcher? CreateWatcher(string path)
    {
        string? directory = Path.GetDirectoryName(path);
        if (directory is null || !Directory.Exists(directory))
        {
            return null;
        }

        try
        {
            var watcher = new FileSystemWatcher(directory, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, _) => _requests.Writer.TryWrite(ConfigSource.File);
            watcher.Created += (_, _) => _requests.Writer.TryWrite(ConfigSource.File);
            watcher.Renamed += (_, e) =>
            {
                if (string.Equals(e.FullPath, path, StringComparison.Ordinal))
                {
                    _requests.Writer.TryWrite(ConfigSource.File);
                }
            };
            watcher.Error += (_, e) => Log.WatchFailed(logger, path, e.GetException().Message);
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // inotify limits can be exhausted on busy hosts; SIGHUP still works.
            Log.WatchFailed(logger, path, ex.Message);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigReloadRequested, EventName = "ConfigReloadRequested", Level = LogLevel.Information,
            Message = "Reloading configuration from {Path} ({Source})")]
        public static partial void ReloadRequested(ILogger logger, ConfigSource source, string path);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigReloadFailed, EventName = "ConfigReloadFailed", Level = LogLevel.Error,
            Message = "Reloading configuration from {Path} failed; the running configuration stays")]
        public static partial void ReloadFailed(ILogger logger, string path, Exception exception);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigWatchFailed, EventName = "ConfigWatchFailed", Level = LogLevel.Warning,
            Message = "Configuration file {Path}: {Reason}")]
        public static partial void WatchFailed(ILogger logger, string path, string reason);
    }
}
