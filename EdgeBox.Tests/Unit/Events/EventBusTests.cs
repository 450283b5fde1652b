using EdgeBox.Events;
using EdgeBox.Storage;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Events;

public sealed class EventBusTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly EdgeBoxDatabase _db;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public EventBusTests() => _db = EdgeBoxDatabase.Open(_dir.Path, _time, NullLogger.Instance);

    [Fact]
    public void Events_are_stored_with_increasing_ids_and_queried_by_since_type_and_path()
    {
        var bus = new EventBus(_db, _time, NullLogger<EventBus>.Instance);
        var seen = new List<EdgeBoxEvent>();
        bus.Published += seen.Add;

        bus.Publish(EventTypes.SourceReady, "cam1", "s1", "ready");
        _time.Advance(TimeSpan.FromSeconds(1));
        bus.Publish(EventTypes.ReaderJoined, "cam1", "s2", "joined");
        bus.Publish(EventTypes.SourceReady, "cam2", "s3", "ready");

        Assert.Equal(3, seen.Count);
        Assert.True(seen[0].Id < seen[1].Id && seen[1].Id < seen[2].Id);
        Assert.Equal(seen, bus.Query(0, null, null, 100));
        Assert.Equal([seen[1], seen[2]], bus.Query(seen[0].Id, null, null, 100));
        Assert.Equal([seen[0], seen[2]], bus.Query(0, EventTypes.SourceReady, null, 100));
        Assert.Equal([seen[0], seen[1]], bus.Query(0, null, "cam1", 100));
        Assert.Equal([seen[0]], bus.Query(0, null, null, 1));
        Assert.Equal(_time.GetUtcNow(), seen[2].Time);
    }

    [Fact]
    public void A_store_that_fails_still_delivers_to_subscribers()
    {
        var bus = new EventBus(_db, _time, NullLogger<EventBus>.Instance);
        var seen = new List<EdgeBoxEvent>();
        bus.Published += seen.Add;
        _db.Dispose();

        bus.Publish(EventTypes.ReaderDropped, "cam1", null, "dropped");

        Assert.Single(seen);
    }

    public void Dispose()
    {
        _db.Dispose();
        _dir.Dispose();
    }
}
