using EdgeBox.Storage;
using LiteDB;

namespace EdgeBox.Uplink;

/// <summary>
/// Events on their way to the fleet, in LiteDB (<c>uplink_outbox</c>), so they survive a broker outage
/// and a restart. Ids only grow, across restarts too (the last acknowledged id is kept even when the
/// outbox is empty), so the receiver can de-duplicate by (device, id) and see gaps. Bounded by count
/// and age: beyond either, the oldest events are dropped, and the drops are counted (persistently) and
/// reported.
/// </summary>
internal sealed class UplinkOutbox
{
    private const string MetaId = "uplink_outbox";

    private readonly EdgeBoxDatabase _db;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _nextId;
    private long _count;
    private long _dropped;
    private long _acknowledged;

    public UplinkOutbox(EdgeBoxDatabase db, TimeProvider time)
    {
        _db = db;
        _time = time;
        var meta = db.Collection("meta").FindById(MetaId);
        _acknowledged = meta?["acknowledged"].AsInt64 ?? 0;
        _dropped = meta?["dropped"].AsInt64 ?? 0;
        var entries = Entries;
        var last = entries.Query().OrderByDescending("_id").Limit(1).FirstOrDefault();
        long lastIssued = meta is not null && meta["lastId"].IsNumber ? meta["lastId"].AsInt64 : 0;
        _nextId = Math.Max(Math.Max(_acknowledged, lastIssued), last?["_id"].AsInt64 ?? 0) + 1;
        _count = entries.Count();
    }

    /// <summary>Events waiting to be delivered.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Events dropped (oldest first) because the outbox was full or they grew too old, since the box was set up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The highest id the broker has acknowledged.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    private ILiteCollection<BsonDocument> Entries => _db.Collection(OutboxShape.Instance.Collection);

    /// <summary>Queues an event; drops the oldest beyond <paramref name="maxEvents"/>. Returns its id.</summary>
    public long Enqueue(string type, string body, int maxEvents)
    {
        lock (_gate)
        {
            long id = _nextId++;
            Entries.Insert(OutboxShape.Instance.ToDocument(new OutboxEntry(id, _time.GetUtcNow(), type, body)));
            _count++;
            if (_count > maxEvents)
            {
                DropLocked(Query.LTE("_id", id - maxEvents));
            }

            return id;
        }
    }

    /// <summary>Drops the events older than <paramref name="maxAge"/>.</summary>
    public void Expire(TimeSpan maxAge)
    {
        lock (_gate)
        {
            DropLocked(Query.LT("time", (_time.GetUtcNow() - maxAge).ToUnixTimeMilliseconds()));
        }
    }

    /// <summary>The oldest waiting events, at most <paramref name="limit"/>, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> Peek(int limit) =>
        Entries.Query().OrderBy("_id").Limit(limit).ToList().Select(OutboxShape.Instance.FromDocument).ToList();

    /// <summary>The broker has the events up to <paramref name="id"/>: they leave the outbox.</summary>
    public void Acknowledge(long id)
    {
        lock (_gate)
        {
            _acknowledged = Math.Max(_acknowledged, id);
            SaveMetaLocked(); // before the delete: a crash in between must not let ids be handed out again
            int deleted = Entries.DeleteMany(Query.LTE("_id", id));
            _count -= deleted;
        }
    }

    /// <summary>The broker refused one event (it is skipped): counted as dropped.</summary>
    public void CountRefused()
    {
        lock (_gate)
        {
            _dropped++;
            SaveMetaLocked();
        }
    }

    private void DropLocked(BsonExpression which)
    {
        // The last id is saved before anything is deleted: a crash in between must not let ids be handed out again.
        SaveMetaLocked();
        int deleted = Entries.DeleteMany(which);
        if (deleted > 0)
        {
            _count -= deleted;
            _dropped += deleted;
            SaveMetaLocked();
        }
    }

    private void SaveMetaLocked() =>
        _db.Collection("meta").Upsert(new BsonDocument { ["_id"] = MetaId, ["acknowledged"] = _acknowledged, ["dropped"] = _dropped, ["lastId"] = _nextId - 1 });
}
