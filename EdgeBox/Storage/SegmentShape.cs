using EdgeBox.Recording;
using LiteDB;

namespace EdgeBox.Storage;

/// <summary>The recordings index: one document per segment file (times as Unix milliseconds).</summary>
internal sealed class SegmentShape : IDocumentShape<RecordedSegment>
{
    public static readonly SegmentShape Instance = new();

    public string Collection => "segments";

    public BsonDocument ToDocument(RecordedSegment value)
    {
        var keyframes = new BsonArray();
        foreach (var keyframe in value.Keyframes)
        {
            keyframes.Add(new BsonArray { keyframe.Time.ToUnixTimeMilliseconds(), keyframe.ByteOffset });
        }

        var document = new BsonDocument
        {
            ["path"] = value.Path,
            ["file"] = value.File,
            ["start"] = value.Start.ToUnixTimeMilliseconds(),
            ["end"] = value.End.ToUnixTimeMilliseconds(),
            ["size"] = value.Size,
            ["complete"] = value.Complete,
            ["codecs"] = new BsonArray(value.Codecs.Select(c => new BsonValue(c))),
            ["keyframes"] = keyframes,
            ["lockedUntil"] = value.LockedUntil is { } until ? until.ToUnixTimeMilliseconds() : BsonValue.Null,
        };
        if (value.Id > 0)
        {
            document["_id"] = value.Id;
        }

        return document;
    }

    public RecordedSegment FromDocument(BsonDocument document) => new(
        document["path"].AsString,
        document["file"].AsString,
        DateTimeOffset.FromUnixTimeMilliseconds(document["start"].AsInt64),
        DateTimeOffset.FromUnixTimeMilliseconds(document["end"].AsInt64),
        document["size"].AsInt64)
    {
        Id = document["_id"].AsInt64,
        Complete = document["complete"].AsBoolean,
        Codecs = [.. document["codecs"].AsArray.Select(c => c.AsString)],
        Keyframes = [.. document["keyframes"].AsArray.Select(k => new SegmentKeyframe(DateTimeOffset.FromUnixTimeMilliseconds(k.AsArray[0].AsInt64), k.AsArray[1].AsInt64))],
        LockedUntil = document["lockedUntil"].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(document["lockedUntil"].AsInt64),
    };

    public RecordedSegment Sample() => new("lobby/cäm", "recordings/lobby/cäm/2026-11-24/10-00-00-000000.mp4",
        DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000), DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_600_125), 123_456_789_012)
    {
        Id = 7,
        Complete = true,
        Codecs = ["h264", "aac"],
        Keyframes = [new(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000), 1234), new(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_002_000), 567_890)],
        LockedUntil = DateTimeOffset.FromUnixTimeMilliseconds(1_795_086_400_000),
    };
}
