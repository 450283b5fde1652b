using EdgeBox.Storage;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Uplink;

public sealed class UplinkOutboxTests : IDisposable
{
    private const int Unbounded = 1_000_000;

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private EdgeBoxDatabase _db;

    public UplinkOutboxTests() => _db = Open();

    private EdgeBoxDatabase Open() => EdgeBoxDatabase.Open(_dir.Path, _time, NullLogger.Instance);

    /// <summary>A new outbox on the database closed and opened again: what the box has after a restart.</summary>
    private UplinkOutbox Reopen()
    {
        _db.Dispose();
        _db = Open();
        return new UplinkOutbox(_db, _time);
    }

    private static long[] Ids(UplinkOutbox outbox) => [.. outbox.Peek(Unbounded).Select(e => e.Id)];

    private static void Enqueue(UplinkOutbox outbox, int count, int maxEvents = Unbounded)
    {
        for (int i = 0; i < count; i++)
        {
            outbox.Enqueue("detection", $"{{\"n\":{i}}}", maxEvents);
        }
    }

    [Fact]
    public void Ids_increase_and_peek_gives_the_oldest_first()
    {
        var outbox = new UplinkOutbox(_db, _time);

        Assert.Equal(1, outbox.Enqueue("detection", "{\"a\":1}", Unbounded));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, outbox.Enqueue("recording", "{\"b\":\"ü\"}", Unbounded));
        Assert.Equal(3, outbox.Enqueue("detection", "{}", Unbounded));

        Assert.Equal(3, outbox.Count);
        var first = outbox.Peek(2);
        Assert.Equal(
            [new OutboxEntry(1, _time.GetUtcNow() - TimeSpan.FromSeconds(1), "detection", "{\"a\":1}"), new OutboxEntry(2, _time.GetUtcNow(), "recording", "{\"b\":\"ü\"}")],
            first);
        Assert.Equal([1L, 2, 3], Ids(outbox));
        Assert.Equal(3, outbox.Count); // peeking takes nothing out
    }

    [Fact]
    public void Acknowledge_removes_the_events_up_to_the_id()
    {
        var outbox = new UplinkOutbox(_db, _time);
        Enqueue(outbox, 4);

        outbox.Acknowledge(2);

        Assert.Equal([3L, 4], Ids(outbox));
        Assert.Equal(2, outbox.Count);
        Assert.Equal(2, outbox.Acknowledged);

        outbox.Acknowledge(1); // a late acknowledgement of what is gone already
        Assert.Equal(2, outbox.Acknowledged);
        Assert.Equal(2, outbox.Count);
    }

    [Fact]
    public void Ids_keep_growing_after_everything_was_acknowledged_and_after_a_reopen()
    {
        var outbox = new UplinkOutbox(_db, _time);
        Enqueue(outbox, 3);
        outbox.Acknowledge(3);
        Assert.Equal(0, outbox.Count);
        Assert.Equal(4, outbox.Enqueue("detection", "{}", Unbounded));
        outbox.Acknowledge(4);

        var reopened = Reopen();

        Assert.Equal(0, reopened.Count);
        Assert.Equal(4, reopened.Acknowledged);
        Assert.Equal(5, reopened.Enqueue("detection", "{}", Unbounded));
    }

    [Fact]
    public void Waiting_events_and_their_ids_survive_a_reopen()
    {
        var outbox = new UplinkOutbox(_db, _time);
        Enqueue(outbox, 3);
        outbox.Acknowledge(1);

        var reopened = Reopen();

        Assert.Equal(2, reopened.Count);
        Assert.Equal([2L, 3], Ids(reopened));
        Assert.Equal(4, reopened.Enqueue("detection", "{}", Unbounded));
    }

    [Fact]
    public void Beyond_max_events_the_oldest_are_dropped_and_counted_across_a_reopen()
    {
        var outbox = new UplinkOutbox(_db, _time);
        Enqueue(outbox, 13, maxEvents: 10);

        Assert.Equal(10, outbox.Count);
        Assert.Equal(3, outbox.Dropped);
        Assert.Equal(Enumerable.Range(4, 10).Select(i => (long)i), Ids(outbox));

        var reopened = Reopen();
        Assert.Equal(3, reopened.Dropped);
        Assert.Equal(10, reopened.Count);

        // A smaller bound (a config change) takes effect at the next event.
        Enqueue(reopened, 1, maxEvents: 5);
        Assert.Equal(5, reopened.Count);
        Assert.Equal(9, reopened.Dropped);
        Assert.Equal([10L, 11, 12, 13, 14], Ids(reopened));
    }

    [Fact]
    public void Events_older_than_max_age_expire_and_are_counted()
    {
        var outbox = new UplinkOutbox(_db, _time);
        Enqueue(outbox, 2);
        _time.Advance(TimeSpan.FromMinutes(59));
        Enqueue(outbox, 1);
        _time.Advance(TimeSpan.FromMinutes(2));

        outbox.Expire(TimeSpan.FromHours(1));

        Assert.Equal([3L], Ids(outbox));
        Assert.Equal(2, outbox.Dropped);
        Assert.Equal(1, outbox.Count);
        Assert.Equal(0, outbox.Acknowledged);

        outbox.Expire(TimeSpan.FromHours(1));
        Assert.Equal(2, outbox.Dropped);
        Assert.Equal(2, Reopen().Dropped);
    }

    [Fact]
    public void Ids_keep_growing_after_every_waiting_event_expired_and_a_reopen()
    {
        // The receiver de-duplicates by id and sees drops as gaps: an id must never be handed out twice.
        var outbox = new UplinkOutbox(_db, _time);
        Enqueue(outbox, 3);
        _time.Advance(TimeSpan.FromDays(8));
        outbox.Expire(TimeSpan.FromDays(7));
        Assert.Equal(0, outbox.Count);
        Assert.Equal(3, outbox.Dropped);

        var reopened = Reopen();

        Assert.Equal(4, reopened.Enqueue("detection", "{}", Unbounded));
    }

    public void Dispose()
    {
        _db.Dispose();
        _dir.Dispose();
    }
}
