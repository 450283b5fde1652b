using EdgeBox.Configuration;
using EdgeBox.Media;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Media;

public sealed class MediaPathTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly MediaBufferPool _pool = new();
    private readonly List<PathReader> _dropped = [];

    private MediaPath NewPath(MediaOptions? options = null) =>
        new("cam1", PathConfig.BuiltInDefaults, options ?? new MediaOptions(), _time, _dropped.Add);

    private static MediaTrack[] VideoAndAudio() =>
    [
        new MediaTrack(0, CodecId.H264, 90000, 0, CodecParameters.None),
        new MediaTrack(1, CodecId.Aac, 48000, 2, CodecParameters.None),
    ];

    private AccessUnit Unit(int track, long pts, bool key, byte marker) =>
        new(track, pts, key, _pool.Rent([marker, 1, 2, 3]), _time.GetTimestamp());

    private static List<AccessUnit> Drain(PathReader reader)
    {
        var units = new List<AccessUnit>();
        while (reader.Units.TryRead(out var unit))
        {
            units.Add(unit);
        }

        return units;
    }

    private static byte[] Markers(List<AccessUnit> units)
    {
        var markers = units.Select(u => u.Payload[0]).ToArray();
        units.ForEach(u => u.Release());
        return markers;
    }

    [Fact]
    public void Every_reader_gets_every_unit_in_order_and_buffers_return_to_the_pool()
    {
        var path = NewPath();
        Assert.Equal(PublishRefusal.None, path.TryPublish("pub", "test", VideoAndAudio(), false, out var source));
        var readers = Enumerable.Range(0, 5).Select(_ => path.TryAddReader("test", 0)!).ToList();

        source!.Write(Unit(0, 0, true, 1));
        source.Write(Unit(1, 0, true, 2));
        source.Write(Unit(0, 3000, false, 3));

        foreach (var reader in readers)
        {
            Assert.Equal(new byte[] { 1, 2, 3 }, Markers(Drain(reader)));
        }

        foreach (var reader in readers)
        {
            reader.Dispose();
        }

        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void New_reader_starts_with_the_cached_gop_from_its_keyframe()
    {
        var path = NewPath();
        path.TryPublish("pub", "test", VideoAndAudio(), false, out var source);
        source!.Write(Unit(0, 0, false, 9)); // P-frame before any keyframe: not cached
        source.Write(Unit(0, 3000, true, 1));
        source.Write(Unit(1, 100, true, 2));
        source.Write(Unit(0, 6000, false, 3));

        var late = path.TryAddReader("test", 0)!;
        Assert.Equal(new byte[] { 1, 2, 3 }, Markers(Drain(late)));

        source.Write(Unit(0, 9000, false, 4));
        Assert.Equal(new byte[] { 4 }, Markers(Drain(late)));

        late.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Reader_joining_before_any_keyframe_skips_to_the_first_one()
    {
        var path = NewPath();
        path.TryPublish("pub", "test", VideoAndAudio(), false, out var source);
        var reader = path.TryAddReader("test", 0)!;

        source!.Write(Unit(0, 0, false, 1));
        source.Write(Unit(1, 0, true, 2)); // audio before the first picture: skipped too (A/V start together)
        source.Write(Unit(0, 3000, true, 3));
        source.Write(Unit(1, 100, true, 4));

        Assert.Equal(new byte[] { 3, 4 }, Markers(Drain(reader)));
        reader.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Slow_reader_loses_its_queue_resumes_at_a_keyframe_and_does_not_slow_the_others()
    {
        var path = NewPath(new MediaOptions { ReaderQueueSize = 4 });
        path.TryPublish("pub", "test", VideoAndAudio(), false, out var source);
        var slow = path.TryAddReader("slow", 0)!;
        var fast = path.TryAddReader("fast", 0)!;
        var fastUnits = new List<AccessUnit>();

        source!.Write(Unit(0, 0, true, 10));
        for (byte i = 11; i < 20; i++)
        {
            source.Write(Unit(0, i * 3000, false, i));
            fastUnits.AddRange(Drain(fast));
        }

        source.Write(Unit(0, 60000, true, 20)); // the next keyframe
        source.Write(Unit(0, 63000, false, 21));
        fastUnits.AddRange(Drain(fast));

        Assert.Equal(Enumerable.Range(10, 12).Select(i => (byte)i), Markers(fastUnits));
        Assert.Equal(new byte[] { 20, 21 }, Markers(Drain(slow)));
        Assert.True(slow.FramesDropped >= 4);
        Assert.Empty(_dropped);

        slow.Dispose();
        fast.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task Reader_that_stays_behind_longer_than_the_max_lag_is_dropped()
    {
        var path = NewPath(new MediaOptions { ReaderQueueSize = 2, ReaderMaxLag = TimeSpan.FromSeconds(5) });
        path.TryPublish("pub", "test", VideoAndAudio(), false, out var source);
        var stuck = path.TryAddReader("stuck", 0)!;

        for (int i = 0; i < 200; i++)
        {
            source!.Write(Unit(0, i * 3000, i % 25 == 0, (byte)i));
            _time.Advance(TimeSpan.FromMilliseconds(40));
        }

        Assert.Equal(ReaderCloseReason.TooSlow, await stuck.Closed.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Same(stuck, Assert.Single(_dropped));
        Assert.Empty(path.Readers);
        stuck.Dispose();
        source!.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void A_reader_that_falls_behind_asks_the_source_for_a_keyframe_at_most_twice_a_second()
    {
        var path = NewPath(new MediaOptions { ReaderQueueSize = 2 });
        path.TryPublish("pub", "test", VideoAndAudio(), false, out var source);
        int requests = 0;
        source!.KeyframeRequested = () => requests++;
        source.Write(Unit(0, 0, true, 1));
        var slow = path.TryAddReader("slow", 0)!; // joins with a cached GOP: no request
        Assert.Equal(0, requests);

        for (byte i = 2; i < 12; i++)
        {
            source.Write(Unit(0, i * 3000, false, i)); // slow never reads: behind over and over
        }

        Assert.Equal(1, requests);
        _time.Advance(MediaPath.KeyframeRequestInterval);
        source.Write(Unit(0, 40000, true, 12));
        for (byte i = 13; i < 16; i++)
        {
            source.Write(Unit(0, i * 3000, false, i));
        }

        Assert.Equal(2, requests);
        Drain(slow).ForEach(u => u.Release());
        slow.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void A_reader_joining_a_video_path_with_nothing_cached_asks_for_a_keyframe()
    {
        var path = NewPath();
        path.TryPublish("pub", "test", VideoAndAudio(), false, out var source);
        int requests = 0;
        source!.KeyframeRequested = () => requests++;
        using var reader = path.TryAddReader("test", 0)!;
        Assert.Equal(1, requests);
        path.RequestKeyframe(); // within the interval: coalesced
        Assert.Equal(1, requests);
        source.Dispose();
    }

    [Fact]
    public void Second_publisher_is_refused_unless_override_is_allowed()
    {
        var path = NewPath();
        Assert.Equal(PublishRefusal.None, path.TryPublish("a", "test", VideoAndAudio(), false, out var first));
        Assert.Equal(PublishRefusal.SourceBusy, path.TryPublish("b", "test", VideoAndAudio(), false, out _));
        var reader = path.TryAddReader("test", 0)!;

        Assert.Equal(PublishRefusal.None, path.TryPublish("c", "test", VideoAndAudio(), true, out var second));
        Assert.True(first!.Replaced.IsCancellationRequested);
        Assert.Equal("c", path.Source!.Id);
        Assert.False(reader.Closed.IsCompleted); // same codecs: the reader stays

        first.Write(Unit(0, 0, true, 1)); // the old source is ignored
        second!.Write(Unit(0, 0, true, 2));
        Assert.Equal(new byte[] { 2 }, Markers(Drain(reader)));

        reader.Dispose();
        second.Dispose();
        first.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task New_source_with_other_codecs_closes_the_readers()
    {
        var path = NewPath();
        path.TryPublish("a", "test", VideoAndAudio(), false, out var first);
        var reader = path.TryAddReader("test", 0)!;
        first!.Dispose();

        path.TryPublish("b", "test", [new MediaTrack(0, CodecId.H265, 90000, 0, CodecParameters.None)], false, out var second);

        Assert.Equal(ReaderCloseReason.TracksChanged, await reader.Closed.WaitAsync(TimeSpan.FromSeconds(5)));
        second!.Dispose();
    }

    [Fact]
    public void Max_readers_is_enforced()
    {
        var path = NewPath();
        Assert.NotNull(path.TryAddReader("a", 2));
        Assert.NotNull(path.TryAddReader("b", 2));
        Assert.Null(path.TryAddReader("c", 2));
    }

    [Fact]
    public void Audio_only_path_has_no_gop_and_readers_start_at_once()
    {
        var path = NewPath();
        path.TryPublish("pub", "test", [new MediaTrack(0, CodecId.Opus, 48000, 2, CodecParameters.None)], false, out var source);
        source!.Write(Unit(0, 0, true, 1));
        var reader = path.TryAddReader("test", 0)!;
        source.Write(Unit(0, 960, true, 2));
        Assert.Equal(new byte[] { 2 }, Markers(Drain(reader)));
        reader.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void A_source_that_comes_back_continues_the_clock_and_keeps_its_readers()
    {
        var path = NewPath();
        path.TryPublish("camera", "test", VideoAndAudio(), false, out var first);
        var reader = path.TryAddReader("test", 0)!;
        first!.Write(Unit(0, 1_000_000, true, 1));
        first.Write(Unit(0, 1_003_000, false, 2));
        first.Dispose(); // the camera went away

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(PublishRefusal.None, path.TryPublish("camera", "test", VideoAndAudio(), false, out var second));
        second!.Write(Unit(0, 42, true, 3)); // its clock restarted somewhere else
        second.Write(Unit(0, 3042, false, 4));

        var units = Drain(reader);
        Assert.Equal(new long[] { 1_000_000, 1_003_000, 1_003_000 + 180_000, 1_006_000 + 180_000 }, units.Select(u => u.Pts).ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Markers(units));
        Assert.False(reader.Closed.IsCompleted);
    }

    [Fact]
    public void A_sender_report_maps_the_track_clock_to_wall_clock_time()
    {
        var path = NewPath();
        path.TryPublish("camera", "test", VideoAndAudio(), false, out var source);
        var utc = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        source!.SetSenderClock(0, 90_000, utc); // before the first unit: no offset yet, ignored
        Assert.Null(path.Tracks[0].Clock);

        source.Write(Unit(0, 90_000, true, 1));
        Assert.False(path.Tracks[0].Clock!.FromSender); // arrival time until the sender says otherwise
        source.SetSenderClock(0, 90_000, utc);
        Assert.True(path.Tracks[0].Clock!.FromSender);
        Assert.Equal(utc.AddSeconds(2), path.Tracks[0].WallClockOf(270_000));
    }

    [Fact]
    public void Bytes_out_and_dropped_frames_keep_counting_readers_that_left()
    {
        var path = NewPath();
        path.TryPublish("pub", "test", VideoAndAudio(), false, out var source);
        var first = path.TryAddReader("test", 0)!;
        var second = path.TryAddReader("test", 0)!;
        source!.Write(Unit(0, 0, true, 1)); // 4 bytes to each reader
        Drain(first).ForEach(u => u.Release());
        first.Dispose();
        Assert.Equal(8, path.BytesOut);
        source.Write(Unit(0, 3000, false, 2));
        Assert.Equal(12, path.BytesOut);
        path.Close(ReaderCloseReason.Closed);
        Assert.Equal(12, path.BytesOut);
        Assert.Empty(path.Readers);
        Assert.Equal(0, path.FramesDropped);
        _ = second;
    }
}
