using EdgeBox.Media;

namespace EdgeBox.Recording;

/// <summary>What <see cref="RecordingManager.StartClipAsync"/> answers: the clip, or why there is none (an HTTP status and a message).</summary>
internal sealed record ClipResult(RecordedClip? Clip, int Status, string? Error)
{
    public static ClipResult Refused(int status, string error) => new(null, status, error);
}

/// <summary>
/// Event clips (<c>POST /api/v1/paths/{name}/record</c>, and later the analyzers): a clip covers
/// [now - preRoll, now + duration] and is kept from retention for <c>clipRetention</c> after its end. A path
/// that records continuously already has those segments on disk (or will have), so the clip only locks them;
/// otherwise a <see cref="ClipRecorder"/> writes the clip from the path's pre-roll buffer on, one per path,
/// extended by clips that overlap it.
/// </summary>
internal sealed partial class RecordingManager
{
    /// <summary>Longest clip one call may ask for.</summary>
    public static readonly TimeSpan MaxClipDuration = TimeSpan.FromHours(1);

    /// <summary>Longest pre-roll one call may ask for (the config's <c>preRoll</c> has the same bound).</summary>
    public static readonly TimeSpan MaxClipPreRoll = TimeSpan.FromMinutes(5);

    /// <summary>How long a call waits for the clip's first file, to answer with its real start.</summary>
    private static readonly TimeSpan ClipStartWait = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, ClipRecorder> _clipRecorders = new(StringComparer.Ordinal);

    public ClipStore Clips => _clips;

    /// <summary>Whether a clip is being written to files of its own for <paramref name="path"/> now.</summary>
    public bool ClipRecording(string path)
    {
        lock (_clipRecorders)
        {
            return _clipRecorders.ContainsKey(path);
        }
    }

    /// <param name="preRoll">How far before now the clip starts; null: the path's <c>preRoll</c>.</param>
    public async Task<ClipResult> StartClipAsync(string pathName, TimeSpan duration, TimeSpan? preRoll, string reason, CancellationToken token)
    {
        if (duration <= TimeSpan.Zero || duration > MaxClipDuration)
        {
            return ClipResult.Refused(400, $"duration must be more than 0 and at most {Configuration.DurationText.Format(MaxClipDuration)}");
        }

        if (preRoll is { } asked && (asked < TimeSpan.Zero || asked > MaxClipPreRoll))
        {
            return ClipResult.Refused(400, $"preRoll must be between 0 and {Configuration.DurationText.Format(MaxClipPreRoll)}");
        }

        var path = _paths.Find(pathName);
        if (path is null && _paths.Resolve(pathName) is null)
        {
            return ClipResult.Refused(404, $"no path '{pathName}'");
        }

        if (path is null || path.State != PathState.Ready || path.Tracks.Count == 0)
        {
            return ClipResult.Refused(409, $"path '{pathName}' has no source: there is nothing to record");
        }

        var settings = path.Config;
        var back = preRoll ?? settings.PreRoll ?? TimeSpan.Zero;
        var now = _time.GetUtcNow();
        var end = now + duration;
        var keep = settings.ClipRetention ?? TimeSpan.FromDays(7);
        bool continuous = Recorders.Any(r => ReferenceEquals(r.Path, path) && r.State == "recording");
        var clip = new RecordedClip(pathName, now - back, end, reason, end + keep) { Requested = now, OwnFiles = !continuous };
        if (continuous)
        {
            clip = _clips.Add(clip);
            Started(clip);
            return new ClipResult(clip, 202, null);
        }

        ClipRecorder recorder;
        bool joined;
        lock (_clipRecorders)
        {
            joined = _clipRecorders.TryGetValue(pathName, out recorder!) && ReferenceEquals(recorder.Path, path) && recorder.Extend(end);
            if (!joined)
            {
                recorder = new ClipRecorder(path, settings, back, end, _dataDirectory, _index, _time, _loggers.CreateLogger<ClipRecorder>());
                _clipRecorders[pathName] = recorder;
                recorder.Start();
                _ = RetireWhenFinishedAsync(pathName, recorder);
            }
        }

        // The clip starts at the keyframe at or before now - preRoll when the pre-roll buffer reaches back that
        // far, later when it does not (a shorter preRoll configured, a source younger than the pre-roll).
        // A clip that joins a running recorder starts no earlier than that recorder's first picture.
        var started = recorder.Started;
        if (await Task.WhenAny(started, Task.Delay(ClipStartWait, _time, token)).ConfigureAwait(false) == started
            && await started.ConfigureAwait(false) is { } first && (!joined || first > clip.Start))
        {
            clip = clip with { Start = first };
        }

        clip = _clips.Add(clip);
        Started(clip);
        return new ClipResult(clip, 202, null);
    }

    private void Started(RecordedClip clip)
    {
        Log.ClipStarted(_logger, clip.Path, clip.Start, clip.End, clip.Reason, clip.OwnFiles ? "its own files" : "the continuous recording");
        _events.Publish(Events.EventTypes.RecordingClip, clip.Path, null,
            $"clip {clip.Id} from {clip.Start:O} to {clip.End:O}, kept until {clip.KeepUntil:O}: {clip.Reason}");
    }

    /// <summary>When a clip recorder stops (its time is up, or the source went away), its clips end then at the latest.</summary>
    private async Task RetireWhenFinishedAsync(string pathName, ClipRecorder recorder)
    {
        var finished = await recorder.Finished.ConfigureAwait(false);
        lock (_clipRecorders)
        {
            if (_clipRecorders.TryGetValue(pathName, out var current) && ReferenceEquals(current, recorder))
            {
                _clipRecorders.Remove(pathName);
            }
        }

        try
        {
            foreach (var clip in _clips.List(pathName, limit: 100).Where(c => c.OwnFiles && c.End > finished && c.Requested <= finished))
            {
                _clips.Update(clip with { End = finished });
            }
        }
        catch (LiteDB.LiteException ex)
        {
            Log.TickFailed(_logger, ex.Message);
        }

        await recorder.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StopClipsAsync()
    {
        List<ClipRecorder> running;
        lock (_clipRecorders)
        {
            running = [.. _clipRecorders.Values];
            _clipRecorders.Clear();
        }

        await Task.WhenAll(running.Select(r => r.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.RecordingClipStarted, EventName = "RecordingClipStarted", Level = LogLevel.Information,
            Message = "Clip of {Path} from {Start:O} to {End:O} ({Reason}), kept in {Where}")]
        public static partial void ClipStarted(ILogger logger, string path, DateTimeOffset start, DateTimeOffset end, string reason, string where);
    }
}
