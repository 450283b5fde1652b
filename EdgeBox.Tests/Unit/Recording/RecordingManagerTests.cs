using EdgeBox.Configuration;
using EdgeBox.Events;
using EdgeBox.Infrastructure;
using EdgeBox.Media;
using EdgeBox.Recording;
using EdgeBox.Storage;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Tests.Unit.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Recording;

/// <summary>Clip locks as retention and deletion see them, and the refusals of a range deletion, on a real LiteDB file.</summary>
public sealed class RecordingManagerTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T0.AddMinutes(5));
    private readonly TestMeterFactory _meters = new();
    private readonly EdgeBoxDatabase _db;
    private readonly SegmentIndex _index;
    private readonly ClipStore _clips;
    private readonly RecordingManager _manager;

    public RecordingManagerTests()
    {
        _db = EdgeBoxDatabase.Open(_dir.Path, _time, NullLogger.Instance);
        _index = new SegmentIndex(_db);
        _clips = new ClipStore(_db);
        var config = ConfigLoader.Load("paths:\n  cam1: { record: true }\n").Config!;
        _manager = new RecordingManager(config, _dir.Path, new PathManager(config, new MediaOptions(), _time, NullLogger<PathManager>.Instance), _index, _clips,
            new EventBus(_db, _time, NullLogger<EventBus>.Instance), new EdgeBoxMetrics(_meters, _time, () => 0, () => []), _time, NullLoggerFactory.Instance);
    }

    private RecordedSegment Segment(int fromSecond, int toSecond, bool complete = true) =>
        _index.Upsert(new RecordedSegment("cam1", $"recordings/cam1/{fromSecond}.mp4", T0.AddSeconds(fromSecond), T0.AddSeconds(toSecond), 1000) { Complete = complete });

    [Fact]
    public void A_clip_locks_the_segments_it_overlaps_until_its_keep_time_and_retention_passes_them_over()
    {
        var a = Segment(0, 10);
        var b = Segment(10, 20);
        var c = Segment(20, 30);
        var keep = _time.GetUtcNow().AddHours(1);
        _clips.Add(new RecordedClip("cam1", T0.AddSeconds(12), T0.AddSeconds(14), "door", keep));
        _clips.Add(new RecordedClip("cam2", T0, T0.AddMinutes(1), "other path", keep.AddDays(1)));

        var seen = _manager.WithLocks(_index.All(), _time.GetUtcNow());
        Assert.Equal([null, keep, null], seen.Select(s => s.LockedUntil));

        // Retention by size with room for one segment: the oldest unlocked ones go, never the clip's.
        var doomed = RetentionPolicy.ForPath(seen, new RetentionSettings(null, 1000), _time.GetUtcNow());
        Assert.Equal([a.Id, c.Id], doomed.Select(s => s.Id));

        using (_manager.Lease([a.Id]))
        {
            Assert.Equal(DateTimeOffset.MaxValue, _manager.WithLocks(_index.All(), _time.GetUtcNow())[0].LockedUntil);
        }

        _time.Advance(TimeSpan.FromHours(2));
        Assert.All(_manager.WithLocks(_index.All(), _time.GetUtcNow()), s => Assert.False(s.IsLocked(_time.GetUtcNow())));
        Assert.Equal(3, RetentionPolicy.ForPath(_manager.WithLocks(_index.All(), _time.GetUtcNow()), new RetentionSettings(TimeSpan.FromMinutes(1), null), _time.GetUtcNow()).Count);
        Assert.Equal(b.Id, _index.All()[1].Id);
    }

    [Fact]
    public async Task A_range_deletion_is_refused_whole_for_a_locked_clip_the_open_segment_a_backward_range_or_nothing_recorded()
    {
        Segment(0, 10);
        Segment(10, 20);
        Segment(20, 30, complete: false);
        var clip = _clips.Add(new RecordedClip("cam1", T0.AddSeconds(2), T0.AddSeconds(3), "door", _time.GetUtcNow().AddDays(1)));

        var locked = await _manager.DeleteRangeAsync("cam1", T0, T0.AddSeconds(15), CancellationToken.None);
        Assert.Equal(409, locked.Status);
        Assert.Contains($"event clip {clip.Id}", locked.Error, StringComparison.Ordinal);

        var open = await _manager.DeleteRangeAsync("cam1", T0.AddSeconds(12), T0.AddSeconds(25), CancellationToken.None);
        Assert.Equal(409, open.Status);
        Assert.Contains("being recorded now", open.Error, StringComparison.Ordinal);

        Assert.Equal(400, (await _manager.DeleteRangeAsync("cam1", T0.AddSeconds(5), T0.AddSeconds(5), CancellationToken.None)).Status);
        Assert.Equal(404, (await _manager.DeleteRangeAsync("cam1", T0.AddHours(1), T0.AddHours(2), CancellationToken.None)).Status);
        Assert.Equal(404, (await _manager.DeleteRangeAsync("nosuch", T0, T0.AddHours(2), CancellationToken.None)).Status);
        Assert.Equal(3, _index.All().Count); // nothing was touched
    }

    public async ValueTask DisposeAsync()
    {
        await _manager.DisposeAsync();
        _db.Dispose();
        _meters.Dispose();
        _dir.Dispose();
    }
}
