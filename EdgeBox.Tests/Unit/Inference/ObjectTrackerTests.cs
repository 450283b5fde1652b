using EdgeBox.Configuration;
using EdgeBox.Inference;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class ObjectTrackerTests
{
    private readonly FakeTimeProvider _time = new();

    private static Detection At(int label, float x, float y, float size = 0.2f, float score = 0.9f) => new(label, score, new BoundingBox(x, y, x + size, y + size));

    [Fact]
    public void An_object_that_moves_a_little_keeps_its_id_and_a_new_one_gets_the_next()
    {
        var tracker = new ObjectTracker(_time, TimeSpan.FromSeconds(2));
        var lost = new List<TrackedObject>();
        tracker.Update([At(0, 0.1f, 0.1f)], _time.GetTimestamp(), lost);
        long first = Assert.Single(tracker.Objects).Id;

        _time.Advance(TimeSpan.FromMilliseconds(200));
        tracker.Update([At(0, 0.13f, 0.11f), At(0, 0.6f, 0.6f)], _time.GetTimestamp(), lost);
        Assert.Equal(2, tracker.Objects.Count);
        var moved = tracker.Objects.Single(o => o.Id == first);
        Assert.Equal((2, 0.13f), (moved.Hits, moved.Last.Box.X1));
        Assert.Equal(first + 1, tracker.Objects.Single(o => o.Id != first).Id);
        Assert.Empty(lost);
    }

    [Fact]
    public void Labels_are_never_matched_across_and_the_best_overlap_wins()
    {
        var tracker = new ObjectTracker(_time, TimeSpan.FromSeconds(2));
        var lost = new List<TrackedObject>();
        tracker.Update([At(0, 0.1f, 0.1f), At(0, 0.2f, 0.1f)], _time.GetTimestamp(), lost);
        var (a, b) = (tracker.Objects[0], tracker.Objects[1]);

        // A car where object a was is a new object; the person box now closer to b's place goes to b.
        tracker.Update([At(1, 0.1f, 0.1f), At(0, 0.21f, 0.1f)], _time.GetTimestamp(), lost);
        Assert.Equal(2, b.Hits);
        Assert.Equal(1, a.Hits);
        Assert.Contains(tracker.Objects, o => o.Label == 1 && o.Hits == 1);
    }

    [Fact]
    public void An_object_not_seen_for_lost_after_has_left()
    {
        var tracker = new ObjectTracker(_time, TimeSpan.FromSeconds(2));
        var lost = new List<TrackedObject>();
        tracker.Update([At(0, 0.1f, 0.1f)], _time.GetTimestamp(), lost);
        _time.Advance(TimeSpan.FromSeconds(1.9));
        tracker.Update([], _time.GetTimestamp(), lost);
        Assert.Single(tracker.Objects);
        Assert.Empty(lost);

        _time.Advance(TimeSpan.FromSeconds(0.2));
        tracker.Update([], _time.GetTimestamp(), lost);
        Assert.Empty(tracker.Objects);
        Assert.Single(lost);
    }

    [Fact]
    public void Zones_contain_points_inside_their_polygon()
    {
        var triangle = new Zone("t", [0f, 0f, 1f, 0f, 0f, 1f]);
        Assert.True(triangle.Contains(0.2f, 0.2f));
        Assert.False(triangle.Contains(0.8f, 0.8f));
        var square = new Zone("door", [0.5f, 0.5f, 1f, 0.5f, 1f, 1f, 0.5f, 1f]);
        Assert.True(square.Contains(0.75f, 0.99f));
        Assert.False(square.Contains(0.25f, 0.75f));
    }
}
