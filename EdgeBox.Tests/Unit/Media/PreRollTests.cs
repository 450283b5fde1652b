using EdgeBox.Configuration;
using EdgeBox.Media;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Media;

/// <summary>The pre-roll buffer and readers that start in the past (event clips).</summary>
public sealed class PreRollTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly MediaBufferPool _pool = new();

    private AccessUnit Unit(int track, bool key, byte marker, int size = 4) =>
        new(track, 0, key, _pool.Rent([marker, .. new byte[size - 1]]), _time.GetTimestamp());

    private static byte[] Markers(List<AccessUnit> units)
    {
        var markers = units.Select(u => u.Payload[0]).ToArray();
        units.ForEach(u => u.Release());
        return markers;
    }

    /// <summary>One picture every 100 ms, a keyframe every 10 (a 1-s GOP); markers count up from 0.</summary>
    private void Feed(PreRollBuffer buffer, int pictures, int firstMarker = 0)
    {
        for (int i = 0; i < pictures; i++)
        {
            int n = firstMarker + i;
            var unit = Unit(0, n % 10 == 0, (byte)n);
            buffer.Add(unit, unit.Keyframe, _time.GetTimestamp());
            unit.Release();
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void It_keeps_whole_groups_reaching_back_at_least_the_window_and_nothing_older()
    {
        var buffer = new PreRollBuffer(_time) { Window = TimeSpan.FromSeconds(2.5) };
        Feed(buffer, 100); // 10 s

        // Now is 10.0 s; the last picture came at 9.9. Groups start at 7, 8, 9 s: 7 is the latest start >= 2.5 s old.
        var all = buffer.Take(TimeSpan.FromMinutes(1), _time.GetTimestamp());
        Assert.Equal(70, all[0].Payload[0]);
        Assert.Equal(30, all.Count);
        Markers(all);
        Assert.Equal(30, buffer.Count);

        buffer.Clear();
        Assert.Equal(0, buffer.Count);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Theory]
    [InlineData(0.0, 90)] // no pre-roll: the latest keyframe
    [InlineData(1.0, 90)] // 9 s is 1.0 s old
    [InlineData(1.05, 80)]
    [InlineData(2.5, 70)]
    [InlineData(30, 70)] // more than the buffer holds: its oldest keyframe
    public void Take_starts_at_the_latest_keyframe_at_least_that_old(double seconds, int first)
    {
        var buffer = new PreRollBuffer(_time) { Window = TimeSpan.FromSeconds(2.5) };
        Feed(buffer, 100);
        var taken = buffer.Take(TimeSpan.FromSeconds(seconds), _time.GetTimestamp());
        Assert.Equal(first, taken[0].Payload[0]);
        Assert.Equal(99, taken[^1].Payload[0]);
        Markers(taken);
        buffer.Clear();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void It_starts_at_a_keyframe_and_a_window_of_zero_keeps_nothing()
    {
        var buffer = new PreRollBuffer(_time) { Window = TimeSpan.FromSeconds(5) };
        Feed(buffer, 5, firstMarker: 5); // 5..9: no keyframe yet
        Assert.Equal(0, buffer.Count);
        Feed(buffer, 3, firstMarker: 10);
        Assert.Equal([10, 11, 12], Markers(buffer.Take(TimeSpan.FromSeconds(5), _time.GetTimestamp())));

        buffer.Window = TimeSpan.Zero;
        Feed(buffer, 1, firstMarker: 13);
        Assert.Equal(0, buffer.Count);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void The_byte_bound_drops_old_groups_but_keeps_the_newest()
    {
        var buffer = new PreRollBuffer(_time) { Window = TimeSpan.FromMinutes(1), MaxBytes = 1000 };
        for (int i = 0; i < 40; i++)
        {
            var unit = Unit(0, i % 10 == 0, (byte)i, size: 100);
            buffer.Add(unit, unit.Keyframe, _time.GetTimestamp());
            unit.Release();
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.InRange(buffer.Bytes, 100, 1000);
        Assert.Equal(30, buffer.Take(TimeSpan.FromMinutes(1), _time.GetTimestamp()) is var taken ? taken[0].Payload[0] : -1);
        Markers(taken);

        var huge = new PreRollBuffer(_time) { Window = TimeSpan.FromMinutes(1), MaxBytes = 10 };
        var key = Unit(0, true, 1, size: 100);
        huge.Add(key, true, _time.GetTimestamp());
        key.Release();
        Assert.Equal(1, huge.Count); // a group is never cut: the newest stays even over the bound
        huge.Clear();
        buffer.Clear();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void A_reader_with_history_gets_the_pre_roll_and_then_every_live_unit_without_a_gap_or_a_repeat()
    {
        var path = new MediaPath("cam1", PathConfig.BuiltInDefaults with { PreRoll = TimeSpan.FromSeconds(3) }, new MediaOptions(), _time, _ => { });
        MediaTrack[] tracks = [new(0, CodecId.H264, 90000, 0, CodecParameters.None), new(1, CodecId.Aac, 48000, 2, CodecParameters.None)];
        Assert.Equal(PublishRefusal.None, path.TryPublish("pub", "test", tracks, false, out var source));
        for (int i = 0; i < 60; i++)
        {
            source!.Write(Unit(0, i % 10 == 0, (byte)i));
            source.Write(Unit(1, true, (byte)(100 + i)));
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var reader = path.TryAddReader("clip", 0, TimeSpan.FromSeconds(2.5), out var past)!;
        source!.Write(Unit(0, false, 60));
        var live = new List<AccessUnit>();
        while (reader.Units.TryRead(out var unit))
        {
            live.Add(unit);
        }

        var markers = Markers(past);
        Assert.Equal(30, markers[0]); // now is 6.0 s: the keyframe at 3.0 s is the latest at least 2.5 s old
        Assert.Equal(159, markers[^1]);
        Assert.Equal([60], Markers(live));

        var plain = path.TryAddReader("rtsp", 0, TimeSpan.Zero, out var none)!;
        Assert.Empty(none);
        plain.Dispose();
        reader.Dispose();
        source.Dispose();
        path.Close(ReaderCloseReason.Closed);
        Assert.Equal(0, _pool.Outstanding);
    }
}
