using EdgeBox.Recording;
using LiteDB;

namespace EdgeBox.Storage;

/// <summary>Event clips (times as Unix milliseconds).</summary>
internal sealed class ClipShape : IDocumentShape<RecordedClip>
{
    public static readonly ClipShape Instance = new();

    public string Collection => "clips";

    public BsonDocument ToDocument(RecordedClip value)
    {
        var document = new BsonDocument
        {
            ["path"] = value.Path,
            ["start"] = value.Start.ToUnixTimeMilliseconds(),
            ["end"] = value.End.ToUnixTimeMilliseconds(),
            ["reason"] = value.Reason,
            ["keepUntil"] = value.KeepUntil.ToUnixTimeMilliseconds(),
            ["requested"] = value.Requested.ToUnixTimeMilliseconds(),
            ["ownFiles"] = value.OwnFiles,
        };
        if (value.Id > 0)
        {
            document["_id"] = value.Id;
        }

        return document;
    }

    public RecordedClip FromDocument(BsonDocument document) => new(
        document["path"].AsString,
        DateTimeOffset.FromUnixTimeMilliseconds(document["start"].AsInt64),
        DateTimeOffset.FromUnixTimeMilliseconds(document["end"].AsInt64),
        document["reason"].AsString,
        DateTimeOffset.FromUnixTimeMilliseconds(document["keepUntil"].AsInt64))
    {
        Id = document["_id"].AsInt64,
        Requested = DateTimeOffset.FromUnixTimeMilliseconds(document["requested"].AsInt64),
        OwnFiles = document["ownFiles"].AsBoolean,
    };

    public RecordedClip Sample() => new("lobby/cäm", DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000), DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_040_250),
        "motion at the door \"north\"", DateTimeOffset.FromUnixTimeMilliseconds(1_795_604_840_250))
    {
        Id = 9,
        Requested = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_010_000),
        OwnFiles = true,
    };
}
