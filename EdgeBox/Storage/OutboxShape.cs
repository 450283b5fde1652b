using LiteDB;

namespace EdgeBox.Storage;

/// <summary>An event waiting in the uplink outbox: its outbox id (the delivery id), when it was queued, its type and its JSON.</summary>
internal sealed record OutboxEntry(long Id, DateTimeOffset Time, string Type, string Body);

internal sealed class OutboxShape : IDocumentShape<OutboxEntry>
{
    public static readonly OutboxShape Instance = new();

    public string Collection => "uplink_outbox";

    public BsonDocument ToDocument(OutboxEntry value) => new()
    {
        ["_id"] = value.Id,
        ["time"] = value.Time.ToUnixTimeMilliseconds(),
        ["type"] = value.Type,
        ["body"] = value.Body,
    };

    public OutboxEntry FromDocument(BsonDocument document) => new(
        document["_id"].AsInt64,
        DateTimeOffset.FromUnixTimeMilliseconds(document["time"].AsInt64),
        document["type"].AsString,
        document["body"].AsString);

    public OutboxEntry Sample() => new(9_000_000_001, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_456), "detection", "{\"message\":\"dröpped ✓\"}");
}
