using EdgeBox.Storage;
using LiteDB;

namespace EdgeBox.Recording;

/// <summary>
/// The recordings index in <c>edgebox.db</c>: one document per segment file, queried by path and time.
/// The files are the truth; the index is rebuilt from them when it is lost or disagrees
/// (<see cref="SegmentIndex.Replace"/>).
/// </summary>
internal sealed class SegmentIndex
{
    /// <summary>Segments closer than this count as one continuous span (timestamps are rounded to milliseconds).</summary>
    public static readonly TimeSpan SpanTolerance = TimeSpan.FromSeconds(1);

    private readonly EdgeBoxDatabase _db;
    private readonly SegmentShape _shape = SegmentShape.Instance;

    /// <summary>
    /// Writes go one at a time: every recorder writes from its own thread, and LiteDB keeps a transaction per
    /// thread, at most 100 open ("Maximum number of transactions reached" at 100 recorded paths, its log then
    /// grew without a checkpoint to 4.3 GB in 6 minutes).
    /// </summary>
    private readonly Lock _writes = new();

    public SegmentIndex(EdgeBoxDatabase db)
    {
        _db = db;
        var collection = Collection;
        collection.EnsureIndex("path");
        collection.EnsureIndex("start");
        collection.EnsureIndex("file", unique: true);
    }

    private ILiteCollection<BsonDocument> Collection => _db.SequentialCollection(_shape.Collection);

    /// <summary>Stores a new segment (or the same file again, replacing it) and returns it with its id.</summary>
    public RecordedSegment Upsert(RecordedSegment segment)
    {
        lock (_writes)
        {
            return UpsertLocked(segment);
        }
    }

    private RecordedSegment UpsertLocked(RecordedSegment segment)
    {
        var collection = Collection;
        if (segment.Id == 0 && collection.FindOne(Query.EQ("file", segment.File)) is { } existing)
        {
            segment = segment with { Id = existing["_id"].AsInt64 };
        }

        if (segment.Id == 0)
        {
            long id = collection.Insert(_shape.ToDocument(segment)).AsInt64;
            return segment with { Id = id };
        }

        collection.Upsert(_shape.ToDocument(segment));
        return segment;
    }

    public bool Remove(long id)
    {
        lock (_writes)
        {
            return Collection.Delete(id);
        }
    }

    public RecordedSegment? Find(long id) => Collection.FindById(id) is { } document ? _shape.FromDocument(document) : null;

    /// <summary>Every segment, oldest first.</summary>
    public IReadOnlyList<RecordedSegment> All() => Read(Collection.Query().OrderBy("start"));

    /// <summary>The segments of <paramref name="path"/> overlapping [from, to), oldest first.</summary>
    public IReadOnlyList<RecordedSegment> ForPath(string path, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var query = Collection.Query().Where(Query.EQ("path", path));
        if (to is { } end)
        {
            query = query.Where(Query.LT("start", end.ToUnixTimeMilliseconds()));
        }

        if (from is { } start)
        {
            query = query.Where(Query.GT("end", start.ToUnixTimeMilliseconds()));
        }

        return Read(query.OrderBy("start"));
    }

    /// <summary>The paths that have recordings, with their first and last recorded time and total size.</summary>
    public IReadOnlyList<(string Path, DateTimeOffset First, DateTimeOffset Last, long Size, int Segments)> Paths() =>
        All().GroupBy(s => s.Path, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Min(s => s.Start), g.Max(s => s.End), g.Sum(s => s.Size), g.Count()))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

    /// <summary>Replaces the whole index with <paramref name="segments"/> (after a rebuild from the files).</summary>
    public void Replace(IEnumerable<RecordedSegment> segments)
    {
        lock (_writes)
        {
            ReplaceLocked(segments);
        }
    }

    private void ReplaceLocked(IEnumerable<RecordedSegment> segments)
    {
        var collection = Collection;
        collection.DeleteAll();
        foreach (var segment in segments)
        {
            collection.Insert(_shape.ToDocument(segment with { Id = 0 }));
        }
    }

    /// <summary>
    /// Merges back-to-back segments into continuous spans, clipped to [from, to); what lies between two
    /// spans is a gap (the source was down or recording was off).
    /// </summary>
    public static IReadOnlyList<RecordedSpan> Spans(IEnumerable<RecordedSegment> segments, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var spans = new List<RecordedSpan>();
        foreach (var segment in segments.Where(s => s.End > s.Start).OrderBy(s => s.Start))
        {
            var start = from is { } f && segment.Start < f ? f : segment.Start;
            var end = to is { } t && segment.End > t ? t : segment.End;
            if (end <= start)
            {
                continue;
            }

            if (spans.Count > 0 && start - spans[^1].End <= SpanTolerance)
            {
                spans[^1] = spans[^1] with { End = end > spans[^1].End ? end : spans[^1].End };
            }
            else
            {
                spans.Add(new RecordedSpan(start, end));
            }
        }

        return spans;
    }

    private List<RecordedSegment> Read(ILiteQueryable<BsonDocument> query) => query.ToList().Select(_shape.FromDocument).ToList();
}
