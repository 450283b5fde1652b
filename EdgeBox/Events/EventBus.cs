using EdgeBox.Storage;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Events;

/// <summary>
/// The in-process event bus: events are stored in LiteDB (newest <see cref="Keep"/> kept) and handed to
/// subscribers (later: the console's SSE stream and the uplink outbox). Publishing never throws: a
/// storage failure is logged and the event still reaches subscribers.
/// </summary>
internal sealed partial class EventBus(EdgeBoxDatabase database, TimeProvider time, ILogger<EventBus> logger)
{
    /// <summary>Events kept in the store; older ones are deleted as new ones arrive.</summary>
    public const int Keep = 100_000;

    private readonly Lock _gate = new();
    private long _inserted;

    public event Action<EdgeBoxEvent>? Published;

    public void Publish(string type, string? path, string? session, string message) =>
        Publish(new EdgeBoxEvent(0, time.GetUtcNow(), type, path, session, message));

    /// <summary>Stores <paramref name="item"/> (its id is assigned) and hands it to subscribers; returns it with its id (0 when storing failed).</summary>
    public EdgeBoxEvent Publish(EdgeBoxEvent item)
    {
        try
        {
            var collection = database.SequentialCollection(EventShape.Instance.Collection);
            lock (_gate)
            {
                var id = collection.Insert(EventShape.Instance.ToDocument(item));
                item = item with { Id = id.AsInt64 };
                if (++_inserted % 1000 == 0)
                {
                    collection.DeleteMany(LiteDB.Query.LTE("_id", item.Id - Keep));
                }
            }
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidCastException)
        {
            Log.StoreFailed(logger, item.Type, ex.Message);
        }

        Published?.Invoke(item);
        return item;
    }

    /// <summary>Replaces a stored event (a detection that ended, a better snapshot); subscribers hear of it again.</summary>
    public void Update(EdgeBoxEvent item)
    {
        if (item.Id <= 0)
        {
            return;
        }

        try
        {
            lock (_gate)
            {
                database.Collection(EventShape.Instance.Collection).Update(EventShape.Instance.ToDocument(item));
            }
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidCastException)
        {
            Log.StoreFailed(logger, item.Type, ex.Message);
        }

        Updated?.Invoke(item);
    }

    /// <summary>Raised after <see cref="Update"/>.</summary>
    public event Action<EdgeBoxEvent>? Updated;

    /// <summary>The stored event <paramref name="id"/>, or null.</summary>
    public EdgeBoxEvent? Find(long id)
    {
        var document = database.Collection(EventShape.Instance.Collection).FindById(id);
        return document is null ? null : EventShape.Instance.FromDocument(document);
    }

    /// <summary>The id of the oldest event still stored (0 when none).</summary>
    public long OldestId()
    {
        var first = database.Collection(EventShape.Instance.Collection).Query().OrderBy("_id").Limit(1).ToList();
        return first.Count == 0 ? 0 : first[0]["_id"].AsInt64;
    }

    /// <summary>
    /// Events filtered by type, path, detection label and time (<paramref name="from"/> inclusive,
    /// <paramref name="to"/> exclusive): after <paramref name="since"/> oldest first, or when
    /// <paramref name="before"/> is given, before that id newest first (pages of a list that grows).
    /// </summary>
    public IReadOnlyList<EdgeBoxEvent> Query(EventQuery query, int limit)
    {
        var q = database.Collection(EventShape.Instance.Collection).Query();
        q = query.Before is { } before ? q.Where(LiteDB.Query.LT("_id", before)) : q.Where(LiteDB.Query.GT("_id", query.Since));
        if (query.Type is not null)
        {
            q = q.Where(LiteDB.Query.EQ("type", query.Type));
        }

        if (query.Path is not null)
        {
            q = q.Where(LiteDB.Query.EQ("path", query.Path));
        }

        if (query.Label is not null)
        {
            q = q.Where(LiteDB.Query.EQ("detection.label", query.Label));
        }

        if (query.From is { } from)
        {
            q = q.Where(LiteDB.Query.GTE("time", from.ToUnixTimeMilliseconds()));
        }

        if (query.To is { } to)
        {
            q = q.Where(LiteDB.Query.LT("time", to.ToUnixTimeMilliseconds()));
        }

        var ordered = query.Before is null ? q.OrderBy("_id") : q.OrderByDescending("_id");
        return ordered.Limit(limit).ToList().Select(EventShape.Instance.FromDocument).ToList();
    }

    /// <summary>Events after <paramref name="since"/> (an id), filtered, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<EdgeBoxEvent> Query(long since, string? type, string? path, int limit) =>
        Query(new EventQuery { Since = since, Type = type, Path = path }, limit);

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.EventStoreFailed, EventName = "EventStoreFailed", Level = LogLevel.Error,
            Message = "Event {Type} could not be stored: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string type, string reason);
    }
}

/// <summary>Filters of <see cref="EventBus.Query(EventQuery, int)"/>.</summary>
internal sealed record EventQuery
{
    public long Since { get; init; }

    public long? Before { get; init; }

    public string? Type { get; init; }

    public string? Path { get; init; }

    public string? Label { get; init; }

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }
}
