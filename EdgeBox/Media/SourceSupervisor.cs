using EdgeBox.Configuration;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Media;

/// <summary>
/// Runs the sources EdgeBox pulls and the forwards it pushes, as the configuration says. A path with a
/// URL source is created at start-up and kept (pinned) so readers can wait on it while the source
/// reconnects. An always-on source connects at once; an on-demand one (<c>sourceOnDemand</c>) when the
/// first reader asks (<see cref="EnsureSourceAsync"/>) and disconnects <c>sourceOnDemandCloseAfter</c>
/// after the last reader left. A config change restarts only the sources and forwards whose settings
/// changed; readers stay attached to their paths throughout.
/// </summary>
internal sealed partial class SourceSupervisor : IConfigApplier, IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly PathManager _paths;
    private readonly IReadOnlyList<IPullProtocol> _protocols;
    private EdgeBoxConfig _latest;
    private readonly TimeProvider _time;
    private readonly ILogger<SourceSupervisor> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Running> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Path, string Url), RunningForward> _forwards = [];
    private ITimer? _timer;
    private bool _stopped;

    public SourceSupervisor(EdgeBoxConfig config, PathManager paths, IEnumerable<IPullProtocol> protocols, TimeProvider time, ILogger<SourceSupervisor> logger)
    {
        _latest = config;
        _paths = paths;
        _protocols = protocols.ToList();
        _time = time;
        _logger = logger;
    }

    /// <summary>The running source of a path, for the API.</summary>
    public IPulledSource? SourceOf(string path)
    {
        lock (_sources)
        {
            return _sources.GetValueOrDefault(path)?.Source;
        }
    }

    /// <summary>The forwards of a path, for the API.</summary>
    public IReadOnlyList<IPathForwarder> ForwardsOf(string path)
    {
        lock (_sources)
        {
            return _forwards.Where(f => f.Key.Path == path).Select(f => f.Value.Forwarder).ToList();
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReconcileAsync(Volatile.Read(ref _latest)).ConfigureAwait(false);
        _timer = _time.CreateTimer(_ => _ = CloseIdleOnDemandAsync(), null, CheckInterval, CheckInterval);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _timer?.Dispose();
        bool gated = await Infrastructure.ShutdownGate.TryEnterAsync(_gate, cancellationToken).ConfigureAwait(false);
        try
        {
            List<IAsyncDisposable> all;
            lock (_sources)
            {
                all = [.. _sources.Values.Select(r => (IAsyncDisposable)r.Source), .. _forwards.Values.Select(f => (IAsyncDisposable)f.Forwarder)];
                _sources.Clear();
                _forwards.Clear();
            }

            await Task.WhenAll(all.Select(d => d.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
        finally
        {
            if (gated)
            {
                _gate.Release();
            }
        }
    }

    public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes)
    {
        Volatile.Write(ref _latest, config);
        if (_timer is not null && changes.Any(c => c.Key.StartsWith("path", StringComparison.Ordinal)))
        {
            _ = ReconcileAsync(config);
        }
    }

    /// <summary>
    /// For a reader that asks for <paramref name="path"/>: when its source is pulled on demand, start it
    /// if needed and wait (up to <c>sourceOnDemandStartTimeout</c>) until it is ready. True when the
    /// path has a source now.
    /// </summary>
    public async Task<bool> EnsureSourceAsync(MediaPath path, CancellationToken cancellationToken)
    {
        // An on-demand source is asked even when it runs: the request keeps it from closing before the
        // client becomes a reader (RTSP's DESCRIBE comes before PLAY), also when its last reader just left.
        if (path.OnDemand is { } demand)
        {
            return await demand(cancellationToken).ConfigureAwait(false);
        }

        var config = path.Config;
        if (config.SourceOnDemand != true || !PathSources.IsPulled(config.Source))
        {
            return path.State == PathState.Ready;
        }

        IPulledSource source;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return false;
            }

            lock (_sources)
            {
                if (_sources.TryGetValue(path.Name, out var running))
                {
                    running.LastReader = _time.GetTimestamp();
                    source = running.Source;
                }
                else if (Protocol(config.Source!) is { } protocol)
                {
                    source = protocol.CreateSource(path, config);
                    _sources[path.Name] = new Running(path, config, source) { LastReader = _time.GetTimestamp() };
                    Log.OnDemandStarting(_logger, path.Name, source.DisplayUrl);
                    source.Start();
                }
                else
                {
                    return false;
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        var timeout = config.SourceOnDemandStartTimeout ?? TimeSpan.FromSeconds(10);
        try
        {
            await source.Ready.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string seconds = timeout.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
            Log.OnDemandTimeout(_logger, path.Name, seconds, source.LastError ?? "no answer yet");
            return false;
        }

        // Ready once, but it may have dropped again since: give a reconnecting camera the same time.
        var deadline = _time.GetTimestamp();
        while (path.State != PathState.Ready && _time.GetElapsedTime(deadline) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
        }

        return path.State == PathState.Ready;
    }

    /// <summary>Idempotent: the container may dispose this twice (it is registered under several service types).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _gate.Dispose();
    }

    private int _disposed;

    private IPullProtocol? Protocol(string source) => _protocols.FirstOrDefault(p => p.CanPull(source));

    /// <summary>
    /// Disconnects the pulled source of <paramref name="pathName"/> and connects it again (a fleet command,
    /// for a camera that needs a fresh session). False when the path has no running pulled source.
    /// </summary>
    public async Task<bool> RestartAsync(string pathName)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            IPulledSource? stale = null;
            lock (_sources)
            {
                if (_sources.Remove(pathName, out var running))
                {
                    stale = running.Source;
                }
            }

            if (stale is null)
            {
                return false;
            }

            // Closed under the gate, so a reconcile running meanwhile cannot start a second connection beside it.
            Log.SourceRestarting(_logger, pathName);
            await stale.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        await ReconcileAsync(Volatile.Read(ref _latest)).ConfigureAwait(false);
        return true;
    }

    /// <summary>Brings the running sources and forwards in line with <paramref name="config"/>.</summary>
    private async Task ReconcileAsync(EdgeBoxConfig config)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return;
            }

            var stale = new List<IAsyncDisposable>();
            var wantedSources = new HashSet<string>(StringComparer.Ordinal);
            var wantedForwards = new HashSet<(string, string)>();
            foreach (var named in config.Paths.Where(p => !p.IsRegex))
            {
                var settings = config.EffectivePath(named);
                bool pulled = PathSources.IsPulled(settings.Source);
                bool forwards = settings.Forward is { Count: > 0 };
                if (!pulled && !forwards)
                {
                    continue;
                }

                var path = _paths.GetOrCreate(named.Name);
                if (path is null)
                {
                    continue;
                }

                path.Pinned = true;
                if (pulled)
                {
                    wantedSources.Add(named.Name);
                    ReconcileSource(path, settings, stale);
                }

                foreach (string url in settings.Forward ?? TextList.Empty)
                {
                    wantedForwards.Add((named.Name, url));
                    ReconcileForward(path, settings, url, stale);
                }
            }

            lock (_sources)
            {
                foreach (var name in _sources.Keys.Where(n => !wantedSources.Contains(n)).ToList())
                {
                    stale.Add(_sources[name].Source);
                    Unpin(_sources[name].Path, config);
                    _sources.Remove(name);
                }

                foreach (var key in _forwards.Keys.Where(k => !wantedForwards.Contains(k)).ToList())
                {
                    stale.Add(_forwards[key].Forwarder);
                    _forwards.Remove(key);
                }
            }

            await Task.WhenAll(stale.Select(d => d.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void ReconcileSource(MediaPath path, PathConfig settings, List<IAsyncDisposable> stale)
    {
        lock (_sources)
        {
            if (_sources.TryGetValue(path.Name, out var running))
            {
                if (SameSource(running.Config, settings))
                {
                    return;
                }

                stale.Add(running.Source);
                _sources.Remove(path.Name);
                Log.SourceRestarting(_logger, path.Name);
            }

            if (settings.SourceOnDemand == true || Protocol(settings.Source!) is not { } protocol)
            {
                return;
            }

            var source = protocol.CreateSource(path, settings);
            _sources[path.Name] = new Running(path, settings, source);
            source.Start();
        }
    }

    private void ReconcileForward(MediaPath path, PathConfig settings, string url, List<IAsyncDisposable> stale)
    {
        lock (_sources)
        {
            var key = (path.Name, url);
            if (_forwards.TryGetValue(key, out var running))
            {
                if (running.Config.ReconnectDelay == settings.ReconnectDelay && running.Config.ReconnectMaxDelay == settings.ReconnectMaxDelay)
                {
                    return;
                }

                stale.Add(running.Forwarder);
                _forwards.Remove(key);
            }

            if (_protocols.FirstOrDefault(p => p.CanForward(url)) is not { } protocol)
            {
                return;
            }

            var forwarder = protocol.CreateForwarder(path, settings, url);
            _forwards[key] = new RunningForward(settings, forwarder);
            forwarder.Start();
        }
    }

    private void Unpin(MediaPath path, EdgeBoxConfig config)
    {
        var settings = config.Paths.FirstOrDefault(p => p.Name == path.Name) is { } named ? config.EffectivePath(named) : null;
        if (settings?.Forward is not { Count: > 0 })
        {
            path.Pinned = false;
            _paths.ReleaseIfUnused(path);
        }
    }

    /// <summary>Stops on-demand sources whose path has had no reader for <c>sourceOnDemandCloseAfter</c>.</summary>
    private async Task CloseIdleOnDemandAsync()
    {
        if (!await _gate.WaitAsync(0).ConfigureAwait(false))
        {
            return; // busy: next tick
        }

        try
        {
            var idle = new List<IAsyncDisposable>();
            long now = _time.GetTimestamp();
            lock (_sources)
            {
                foreach (var (name, running) in _sources.ToList())
                {
                    if (running.Config.SourceOnDemand != true)
                    {
                        continue;
                    }

                    if (running.Path.Readers.Count > 0)
                    {
                        running.LastReader = now;
                    }
                    else if (_time.GetElapsedTime(running.LastReader, now) >= (running.Config.SourceOnDemandCloseAfter ?? TimeSpan.FromSeconds(10)))
                    {
                        Log.OnDemandClosing(_logger, name);
                        idle.Add(running.Source);
                        _sources.Remove(name);
                    }
                }
            }

            await Task.WhenAll(idle.Select(d => d.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether two settings pull the same way (other keys, such as credentials for readers, need no reconnect).</summary>
    private static bool SameSource(PathConfig a, PathConfig b) =>
        a.Source == b.Source && a.TestSrc == b.TestSrc && a.SourceOnDemand == b.SourceOnDemand && a.RtspTransport == b.RtspTransport
        && a.SourceFingerprint == b.SourceFingerprint && a.ReconnectDelay == b.ReconnectDelay && a.ReconnectMaxDelay == b.ReconnectMaxDelay;

    private sealed class Running(MediaPath path, PathConfig config, IPulledSource source)
    {
        public MediaPath Path { get; } = path;

        public PathConfig Config { get; } = config;

        public IPulledSource Source { get; } = source;

        /// <summary>TimeProvider timestamp when a reader last asked for or held the path.</summary>
        public long LastReader { get; set; }
    }

    private sealed record RunningForward(PathConfig Config, IPathForwarder Forwarder);

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.SourceStarted, EventName = "SourceOnDemandStarting", Level = LogLevel.Information,
            Message = "Path {Path}: a reader asked; connecting to the on-demand source {Url}")]
        public static partial void OnDemandStarting(ILogger logger, string path, string url);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceStopped, EventName = "SourceOnDemandClosing", Level = LogLevel.Information,
            Message = "Path {Path}: no readers left; closing the on-demand source")]
        public static partial void OnDemandClosing(ILogger logger, string path);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceOnDemandTimeout, EventName = "SourceOnDemandTimeout", Level = LogLevel.Warning,
            Message = "Path {Path}: the on-demand source was not ready within {Seconds} s ({Reason})")]
        public static partial void OnDemandTimeout(ILogger logger, string path, string seconds, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceRestarting, EventName = "SourceRestarting", Level = LogLevel.Information,
            Message = "Path {Path}: source settings changed; reconnecting")]
        public static partial void SourceRestarting(ILogger logger, string path);
    }
}
