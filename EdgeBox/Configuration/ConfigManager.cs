using EdgeBox.Storage;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Configuration;

/// <summary>Where a config change came from.</summary>
internal enum ConfigSource
{
    Startup,
    File,
    Signal,
    Api,
    Fleet,
}

internal enum ConfigUpdateStatus
{
    Applied,
    Unchanged,
    Rejected,
    WriteFailed,

    /// <summary>The file on disk holds an edit that is not the running config; an API write would lose it.</summary>
    Conflict,
}

/// <summary>
/// The running configuration: the parsed config, the box's own text (the file) and its hash, and its
/// history version. A fleet-managed box also has the fleet layers composed over that text.
/// </summary>
internal sealed record ConfigSnapshot(EdgeBoxConfig Config, string Text, string Hash, long Version)
{
    private readonly string? _effectiveText;

    /// <summary>The fleet layers composed over <see cref="Text"/>; none for a stand-alone box.</summary>
    public FleetLayers Fleet { get; init; } = FleetLayers.None;

    /// <summary>Local settings the fleet set otherwise and does not let the box override (<c>log.level</c>, <c>paths.cam1</c>).</summary>
    public IReadOnlyList<string> Overridden { get; init; } = [];

    /// <summary>The text <see cref="Config"/> was loaded from: <see cref="Text"/> with the fleet layers over it.</summary>
    public string EffectiveText { get => _effectiveText ?? Text; init => _effectiveText = value; }

    public string EffectiveHash => ConfigFile.Hash(EffectiveText);
}

internal sealed record ConfigUpdateResult(
    ConfigUpdateStatus Status,
    ConfigSnapshot Snapshot,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyList<ConfigChange> Changes,
    string? WriteError = null);

/// <summary>What <see cref="ConfigManager.Validate"/> found: every error, or the changes applying the text would make.</summary>
internal sealed record ConfigValidation(IReadOnlyList<ConfigError> Errors, IReadOnlyList<ConfigChange> Changes)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>Something that reacts to an applied config (log level, paths, listeners...).</summary>
internal interface IConfigApplier
{
    void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes);
}

/// <summary>
/// The single pipeline every config change goes through, whatever its source (file edit, SIGHUP, REST
/// API, later the fleet): parse → validate (all errors) → diff → persist → apply → history. An invalid
/// config is refused and the running one stays. The file is written before the change is applied, so
/// a config that cannot be persisted (read-only disk) is refused rather than lost at the next restart.
/// </summary>
internal sealed partial class ConfigManager : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConfigFile _file;
    private readonly ConfigHistoryStore _history;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly IEnumerable<IConfigApplier> _appliers;
    private readonly TimeProvider _time;
    private readonly ILogger<ConfigManager> _logger;
    private readonly Infrastructure.EdgeBoxMetrics _metrics;
    private ConfigSnapshot _current;

    public ConfigManager(
        ConfigFile file,
        ConfigSnapshot initial,
        ConfigHistoryStore history,
        IReadOnlyDictionary<string, string> environment,
        IEnumerable<IConfigApplier> appliers,
        TimeProvider time,
        Infrastructure.EdgeBoxMetrics metrics,
        ILogger<ConfigManager> logger)
    {
        _metrics = metrics;
        _file = file;
        _history = history;
        _environment = environment;
        _appliers = appliers;
        _time = time;
        _logger = logger;
        _current = RecordStartup(initial);
    }

    public ConfigSnapshot Current => Volatile.Read(ref _current);

    public ConfigFile File => _file;

    public IReadOnlyList<ConfigHistoryEntry> History(int limit) => _history.List(limit);

    public ConfigHistoryEntry? HistoryVersion(long version) => _history.Find(version);

    /// <summary>
    /// Checks <paramref name="text"/> as <see cref="UpdateAsync"/> would (same environment overrides, every
    /// error) and lists what applying it would change against the running config. Nothing is applied,
    /// written or recorded.
    /// </summary>
    public ConfigValidation Validate(string text)
    {
        var load = Load(Current.Fleet, text).Load;
        return load.IsValid
            ? new ConfigValidation([], ConfigDiff.Compute(Current.Config, load.Config!))
            : new ConfigValidation(load.Errors, []);
    }

    public async Task<ConfigUpdateResult> UpdateAsync(string text, ConfigSource source, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = Update(text, source);
            _metrics.ConfigUpdate(Name(source), result.Status.ToString().ToLowerInvariant());
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs on new fleet layers (the box's own file stays as it is): validated, diffed and applied like any
    /// other change. <paramref name="persist"/> stores the layers before they are applied (null when it
    /// worked, else why not), so the box comes back on them after a restart without the broker.
    /// </summary>
    public async Task<ConfigUpdateResult> UpdateFleetAsync(FleetLayers fleet, Func<FleetLayers, string?> persist, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Current;
            var (composed, load) = Load(fleet, current.Text);
            if (!load.IsValid)
            {
                Log.Rejected(_logger, ConfigSource.Fleet, load.Errors.Count);
                foreach (var error in load.Errors)
                {
                    Log.RejectedError(_logger, error.ToString());
                }

                _metrics.ConfigUpdate(Name(ConfigSource.Fleet), "rejected");
                return new ConfigUpdateResult(ConfigUpdateStatus.Rejected, current, load.Errors, []);
            }

            var changes = ConfigDiff.Compute(current.Config, load.Config!);
            if (fleet.Version == current.Fleet.Version && composed.Text == current.EffectiveText)
            {
                _metrics.ConfigUpdate(Name(ConfigSource.Fleet), "unchanged");
                return new ConfigUpdateResult(ConfigUpdateStatus.Unchanged, current, [], []);
            }

            if (persist(fleet) is { } writeError)
            {
                Log.WriteFailed(_logger, "the fleet layers", writeError);
                _metrics.ConfigUpdate(Name(ConfigSource.Fleet), "writefailed");
                return new ConfigUpdateResult(ConfigUpdateStatus.WriteFailed, current, [], changes, writeError);
            }

            var next = new ConfigSnapshot(load.Config!, current.Text, current.Hash, current.Version + 1)
            {
                Fleet = fleet,
                Overridden = composed.Overridden,
                EffectiveText = composed.Text,
            };
            var result = Commit(next, changes, ConfigSource.Fleet);
            _metrics.ConfigUpdate(Name(ConfigSource.Fleet), "applied");
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Composes <paramref name="fleet"/> over the local <paramref name="text"/> and loads the result.</summary>
    private (ComposedConfig Composed, ConfigLoadResult Load) Load(FleetLayers fleet, string text)
    {
        var composed = ConfigLayers.Compose(fleet, text);
        var load = composed.Errors.Count > 0 ? new ConfigLoadResult(null, composed.Errors) : ConfigLoader.Load(composed.Text, _environment);
        return (composed, load);
    }

    private ConfigUpdateResult Update(string text, ConfigSource source)
    {
        var current = Current;
        var (composed, load) = Load(current.Fleet, text);
        if (!load.IsValid)
        {
            Log.Rejected(_logger, source, load.Errors.Count);
            foreach (var error in load.Errors)
            {
                Log.RejectedError(_logger, error.ToString());
            }

            return new ConfigUpdateResult(ConfigUpdateStatus.Rejected, current, load.Errors, []);
        }

        string hash = ConfigFile.Hash(text);
        if (hash == current.Hash)
        {
            Log.Unchanged(_logger, source);
            return new ConfigUpdateResult(ConfigUpdateStatus.Unchanged, current, [], []);
        }

        var changes = ConfigDiff.Compute(current.Config, load.Config!);
        if (source is ConfigSource.Api)
        {
            // An edit on disk that has not been loaded yet (or was refused and is being fixed) must
            // not be overwritten without a trace.
            if (_file.Exists && _file.ReadHash() is { } onDisk && onDisk != current.Hash)
            {
                Log.Conflict(_logger, _file.Path);
                return new ConfigUpdateResult(ConfigUpdateStatus.Conflict, current, [], changes,
                    $"{_file.Path} was changed on disk and that change is not the running configuration; fix or reload the file first");
            }

            try
            {
                _file.WriteAtomic(text);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.WriteFailed(_logger, _file.Path, ex.Message);
                return new ConfigUpdateResult(ConfigUpdateStatus.WriteFailed, current, [], changes, ex.Message);
            }
        }

        var next = new ConfigSnapshot(load.Config!, text, hash, current.Version + 1)
        {
            Fleet = current.Fleet,
            Overridden = composed.Overridden,
            EffectiveText = composed.Text,
        };
        return Commit(next, changes, source);
    }

    /// <summary>Makes <paramref name="next"/> the running config: every applier takes it, and it goes into the history.</summary>
    private ConfigUpdateResult Commit(ConfigSnapshot next, IReadOnlyList<ConfigChange> changes, ConfigSource source)
    {
        Volatile.Write(ref _current, next);
        foreach (var applier in _appliers)
        {
            try
            {
                applier.Apply(next.Config, changes);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One component failing to take a change must not undo the others or stop the service.
                Log.ApplierFailed(_logger, applier.GetType().Name, ex);
            }
        }

        string[] described = changes.Select(Describe).ToArray();
        if (source is ConfigSource.Fleet)
        {
            described = [$"fleet {(next.Fleet.IsManaged ? next.Fleet.Version : "none")}", .. described];
        }

        try
        {
            _history.Add(new ConfigHistoryEntry(next.Version, _time.GetUtcNow(), Name(source), next.Hash, next.Text, described));
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or UnauthorizedAccessException)
        {
            // The change is saved and applied; only its history entry is missing.
            Log.HistoryFailed(_logger, next.Version, ex.Message);
        }
        Log.Applied(_logger, next.Version, source, described.Length == 0 ? "none (comments or layout only)" : string.Join(", ", described));
        string[] restart = changes.Where(c => c.RequiresRestart).Select(c => c.Key).ToArray();
        if (restart.Length > 0)
        {
            Log.RestartRequired(_logger, string.Join(", ", restart));
        }

        return new ConfigUpdateResult(ConfigUpdateStatus.Applied, next, [], changes);
    }

    /// <summary>Records the start-up config as a new history version when its text differs from the last one.</summary>
    private ConfigSnapshot RecordStartup(ConfigSnapshot initial)
    {
        var latest = _history.Latest();
        if (latest is not null && latest.Hash == initial.Hash)
        {
            return initial with { Version = latest.Version };
        }

        long version = (latest?.Version ?? 0) + 1;
        _history.Add(new ConfigHistoryEntry(version, _time.GetUtcNow(), Name(ConfigSource.Startup), initial.Hash, initial.Text, []));
        return initial with { Version = version };
    }

    public void Dispose() => _gate.Dispose();

    public static string Describe(ConfigChange change) => $"{change.Key} {change.Kind.ToString().ToLowerInvariant()}";

    public static string Name(ConfigSource source) => source.ToString().ToLowerInvariant();

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigApplied, EventName = "ConfigApplied", Level = LogLevel.Information,
            Message = "Configuration version {Version} applied from {Source}; changes: {Changes}")]
        public static partial void Applied(ILogger logger, long version, ConfigSource source, string changes);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigRejected, EventName = "ConfigRejected", Level = LogLevel.Error,
            Message = "Configuration from {Source} rejected with {Count} error(s); the running configuration stays")]
        public static partial void Rejected(ILogger logger, ConfigSource source, int count);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigRejectedError, EventName = "ConfigRejectedError", Level = LogLevel.Error,
            Message = "  {Error}")]
        public static partial void RejectedError(ILogger logger, string error);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigUnchanged, EventName = "ConfigUnchanged", Level = LogLevel.Debug,
            Message = "Configuration from {Source} is the running one; nothing to do")]
        public static partial void Unchanged(ILogger logger, ConfigSource source);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigRestartRequired, EventName = "ConfigRestartRequired", Level = LogLevel.Warning,
            Message = "These changes take effect after a restart: {Keys}")]
        public static partial void RestartRequired(ILogger logger, string keys);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigConflict, EventName = "ConfigConflict", Level = LogLevel.Warning,
            Message = "Configuration change over the API refused: {Path} holds an edit that is not the running configuration")]
        public static partial void Conflict(ILogger logger, string path);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigApplierFailed, EventName = "ConfigApplierFailed", Level = LogLevel.Error,
            Message = "{Component} failed to apply the configuration change")]
        public static partial void ApplierFailed(ILogger logger, string component, Exception exception);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigHistoryFailed, EventName = "ConfigHistoryFailed", Level = LogLevel.Error,
            Message = "Configuration version {Version} is applied but could not be stored in the history: {Reason}")]
        public static partial void HistoryFailed(ILogger logger, long version, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigWriteFailed, EventName = "ConfigWriteFailed", Level = LogLevel.Error,
            Message = "Configuration could not be written to {Path} ({Reason}); the change was not applied")]
        public static partial void WriteFailed(ILogger logger, string path, string reason);
    }
}
