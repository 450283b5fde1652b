using EdgeBox.Formats.Mp4;
using EdgeBox.Media;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

/// <summary>
/// Files written from real encoded media, checked by the real tools: ffprobe must read every stream with the
/// right codec, sample count and duration, and ffmpeg must decode the whole file, both printing no error.
/// </summary>
public sealed class FragmentedMp4FfmpegTests : IDisposable
{
    private readonly MediaBufferPool _pool = new();
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        _directory.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task H264_and_aac_play_with_every_frame_and_their_durations()
    {
        var video = await Mp4TestMedia.H264Async(0, 3);
        var audio = await Mp4TestMedia.AacAsync(1, 3);
        string path = _directory.File("h264-aac.mp4");
        await WriteAsync(path, [video, audio]);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "h264", video, 1.0 / 25);
        AssertStream(probe.Streams[1], "aac", audio, 1024.0 / 44100);
    }

    [Fact]
    public async Task H265_and_opus_play_with_every_frame_and_their_durations()
    {
        var video = await Mp4TestMedia.H265Async(0, 3);
        var audio = await Mp4TestMedia.OpusAsync(1, 3);
        string path = _directory.File("h265-opus.mp4");
        await WriteAsync(path, [video, audio]);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "hevc", video, 1.0 / 25);
        Assert.Equal("hvc1", probe.Streams[0].CodecTag);
        AssertStream(probe.Streams[1], "opus", audio, 0.020);
        Assert.Equal((48000, 2), (probe.Streams[1].SampleRate, probe.Streams[1].Channels));
    }

    [Fact]
    public async Task Vp9_plays_with_every_frame_and_its_duration()
    {
        var video = await Mp4TestMedia.Vp9Async(0, 3);
        string path = _directory.File("vp9.mp4");
        await WriteAsync(path, [video]);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "vp9", video, 1.0 / 25);
        Assert.Equal((160, 120), (probe.Streams[0].Width, probe.Streams[0].Height));
    }

    [Fact]
    public async Task Av1_plays_with_every_frame_and_its_duration()
    {
        var video = await Mp4TestMedia.Av1Async(0, 3);
        string path = _directory.File("av1.mp4");
        await WriteAsync(path, [video]);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "av1", video, 1.0 / 25);
        Assert.Equal((160, 120), (probe.Streams[0].Width, probe.Streams[0].Height));
    }

    [Fact]
    public async Task H264_and_pcmu_play_with_every_frame_and_their_durations()
    {
        var video = await Mp4TestMedia.H264Async(0, 3);
        var audio = await Mp4TestMedia.G711Async(1, 3);
        string path = _directory.File("h264-pcmu.mp4");
        await WriteAsync(path, [video, audio]);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "h264", video, 1.0 / 25);
        Assert.Equal("pcm_mulaw", probe.Streams[1].CodecName);
        Assert.Equal((8000, 1), (probe.Streams[1].SampleRate, probe.Streams[1].Channels));
        Assert.True(Math.Abs(probe.Streams[1].Duration - 3.0) <= 0.020, $"{probe.Streams[1].Duration} s");
    }

    /// <summary>The other codecs a path can carry: VP8 (vp08 + vpcC), MJPEG (mp4v, object type JPEG) with G.711 A-law.</summary>
    [Fact]
    public async Task Vp8_and_mjpeg_with_alaw_play()
    {
        var vp8 = await Mp4TestMedia.Vp8Async(0, 2);
        string path = _directory.File("vp8.mp4");
        await WriteAsync(path, [vp8]);
        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "vp8", vp8, 1.0 / 25);

        var mjpeg = await Mp4TestMedia.MjpegAsync(0, 2);
        var alaw = await Mp4TestMedia.G711Async(1, 2, alaw: true);
        path = _directory.File("mjpeg-alaw.mp4");
        await WriteAsync(path, [mjpeg, alaw]);
        probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "mjpeg", mjpeg, 1.0 / 10);
        Assert.Equal((160, 120), (probe.Streams[0].Width, probe.Streams[0].Height));
        Assert.Equal("pcm_alaw", probe.Streams[1].CodecName);
        Assert.Equal(2.0, probe.Streams[1].Duration, 3);
    }

    /// <summary>
    /// A camera's B-frames: units come in decode order with PTSs out of order. Cut at keyframes (closed GOPs) and,
    /// harder, every 300 ms inside GOPs: every picture must still be shown at its own PTS, in order.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task H264_b_frames_keep_every_presentation_time(bool cutInsideGops)
    {
        var video = await Mp4TestMedia.H264Async(0, 3, gop: 12, bframes: 3);
        Assert.Contains(video.Units.Zip(video.Units.Skip(1)), pair => pair.Second.Pts < pair.First.Pts); // really reordered
        string path = _directory.File($"h264-bframes-{cutInsideGops}.mp4");
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            Mp4Probe.Record(file, [video], _pool, part: cutInsideGops ? TimeSpan.FromMilliseconds(300) : null);
        }

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "h264", video, 1.0 / 25);
        long first = video.Units[0].Pts;
        var expected = video.Units.Select(u => u.Pts - first).Order().ToList();
        Assert.Equal(expected, await Mp4Probe.FramePtsAsync(path, "v:0"));
    }

    /// <summary>
    /// Audio that joins 500 ms after the first video keyframe: its decode times start there and an edit list
    /// says so; ffmpeg puts its first sample at 0.5 s and A/V stay in step.
    /// </summary>
    [Fact]
    public async Task A_track_that_starts_later_is_placed_at_its_offset()
    {
        var video = await Mp4TestMedia.H264Async(0, 3);
        var audio = await Mp4TestMedia.AacAsync(1, 2);
        string path = _directory.File("late-audio.mp4");
        await WriteAsync(path, [video, audio], [TimeSpan.Zero, TimeSpan.FromMilliseconds(500)]);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        Assert.Equal(0, probe.Streams[0].StartTime);
        Assert.Equal(0.5, probe.Streams[1].StartTime, 3);
        Assert.Equal(audio.Units.Count, probe.Streams[1].Frames);
        var audioPts = await Mp4Probe.FramePtsAsync(path, "a:0");
        Assert.Equal(22050, audioPts[0]); // 0.5 s at 44.1 kHz
        Assert.Equal(22050 + (1024L * (audio.Units.Count - 1)), audioPts[^1]);
    }

    /// <summary>
    /// A recording cut at each fragment boundary (what a crash between two writes leaves) plays, with exactly the
    /// frames of the fragments it keeps.
    /// </summary>
    [Fact]
    public async Task A_file_cut_at_any_fragment_boundary_plays_what_it_holds()
    {
        var (path, fragments) = await RecordH264AacAsync("boundaries.mp4");
        var file = await File.ReadAllBytesAsync(path);
        var scan = Mp4FragmentScanner.Scan(path);
        Assert.Equal(fragments.Count, scan.Fragments.Count);
        for (int i = 0; i < scan.Fragments.Count; i++)
        {
            string cut = _directory.File($"cut-{i}.mp4");
            await File.WriteAllBytesAsync(cut, file.AsMemory(0, (int)scan.Fragments[i].End));
            await AssertPlaysAsync(cut, scan.Fragments.Take(i + 1));
        }
    }

    /// <summary>
    /// A recording cut anywhere (a write interrupted by a power loss), then repaired as the recorder will at
    /// start-up: scan, truncate to the valid length. What is left plays, with every frame of the whole fragments.
    /// </summary>
    [Fact]
    public async Task A_file_cut_anywhere_and_truncated_by_the_scanner_plays()
    {
        var (path, _) = await RecordH264AacAsync("random.mp4");
        var file = await File.ReadAllBytesAsync(path);
        var whole = Mp4FragmentScanner.Scan(path);
        var random = new Random(7);
        for (int i = 0; i < 8; i++)
        {
            int length = random.Next((int)whole.InitLength + 1, file.Length);
            string cut = _directory.File($"random-{i}.mp4");
            await File.WriteAllBytesAsync(cut, file.AsMemory(0, length));

            await using (var repair = new FileStream(cut, FileMode.Open, FileAccess.ReadWrite))
            {
                var scan = Mp4FragmentScanner.Scan(repair);
                Assert.Equal(whole.Fragments.Where(f => f.End <= length).Select(f => f.End).DefaultIfEmpty(whole.InitLength).Max(), scan.ValidLength);
                repair.SetLength(scan.ValidLength);
            }

            var kept = whole.Fragments.Where(f => f.End <= length).ToList();
            if (kept.Count > 0)
            {
                await AssertPlaysAsync(cut, kept);
            }
        }
    }

    private async Task<(string Path, List<Mp4FragmentInfo> Fragments)> RecordH264AacAsync(string name)
    {
        var video = await Mp4TestMedia.H264Async(0, 3, gop: 10);
        var audio = await Mp4TestMedia.AacAsync(1, 3);
        string path = _directory.File(name);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        var fragments = Mp4Probe.Record(file, [video, audio], _pool, options: new FragmentedMp4Options { FlushToDisk = true });
        Assert.Equal(8, fragments.Count); // 75 frames, a keyframe every 10
        return (path, fragments);
    }

    /// <summary>The file plays without an error, with the frames of <paramref name="fragments"/> per track.</summary>
    private static async Task AssertPlaysAsync(string path, IEnumerable<Mp4ScannedFragment> fragments)
    {
        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        var runs = fragments.SelectMany(f => f.Runs).ToList();
        Assert.Equal(runs.Where(r => r.TrackId == 1).Sum(r => r.Samples), probe.Streams[0].Frames);
        Assert.Equal(runs.Where(r => r.TrackId == 2).Sum(r => r.Samples), probe.Streams[1].Frames);
        double videoEnd = runs.Where(r => r.TrackId == 1).Max(r => (double)(r.BaseDecodeTime + r.Duration)) / 90000;
        Assert.Equal(videoEnd, probe.Streams[0].Duration, 3);
    }

    private async Task<List<Mp4FragmentInfo>> WriteAsync(string path, IReadOnlyList<TestStream> streams, IReadOnlyList<TimeSpan>? startOffsets = null)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        return Mp4Probe.Record(file, streams, _pool, startOffsets);
    }

    private static void AssertClean(ProbeResult probe)
    {
        Assert.Equal("", probe.ProbeErrors);
        Assert.Equal("", probe.DecodeErrors);
    }

    /// <summary>The stream has every unit, and lasts what they cover (±1 frame).</summary>
    private static void AssertStream(ProbedStream probed, string codec, TestStream stream, double frame)
    {
        Assert.Equal(codec, probed.CodecName);
        Assert.Equal(stream.Units.Count, probed.Frames);
        double expected = stream.Units.Count * frame;
        Assert.True(Math.Abs(probed.Duration - expected) <= frame + 1e-6, $"{codec}: {probed.Duration} s, expected {expected} s");
    }
}
