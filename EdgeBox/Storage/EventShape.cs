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

        if (value.Detection is { } d)
        {
            document["detection"] = new BsonDocument
            {
                ["label"] = d.Label,
                ["score"] = (double)d.Score,
                ["zone"] = d.Zone is null ? BsonValue.Null : d.Zone,
                ["box"] = new BsonArray(new BsonValue[] { (double)d.X1, (double)d.Y1, (double)d.X2, (double)d.Y2 }),
                ["start"] = d.Start.ToUnixTimeMilliseconds(),
                ["end"] = d.End is { } end ? end.ToUnixTimeMilliseconds() : BsonValue.Null,
                ["object"] = d.ObjectId,
                ["model"] = d.Model,
                ["snapshot"] = d.Snapshot,
                ["clip"] = d.ClipId is { } clip ? clip : BsonValue.Null,
            };
        }

        return document;
    }

    public EdgeBoxEvent FromDocument(BsonDocument document)
    {
        var value = new EdgeBoxEvent(
            document["_id"].AsInt64,
            DateTimeOffset.FromUnixTimeMilliseconds(document["time"].AsInt64),
            document["type"].AsString,
            document["path"].IsNull ? null : document["path"].AsString,
            document["session"].IsNull ? null : document["session"].AsString,
            document["message"].AsString);
        if (document.TryGetValue("detection", out var found) && found.IsDocument)
        {
            var d = found.AsDocument;
            var box = d["box"].AsArray;
            value = value with
            {
                Detection = new DetectionInfo(
                    d["label"].AsString,
                    (float)d["score"].AsDouble,
                    d["zone"].IsNull ? null : d["zone"].AsString,
                    (float)box[0].AsDouble,
                    (float)box[1].AsDouble,
                    (float)box[2].AsDouble,
                    (float)box[3].AsDouble,
                    DateTimeOffset.FromUnixTimeMilliseconds(d["start"].AsInt64),
                    d["end"].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(d["end"].AsInt64),
                    d["object"].AsInt64,
                    d["model"].AsString,
                    d["snapshot"].AsBoolean,
                    d["clip"].IsNull ? null : d["clip"].AsInt64),
            };
        }

        return value;
    }

    public EdgeBoxEvent Sample() => new(42, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_456), EventTypes.Detection, "live/cäm", "rtsp-1f", "dropped ✓")
    {
        Detection = new DetectionInfo("person", 0.875f, "door ✓", 0.125f, 0.25f, 0.5f, 0.75f, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000),
            DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_009_000), 7, "yolo11n", true, 3),
    };
}
