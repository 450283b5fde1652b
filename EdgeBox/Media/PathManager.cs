using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using EdgeBox.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Media;

/// <summary>
/// The paths that exist now. A name is matched against the configuration (literal names first, then
/// regex paths in file order, like MediaMTX) when a publisher or reader asks for it; the path is
/// created then and removed again when it has neither source nor readers (configured literal paths
/// stay). A config change updates each path's settings in place, so readers of unchanged paths are
/// never disturbed; a path whose configuration disappeared is closed.
/// </summary>
internal sealed partial class PathManager : IConfigApplier, IDisposable
{
    private readonly ConcurrentDictionary<string, MediaPath> _paths = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly MediaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PathManager> _logger;
    private Matcher _matcher;

    public PathManager(EdgeBoxConfig config, MediaOptions options, TimeProvider time, ILogger<PathManager> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _matcher = new Matcher(config);
        _sampler = time.CreateTimer(_ => SampleRates(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private readonly ITimer _sampler;

    public void Dispose() => _sampler.Dispose();

    private void SampleRates()
    {
        long now = _time.GetTimestamp();
        foreach (var path in _paths.Values)
        {
            path.SampleRates(now);
        }
    }

    /// <summary>Raised when a reader is dropped for being too slow (for events and metrics).</summary>
    public event Action<PathReader>? ReaderDropped;

    public IReadOnlyCollection<MediaPath> Paths => (IReadOnlyCollection<MediaPath>)_paths.Values;

    public MediaPath? Find(string name) => _paths.GetValueOrDefault(name);

    /// <summary>The effective settings for a requested name, or null when no configured path matches it.</summary>
    public PathConfig? Resolve(string name) => Volatile.Read(ref _matcher).Resolve(name);

    /// <summary>The path for <paramref name="name"/>, created when the configuration allows it; null otherwise.</summary>
    public MediaPath? GetOrCreate(string name)
    {
        if (ConfigValidator.PathNameError(name) is not null || name.StartsWith('~'))
        {
            return null;
        }

        lock (_gate)
        {
            if (_paths.TryGetValue(name, out var existing))
            {
                return existing;
            }

            if (Resolve(name) is not { } config)
            {
                return null;
            }

            var path = new MediaPath(name, config, _options, _time, OnReaderDropped);
            _paths[name] = path;
            return path;
        }
    }

    /// <summary>
    /// The path a component publishes under a name of its own (<c>cam1/720p</c>), with the settings of
    /// the path it derives from; kept until <see cref="RemoveDerived"/>, whatever the configuration says.
    /// </summary>
    public MediaPath GetOrCreateDerived(string name, PathConfig config)
    {
        lock (_gate)
        {
            if (_paths.TryGetValue(name, out var existing))
            {
                existing.Config = config;
                return existing;
            }

            var path = new MediaPath(name, config, _options, _time, OnReaderDropped) { Derived = true, Pinned = true };
            _paths[name] = path;
            return path;
        }
    }

    /// <summary>Closes and forgets a derived path.</summary>
    public void RemoveDerived(MediaPath path)
    {
        lock (_gate)
        {
            path.Close(ReaderCloseReason.Closed);
            _paths.TryRemove(new KeyValuePair<string, MediaPath>(path.Name, path));
        }
    }

    /// <summary>Forgets a path that has neither source nor readers (called when a session ends).</summary>
    public void ReleaseIfUnused(MediaPath path)
    {
        lock (_gate)
        {
            if (!path.Pinned && path.State == PathState.Idle && path.Readers.Count == 0)
            {
                _paths.TryRemove(new KeyValuePair<string, MediaPath>(path.Name, path));
            }
        }
    }

    public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes)
    {
        var matcher = new Matcher(config);
        Volatile.Write(ref _matcher, matcher);
        lock (_gate)
        {
            foreach (var path in _paths.Values)
            {
                if (path.Derived)
                {
                    continue; // its owner (a transcoder) follows the configuration itself
                }

                if (matcher.Resolve(path.Name) is { } settings)
                {
                    path.Config = settings;
                    continue;
                }

                Log.PathRemoved(_logger, path.Name);
                path.Close(ReaderCloseReason.Closed);
                _paths.TryRemove(path.Name, out _);
            }
        }
    }

    private void OnReaderDropped(PathReader reader)
    {
        Log.ReaderDropped(_logger, reader.Id, reader.Kind, reader.Path.Name, reader.FramesDropped);
        ReaderDropped?.Invoke(reader);
    }

    /// <summary>Name matching for one configuration: literal names, then regexes in order.</summary>
    private sealed class Matcher
    {
        private readonly EdgeBoxConfig _config;
        private readonly Dictionary<string, NamedPath> _literal = new(StringComparer.Ordinal);
        private readonly List<(Regex Regex, NamedPath Path)> _patterns = [];

        public Matcher(EdgeBoxConfig config)
        {
            _config = config;
            foreach (var path in config.Paths)
            {
                if (path.IsRegex)
                {
                    _patterns.Add((new Regex(path.Name[1..], RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)), path));
                }
                else
                {
                    _literal[path.Name] = path;
                }
            }
        }

        public PathConfig? Resolve(string name)
        {
            if (_literal.TryGetValue(name, out var literal))
            {
                return _config.EffectivePath(literal);
            }

            foreach (var (regex, path) in _patterns)
            {
                try
                {
                    if (regex.IsMatch(name))
                    {
                        return _config.EffectivePath(path);
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    // A pathological pattern: treat as no match rather than stall the session.
                }
            }

            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.ReaderDropped, EventName = "ReaderDropped", Level = LogLevel.Warning,
            Message = "Reader {Reader} ({Kind}) of path {Path} stayed behind the source and was dropped; {Dropped} frames skipped")]
        public static partial void ReaderDropped(ILogger logger, string reader, string kind, string path, long dropped);

        [LoggerMessage(EventId = Infrastructure.EventIds.PathRemoved, EventName = "PathRemoved", Level = LogLevel.Information,
            Message = "Path {Path} is no longer configured; its source and readers were closed")]
        public static partial void PathRemoved(ILogger logger, string path);
    }
}
