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

    public void Publish(string type, string? path, string? session, string message)
    {
        var item = new EdgeBoxEvent(0, time.GetUtcNow(), type, path, session, message);
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
            Log.StoreFailed(logger, type, ex.Message);
        }

        Published?.Invoke(item);
    }

    /// <summary>Events after <paramref name="since"/> (an id), filtered, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<EdgeBoxEvent> Query(long since, string? type, string? path, int limit)
    {
        var query = database.Collection(EventShape.Instance.Collection).Query().Where(LiteDB.Query.GT("_id", since));
        if (type is not null)
        {
            query = query.Where(LiteDB.Query.EQ("type", type));
        }

        if (path is not null)
        {
            query = query.Where(LiteDB.Query.EQ("path", path));
        }

        return query.OrderBy("_id").Limit(limit).ToList().Select(EventShape.Instance.FromDocument).ToList();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.EventStoreFailed, EventName = "EventStoreFailed", Level = LogLevel.Error,
            Message = "Event {Type} could not be stored: {Reason}")]
        public static partial void StoreFailed(ILogger logger, string type, string reason);
    }
}
