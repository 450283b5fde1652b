using EdgeBox.Recording;

namespace EdgeBox.Tests.Unit.Recording;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Ten 10-minute segments of 100 bytes from T0, the last one still being written.</summary>
    private static List<RecordedSegment> Day(string path = "cam1") =>
        [.. Enumerable.Range(0, 10).Select(i => new RecordedSegment(path, $"{path}/{i}.mp4", T0.AddMinutes(10 * i), T0.AddMinutes(10 * (i + 1)), 100)
        {
            Id = i + 1,
            Complete = i < 9,
        })];

    [Fact]
    public void Age_deletes_what_ended_before_the_cutoff_oldest_first()
    {
        var doomed = RetentionPolicy.ForPath(Day(), new RetentionSettings(TimeSpan.FromMinutes(60), null), T0.AddMinutes(95));
        Assert.Equal([1, 2, 3], doomed.Select(s => s.Id));
    }

    [Fact]
    public void Size_deletes_oldest_first_until_the_path_fits_and_never_a_locked_clip_or_the_open_segment()
    {
        var day = Day();
        day[0] = day[0] with { LockedUntil = T0.AddDays(1) };
        var doomed = RetentionPolicy.ForPath(day, new RetentionSettings(null, 450), T0.AddMinutes(100));
        Assert.Equal([2, 3, 4, 5, 6, 7], doomed.Select(s => s.Id)); // 1000 - 6 x 100 = 400 <= 450, skipping the locked first one
        Assert.DoesNotContain(doomed, s => s.Id is 1 or 10);
    }

    [Fact]
    public void A_lock_that_expired_no_longer_protects()
    {
        var day = Day();
        day[0] = day[0] with { LockedUntil = T0.AddMinutes(30) };
        var doomed = RetentionPolicy.ForPath(day, new RetentionSettings(TimeSpan.FromMinutes(60), null), T0.AddMinutes(95));
        Assert.Equal([1, 2, 3], doomed.Select(s => s.Id));
    }

    [Fact]
    public void Age_and_size_together_count_what_age_already_removes()
    {
        var doomed = RetentionPolicy.ForPath(Day(), new RetentionSettings(TimeSpan.FromMinutes(60), 700), T0.AddMinutes(95));
        Assert.Equal([1, 2, 3], doomed.Select(s => s.Id)); // 1000 - 300 = 700: fits
    }

    [Fact]
    public void The_free_disk_floor_takes_the_oldest_segments_of_any_path()
    {
        var all = Day("a").Concat(Day("b").Select(s => s with { Start = s.Start.AddMinutes(5), End = s.End.AddMinutes(5), Id = s.Id + 100 })).ToList();
        var doomed = RetentionPolicy.ForFreeSpace(all, freeBytes: 50, floorBytes: 320, T0.AddHours(2));
        Assert.Equal(["a/0.mp4", "b/0.mp4", "a/1.mp4"], doomed.Select(s => s.File));
        Assert.Empty(RetentionPolicy.ForFreeSpace(all, 500, 320, T0.AddHours(2)));
    }

    [Fact]
    public void No_limits_delete_nothing() =>
        Assert.Empty(RetentionPolicy.ForPath(Day(), new RetentionSettings(null, null), T0.AddDays(30)));
}
