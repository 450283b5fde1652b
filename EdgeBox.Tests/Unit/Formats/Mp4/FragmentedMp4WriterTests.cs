using EdgeBox.Formats.Mp4;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;
using EdgeBox.Tests.Unit.Media.Codecs;
using EdgeBox.Tests.Unit.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

/// <summary>The writer's buffering, timing, statistics and failure rules, on small hand-made units in memory.</summary>
public sealed class FragmentedMp4WriterTests : IDisposable
{
    private readonly MediaBufferPool _pool = new();
    private readonly MediaTrack _video;
    private readonly MediaTrack _opus = new(1, CodecId.Opus, 48000, 2, CodecParameters.None);
    private readonly MediaTrack _pcmu = new(2, CodecId.Pcmu, 8000, 1, CodecParameters.None);
    private readonly MediaTrack _aac = new(3, CodecId.Aac, 44100, 2, new CodecParameters { AudioSpecificConfig = [0x12, 0x10] });

    public FragmentedMp4WriterTests()
    {
        var nals = RtpTestMedia.SplitAnnexB(CodecTestData.Read("h264_320x240_baseline.h264"));
        _video = new MediaTrack(0, CodecId.H264, 90000, 0, ParameterSets.WithDimensions(CodecId.H264, new CodecParameters { Sps = nals[0], Pps = nals[1] }));
    }

    public void Dispose() => Assert.Equal(0, _pool.Outstanding);

    /// <summary>Adds a unit and gives back the caller's reference, as a recorder reading a path does.</summary>
    private bool Add(FragmentedMp4Writer writer, MediaTrack track, long pts, bool keyframe = true, int size = 10, byte[]? payload = null)
    {
        var buffer = _pool.Rent(payload ?? Enumerable.Repeat((byte)(pts & 0xFF), size).ToArray());
        try
        {
            return writer.Add(new AccessUnit(track.Index, pts, keyframe, buffer, 0));
        }
        finally
        {
            buffer.Release();
        }
    }

    /// <summary>The trun sample (duration, size) pairs and tfdt of each traf of <paramref name="track"/>, from the tests' own box walker.</summary>
    private static List<(ulong Tfdt, List<(uint Duration, int Offset)> Samples)> Runs(byte[] file, uint track)
    {
        var all = TestBoxes.All(file);
        var runs = new List<(ulong, List<(uint, int)>)>();
        for (int i = 0; i < all.Count; i++)
        {
            if (all[i].Path != "moof/traf/tfhd" || all[i].UInt32At(4) != track)
            {
                continue;
            }

            var tfdt = all[i + 1];
            var trun = all[i + 2];
            var (_, flags) = trun.Full;
            int count = (int)trun.UInt32At(4);
            int at = 12 + ((flags & 4) != 0 ? 4 : 0);
            int fields = 2 + ((flags & 0x400) != 0 ? 1 : 0) + ((flags & 0x800) != 0 ? 1 : 0);
            var samples = new List<(uint, int)>();
            for (int s = 0; s < count; s++)
            {
                int offset = (flags & 0x800) != 0 ? (int)trun.UInt32At(at + ((fields - 1) * 4)) : 0;
                samples.Add((trun.UInt32At(at), offset));
                at += fields * 4;
            }

            runs.Add((tfdt.UInt64At(4), samples));
        }

        return runs;
    }

    [Fact]
    public void Each_flush_is_one_write_and_the_first_carries_the_init_segment()
    {
        var output = new WriteCountingStream();
        using var writer = new FragmentedMp4Writer(output);
        writer.WriteInit([_video, _opus]);
        Assert.Equal(0, output.Length); // nothing before the first sample
        Assert.Null(writer.Flush());

        Add(writer, _video, 1000);
        Add(writer, _opus, 500, size: 3);
        var first = writer.Flush()!.Value;
        Add(writer, _video, 4600, keyframe: false);
        var second = writer.Flush()!.Value;

        Assert.Equal([writer.InitLength + first.Length, second.Length], output.Writes);
        Assert.Equal(output.Length, writer.BytesWritten);
        Assert.Equal((1u, (long)writer.InitLength), (first.SequenceNumber, first.Offset));
        Assert.Equal((2u, first.Offset + first.Length), (second.SequenceNumber, second.Offset));
        Assert.Equal(2, writer.FragmentCount);
        Assert.True(first.StartsWithKeyframe);
        Assert.False(second.StartsWithKeyframe);
        Assert.Equal(2, output.Flushes);
        Assert.Equal("ftyp moov", string.Join(' ', TestBoxes.All(output.ToArray()).Where(b => !b.Path.Contains('/', StringComparison.Ordinal)).Take(2).Select(b => b.Path)));
    }

    [Fact]
    public void Decode_times_start_at_zero_and_the_last_sample_lasts_until_the_end_given()
    {
        using var output = new MemoryStream();
        using var writer = new FragmentedMp4Writer(output);
        writer.WriteInit([_video]);
        long pts = 123_456_789;
        Add(writer, _video, pts);
        Add(writer, _video, pts + 3600, keyframe: false);
        Add(writer, _video, pts + 7300, keyframe: false); // jitter: 3700
        Assert.Equal(TimeSpan.FromSeconds(0.12), writer.TimeOf(new AccessUnit(0, pts + 10800, true, null!, 0)));
        writer.Flush(TimeSpan.FromSeconds(0.12)); // the next keyframe's time: the last sample lasts 3500
        Add(writer, _video, pts + 10800);
        Add(writer, _video, pts + 14400, keyframe: false);
        writer.Flush(); // no end: the sample before's duration

        // A one-sample fragment after a stall of 1 s: its tfdt keeps the gap, its duration is the last known.
        Add(writer, _video, pts + 14400 + 90000);
        writer.Flush();

        var runs = Runs(output.ToArray(), 1);
        Assert.Equal([0UL, 10800UL, 104400UL], runs.Select(r => r.Tfdt));
        Assert.Equal([3600u, 3700u, 3500u], runs[0].Samples.Select(s => s.Duration));
        Assert.Equal([3600u, 3600u], runs[1].Samples.Select(s => s.Duration));
        Assert.Equal([3600u], runs[2].Samples.Select(s => s.Duration));

        var stats = Assert.Single(writer.Tracks);
        Assert.Equal((pts, pts + 14400 + 90000, 6L, 60L), (stats.FirstPts, stats.LastPts, stats.Samples, stats.Bytes));
        Assert.Equal(TimeSpan.FromSeconds(108000 / 90000.0), writer.Duration);
        Assert.Equal(3, writer.Keyframes.Count);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(0.12), TimeSpan.FromSeconds(104400 / 90000.0)], writer.Keyframes.Select(k => k.Time));
    }

    [Fact]
    public void Audio_samples_last_what_their_codec_says()
    {
        using var output = new MemoryStream();
        using var writer = new FragmentedMp4Writer(output);
        writer.WriteInit([_opus, _pcmu, _aac]);
        // Opus TOC config 27 (CELT FB 20 ms), code 0; then config 26 (10 ms).
        Add(writer, _opus, 0, payload: [0xD8, 1, 2]);
        Add(writer, _opus, 960, payload: [0xD0, 1, 2]);
        Add(writer, _pcmu, 0, size: 160);
        Add(writer, _pcmu, 160, size: 80);
        Add(writer, _aac, 0);
        writer.Flush(TimeSpan.FromSeconds(10)); // an end far off does not stretch audio

        var file = output.ToArray();
        Assert.Equal([960u, 480u], Runs(file, 1)[0].Samples.Select(s => s.Duration));
        Assert.Equal([160u, 80u], Runs(file, 2)[0].Samples.Select(s => s.Duration));
        Assert.Equal([1024u], Runs(file, 3)[0].Samples.Select(s => s.Duration));
        Assert.Equal(TimeSpan.FromSeconds(0.03), writer.Duration);
        Assert.Empty(writer.Keyframes); // audio is not indexed
    }

    /// <summary>
    /// B-frames (decode order I P B B with PTSs 0 3 1 2 frames): decode times are the PTSs sorted, composition offsets
    /// positive, and the edit list takes the reorder delay back off.
    /// </summary>
    [Fact]
    public void Reordered_pictures_get_sorted_decode_times_and_a_shift_the_edit_list_removes()
    {
        using var output = new MemoryStream();
        using var writer = new FragmentedMp4Writer(output);
        writer.WriteInit([_video]);
        long[] frames = [0, 3, 1, 2, 6, 4, 5];
        for (int i = 0; i < frames.Length; i++)
        {
            Add(writer, _video, 90000 + (frames[i] * 3600), keyframe: i == 0);
        }

        writer.Flush(TimeSpan.FromSeconds(7 * 0.04));
        var file = output.ToArray();
        var trun = TestBoxes.Single(file, "moof/traf/trun");
        Assert.Equal((0, 0x000B05u), trun.Full); // positive offsets: version 0
        var offsets = Enumerable.Range(0, 7).Select(i => (int)trun.UInt32At(16 + (i * 12) + 8)).ToList();
        var durations = Enumerable.Range(0, 7).Select(i => trun.UInt32At(16 + (i * 12))).ToList();
        Assert.Equal(Enumerable.Repeat(3600u, 7), durations);

        // Decode time i * 3600; composition = PTS + shift, the shift being the most a picture is decoded after its
        // time: one frame (B1 decodes third, at 2, and shows at 1).
        const int shift = 3600;
        Assert.Equal(frames.Select((f, i) => (int)((f * 3600) + shift - (i * 3600))), offsets);
        Assert.Equal("00000000" + "00000001" + "00000000" + "00000e10" + "00010000",
            Convert.ToHexString(TestBoxes.Single(file, "moov/trak/edts/elst").Content).ToLowerInvariant());
    }

    [Fact]
    public void Units_the_file_cannot_take_are_refused_and_counted()
    {
        using var output = new MemoryStream();
        using var writer = new FragmentedMp4Writer(output);
        Assert.Throws<InvalidOperationException>(() => Add(writer, _video, 0));
        writer.WriteInit([_video]);
        Assert.False(Add(writer, _opus, 0)); // not a track of this file
        Assert.False(Add(writer, _video, 0, payload: []));
        Assert.True(Add(writer, _video, 90000));
        Assert.False(Add(writer, _video, 90000 - 3600, keyframe: false)); // before the track's first unit
        writer.Flush();
        Assert.Equal((1L, 2L), (writer.Tracks[0].Samples, writer.Tracks[0].Dropped));
        Assert.Throws<InvalidOperationException>(() => writer.WriteInit([_video]));
    }

    [Fact]
    public void Init_refuses_tracks_it_cannot_describe_and_bad_offsets()
    {
        using var output = new MemoryStream();
        var bare = new MediaTrack(5, CodecId.H265, 90000, 0, CodecParameters.None);
        Assert.Contains("VPS", Assert.Throws<ArgumentException>(() => new FragmentedMp4Writer(output).WriteInit([bare])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new FragmentedMp4Writer(output).WriteInit([]));
        Assert.Throws<ArgumentException>(() => new FragmentedMp4Writer(output).WriteInit([_video, _video]));
        Assert.Throws<ArgumentException>(() => new FragmentedMp4Writer(output).WriteInit([_video, _opus], [TimeSpan.Zero]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FragmentedMp4Writer(output).WriteInit([_video], [TimeSpan.FromSeconds(-1)]));
        Assert.False(FragmentedMp4Writer.CanRecord(bare, out _));
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public void Pending_samples_are_released_at_dispose_and_a_bound_flushes_them_early()
    {
        using (var writer = new FragmentedMp4Writer(new MemoryStream()))
        {
            writer.WriteInit([_video]);
            Add(writer, _video, 0);
            Add(writer, _video, 3600, keyframe: false);
            Assert.Equal(2, writer.PendingSamples);
            Assert.Equal(2, _pool.Outstanding); // the writer's references
        }

        Assert.Equal(0, _pool.Outstanding);

        var output = new MemoryStream();
        using var bounded = new FragmentedMp4Writer(output, new FragmentedMp4Options { MaxPendingBytes = 1000 });
        bounded.WriteInit([_video]);
        for (int i = 0; i < 5; i++)
        {
            Add(bounded, _video, i * 3600L, keyframe: i == 0, size: 300);
        }

        Assert.Equal((1, 1), (bounded.FragmentCount, bounded.PendingSamples)); // 4 x 300 > 1000: written at the fourth
    }

    [Fact]
    public void A_failed_write_ends_the_writer()
    {
        var output = new WriteCountingStream { FailWrites = true };
        using var writer = new FragmentedMp4Writer(output);
        writer.WriteInit([_video]);
        Add(writer, _video, 0);
        Assert.Throws<IOException>(() => writer.Flush());
        Assert.Equal(0, _pool.Outstanding); // the payloads were copied into the fragment and released
        Assert.Throws<InvalidOperationException>(() => Add(writer, _video, 3600));
        Assert.Equal((0L, 0), (writer.BytesWritten, writer.FragmentCount));
    }

    [Fact]
    public async Task The_async_flush_writes_the_same_bytes()
    {
        using var sync = new MemoryStream();
        using var async = new MemoryStream();
        using (var a = new FragmentedMp4Writer(sync))
        using (var b = new FragmentedMp4Writer(async))
        {
            foreach (var writer in new[] { a, b })
            {
                writer.WriteInit([_video, _pcmu]);
                Add(writer, _video, 0);
                Add(writer, _pcmu, 0, size: 160);
                Add(writer, _video, 3600, keyframe: false);
            }

            a.Flush();
            Assert.NotNull(await b.FlushAsync());
            Assert.Null(await b.FlushAsync());
        }

        Assert.Equal(sync.ToArray(), async.ToArray());
    }

    /// <summary>A stream that records each write call (and can fail them). The writer writes spans; MemoryStream's span write goes on to its array one.</summary>
    private sealed class WriteCountingStream : MemoryStream
    {
        public List<int> Writes { get; } = [];

        public int Flushes { get; private set; }

        public bool FailWrites { get; init; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (FailWrites)
            {
                throw new IOException("disk full");
            }

            Writes.Add(buffer.Length);
            base.Write(buffer);
        }

        public override void Flush()
        {
            Flushes++;
            base.Flush();
        }
    }
}
