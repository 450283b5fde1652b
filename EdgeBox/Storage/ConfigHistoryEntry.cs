using LiteDB;

namespace EdgeBox.Storage;

/// <summary>One applied configuration: what was applied, when, from where, and the full text.</summary>
internal sealed record ConfigHistoryEntry(long Version, DateTimeOffset Time, string Source, string Hash, string Text, IReadOnlyList<string> Changes)
{
    public bool Equals(ConfigHistoryEntry? other) =>
        other is not null && Version == other.Version && Time == other.Time && Source == other.Source
        && Hash == other.Hash && Text == other.Text && Changes.SequenceEqual(other.Changes, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Version, Hash);
}

internal sealed class ConfigHistoryShape : IDocumentShape<ConfigHistoryEntry>
{
    public static readonly ConfigHistoryShape Instance = new();

    public string Collection => "config_history";

    public BsonDocument ToDocument(ConfigHistoryEntry value)
    {
        var changes = new BsonArray();
        foreach (string change in value.Changes)
        {
            changes.Add(change);
        }

        return new BsonDocument
        {
            ["_id"] = value.Version,
            // Unix milliseconds: LiteDB's own DateTime converts to local time on read.
            ["time"] = value.Time.ToUnixTimeMilliseconds(),
            ["source"] = value.Source,
            ["hash"] = value.Hash,
            ["text"] = value.Text,
            ["changes"] = changes,
        };
    }

    public ConfigHistoryEntry FromDocument(BsonDocument document) => new(
        document["_id"].AsInt64,
        DateTimeOffset.FromUnixTimeMilliseconds(document["time"].AsInt64),
        document["source"].AsString,
        document["hash"].AsString,
        document["text"].AsString,
        document["changes"].AsArray.Select(v => v.AsString).ToList());

    public ConfigHistoryEntry Sample() => new(
        long.MaxValue - 1,
        DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_123),
        "api",
        new string('f', 64),
        "paths:\n  cam1: { source: publisher }  # ünïcode ✓\n",
        ["paths.cam1 added", "log.level changed"]);
}
