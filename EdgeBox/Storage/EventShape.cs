using EdgeBox.Events;
using LiteDB;

namespace EdgeBox.Storage;

internal sealed class EventShape : IDocumentShape<EdgeBoxEvent>
{
    public static readonly EventShape Instance = new();

    public string Collection => "events";

    public BsonDocument ToDocument(EdgeBoxEvent value)
    {
        var document = new BsonDocument
        {
            ["time"] = value.Time.ToUnixTimeMilliseconds(),
            ["type"] = value.Type,
            ["path"] = value.Path is null ? BsonValue.Null : value.Path,
            ["session"] = value.Session is null ? BsonValue.Null : value.Session,
            ["message"] = value.Message,
        };
        if (value.Id > 0)
        {
            document["_id"] = value.Id;
        }

        return document;
    }

    public EdgeBoxEvent FromDocument(BsonDocument document) => new(
        document["_id"].AsInt64,
        DateTimeOffset.FromUnixTimeMilliseconds(document["time"].AsInt64),
        document["type"].AsString,
        document["path"].IsNull ? null : document["path"].AsString,
        document["session"].IsNull ? null : document["session"].AsString,
        document["message"].AsString);

    public EdgeBoxEvent Sample() => new(42, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_456), EventTypes.ReaderDropped, "live/cäm", "rtsp-1f", "dropped ✓");
}
