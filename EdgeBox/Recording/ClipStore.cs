using EdgeBox.Storage;
using LiteDB;

namespace EdgeBox.Recording;

/// <summary>Event clips in <c>edgebox.db</c>. A clip outlives its lock (<see cref="RecordedClip.KeepUntil"/>) as a record of what was asked for.</summary>
internal sealed class ClipStore
{
    private readonly EdgeBoxDatabase _db;
    private readonly ClipShape _shape = ClipShape.Instance;

    public ClipStore(EdgeBoxDatabase db)
    {
        _db = db;
        Collection.EnsureIndex("path");
        Collection.EnsureIndex("keepUntil");
    }

    private ILiteCollection<BsonDocument> Collection => _db.SequentialCollection(_shape.Collection);

    public RecordedClip Add(RecordedClip clip)
    {
        long id = Collection.Insert(_shape.ToDocument(clip with { Id = 0 })).AsInt64;
        return clip with { Id = id };
    }

    public void Update(RecordedClip clip) => Collection.Update(_shape.ToDocument(clip));

    public RecordedClip? Find(long id) => Collection.FindById(id) is { } document ? _shape.FromDocument(document) : null;

    public bool Remove(long id) => Collection.Delete(id);

    /// <summary>Clips of <paramref name="path"/> (every path when null), newest first.</summary>
    public IReadOnlyList<RecordedClip> List(string? path = null, int limit = 1000)
    {
        var query = Collection.Query();
        if (path is not null)
        {
            query = query.Where(Query.EQ("path", path));
        }

        return query.OrderByDescending("_id").Limit(limit).ToList().Select(_shape.FromDocument).ToList();
    }

    /// <summary>The clips that still keep their segments from retention.</summary>
    public IReadOnlyList<RecordedClip> Locking(DateTimeOffset now) =>
        Collection.Find(Query.GT("keepUntil", now.ToUnixTimeMilliseconds())).Select(_shape.FromDocument).ToList();
}
