namespace EdgeBox.Configuration;

internal enum ChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>One difference between two configs: the key (<c>http</c>, <c>log.level</c>, <c>paths.cam1</c>) and how it changed.</summary>
internal sealed record ConfigChange(string Key, ChangeKind Kind)
{
    /// <summary>Listener addresses (<c>http</c> and <c>https</c>, its certificate too) and the data directory are bound at start-up; the rest applies live.</summary>
    public bool RequiresRestart =>
        Key is "data" or "log.file" or "log.format"
        || Key.StartsWith("http", StringComparison.Ordinal) || Key.StartsWith("rtsp", StringComparison.Ordinal)
        || Key.StartsWith("rtmp", StringComparison.Ordinal) || Key.StartsWith("srt", StringComparison.Ordinal)
        || Key.StartsWith("webrtc", StringComparison.Ordinal) || Key.StartsWith("media", StringComparison.Ordinal)
        || Key.StartsWith("codecs", StringComparison.Ordinal) || Key.StartsWith("inference", StringComparison.Ordinal);
}

/// <summary>
/// Compares two configs key by key. Paths are compared by their effective settings, so a
/// <c>pathDefaults</c> change lists exactly the paths it affects and leaves the rest untouched.
/// </summary>
internal static class ConfigDiff
{
    public static IReadOnlyList<ConfigChange> Compute(EdgeBoxConfig before, EdgeBoxConfig after)
    {
        var changes = new List<ConfigChange>();
        Compare(changes, "log.level", before.Log.Level, after.Log.Level);
        Compare(changes, "log.file", before.Log.File, after.Log.File);
        Compare(changes, "log.format", before.Log.Format, after.Log.Format);
        Compare(changes, "data", before.Data, after.Data);
        Compare(changes, "http", before.Http, after.Http);
        Compare(changes, "https", before.Https, after.Https);
        Compare(changes, "rtsp", before.Rtsp, after.Rtsp);
        Compare(changes, "rtmp", before.Rtmp, after.Rtmp);
        Compare(changes, "srt", before.Srt, after.Srt);
        Compare(changes, "webrtc", before.WebRtc, after.WebRtc);
        Compare(changes, "auth", before.Auth, after.Auth);
        Compare(changes, "media", before.Media, after.Media);
        Compare(changes, "codecs", before.Codecs, after.Codecs);
        Compare(changes, "inference", before.Inference, after.Inference);
        Compare(changes, "uplink", before.Uplink, after.Uplink);
        Compare(changes, "pathDefaults", before.PathDefaults, after.PathDefaults);

        var old = before.Paths.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var next = after.Paths.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var path in before.Paths)
        {
            if (!next.TryGetValue(path.Name, out var now))
            {
                changes.Add(new ConfigChange("paths." + path.Name, ChangeKind.Removed));
            }
            else if (before.EffectivePath(path) != after.EffectivePath(now))
            {
                changes.Add(new ConfigChange("paths." + path.Name, ChangeKind.Changed));
            }
        }

        foreach (var path in after.Paths)
        {
            if (!old.ContainsKey(path.Name))
            {
                changes.Add(new ConfigChange("paths." + path.Name, ChangeKind.Added));
            }
        }

        // The paths both configs have, in another order: the first regex that matches a name wins, so
        // the order is a change of its own.
        var keptBefore = before.Paths.Select(p => p.Name).Where(next.ContainsKey);
        var keptAfter = after.Paths.Select(p => p.Name).Where(old.ContainsKey);
        if (!keptBefore.SequenceEqual(keptAfter, StringComparer.Ordinal))
        {
            changes.Add(new ConfigChange("paths", ChangeKind.Changed));
        }

        return changes;
    }

    private static void Compare<T>(List<ConfigChange> changes, string key, T before, T after)
    {
        if (!EqualityComparer<T>.Default.Equals(before, after))
        {
            changes.Add(new ConfigChange(key, ChangeKind.Changed));
        }
    }
}
