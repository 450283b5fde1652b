using System.Buffers.Binary;
using EdgeBox.Formats.Mp4;
using EdgeBox.Media;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

public sealed class Mp4FragmentScannerTests
{
    /// <summary>A short real recording (H.264 with a keyframe every 5 frames + AAC) and what the writer said of it.</summary>
    private static async Task<(byte[] File, List<Mp4FragmentInfo> Fragments, IReadOnlyList<Mp4Keyframe> Keyframes, int InitLength)> RecordingAsync()
    {
        var video = await Mp4TestMedia.H264Async(0, 1.2, gop: 5);
        var audio = await Mp4TestMedia.AacAsync(1, 1.2);
        var pool = new MediaBufferPool();
        using var output = new MemoryStream();
        using var writer = new FragmentedMp4Writer(output);
        writer.WriteInit([video.Track, audio.Track]);
        var fragments = new List<Mp4FragmentInfo>();
        foreach (var (stream, unit) in Mp4Probe.Interleave([video, audio]))
        {
            var access = new AccessUnit(stream.Track.Index, unit.Pts, unit.Keyframe, pool.Rent(unit.Payload), 0);
            if (stream == video && unit.Keyframe && writer.PendingSamples > 0)
            {
                fragments.Add(writer.Flush(writer.TimeOf(access))!.Value);
            }

            writer.Add(access);
            access.Release();
        }

        fragments.Add(writer.Flush()!.Value);
        return (output.ToArray(), fragments, writer.Keyframes, writer.InitLength);
    }

    private static Mp4ScanResult Scan(ReadOnlySpan<byte> data) => Mp4FragmentScanner.Scan(new MemoryStream(data.ToArray(), writable: false));

    [Fact]
    public async Task A_complete_file_gives_every_fragment_its_times_and_keyframes()
    {
        var (file, fragments, keyframes, initLength) = await RecordingAsync();
        var scan = Scan(file);

        Assert.Equal(Mp4ScanStop.EndOfFile, scan.Stop);
        Assert.Equal((file.Length, file.Length, (long)initLength), (scan.FileLength, scan.ValidLength, scan.InitLength));
        Assert.False(scan.NeedsTruncation);
        Assert.Equal([new Mp4ScannedTrack(1, 90000, true), new Mp4ScannedTrack(2, 44100, false)], scan.Tracks);
        Assert.Equal(fragments.Select(f => (f.Offset, (long)f.Length, f.SequenceNumber)), scan.Fragments.Select(f => (f.Offset, f.Length, f.SequenceNumber)));
        Assert.Equal(fragments.Select(f => f.Samples), scan.Fragments.Select(f => f.Runs.Sum(r => r.Samples)));

        // Each video run starts where the one before ended: 5 frames of 3600 ticks.
        var videoRuns = scan.Fragments.Select(f => f.Runs.Single(r => r.TrackId == 1)).ToList();
        for (int i = 0; i < videoRuns.Count; i++)
        {
            Assert.Equal((ulong)(i * 5 * 3600), videoRuns[i].BaseDecodeTime);
            Assert.Equal(5UL * 3600, videoRuns[i].Duration);
        }

        Assert.Equal(30UL * 3600, scan.EndOf(1));
        Assert.Equal(keyframes.Select(k => (k.SampleOffset, (long)(k.Time.TotalSeconds * 90000))),
            scan.Fragments.SelectMany(f => f.Keyframes).Select(k => (k.Offset, k.PresentationTime)));
        Assert.All(keyframes, k => Assert.Equal(7, file[k.SampleOffset + 4] & 0x1F)); // the sample starts with the in-band SPS of its IDR
    }

    /// <summary>Every prefix of a real file, as a crash can leave it: the scan keeps exactly the fragments that are whole.</summary>
    [Fact]
    public async Task Every_prefix_keeps_exactly_the_complete_fragments()
    {
        var (file, fragments, _, initLength) = await RecordingAsync();
        var boxEnds = new HashSet<long> { 0, BinaryPrimitives.ReadUInt32BigEndian(file), initLength };
        boxEnds.UnionWith(fragments.Select(f => f.Offset + f.Length));
        for (int length = 0; length <= file.Length; length++)
        {
            var scan = Scan(file.AsSpan(0, length));
            int complete = fragments.Count(f => f.Offset + f.Length <= length);
            long expected = complete > 0 ? fragments[complete - 1].Offset + fragments[complete - 1].Length : length >= initLength ? initLength : 0;
            Assert.True(expected == scan.ValidLength, $"prefix {length}: valid {scan.ValidLength}, expected {expected}");
            Assert.Equal(complete, scan.Fragments.Count);
            Assert.Equal(length >= initLength ? initLength : 0, scan.InitLength);
            Assert.Equal(boxEnds.Contains(length) ? Mp4ScanStop.EndOfFile : Mp4ScanStop.Truncated, scan.Stop);
        }
    }

    [Fact]
    public void Garbage_never_throws_and_keeps_nothing()
    {
        var random = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);
            if (i % 3 == 0 && data.Length >= 8)
            {
                "ftyp"u8.CopyTo(data.AsSpan(4)); // a plausible start, nonsense after
                BinaryPrimitives.WriteUInt32BigEndian(data, (uint)random.Next(8, data.Length + 1));
            }

            var scan = Scan(data);
            Assert.Equal(0, scan.ValidLength);
            Assert.Empty(scan.Fragments);
        }
    }

    /// <summary>A real file with bytes changed at random: never an exception, and what is kept scans the same again.</summary>
    [Fact]
    public async Task A_damaged_file_never_throws_and_what_it_keeps_is_stable()
    {
        var (file, _, _, _) = await RecordingAsync();
        var random = new Random(42);
        for (int i = 0; i < 500; i++)
        {
            var damaged = (byte[])file.Clone();
            for (int n = random.Next(1, 4); n > 0; n--)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            var scan = Scan(damaged);
            Assert.InRange(scan.ValidLength, 0, damaged.Length);
            var again = Scan(damaged.AsSpan(0, (int)scan.ValidLength));
            Assert.Equal(scan.ValidLength, again.ValidLength);
            Assert.Equal(scan.Fragments.Count, again.Fragments.Count);
        }
    }

    [Fact]
    public async Task A_box_of_size_zero_stops_the_scan_at_the_last_fragment()
    {
        var (file, _, _, _) = await RecordingAsync();
        var scan = Scan([.. file, 0, 0, 0, 0, .. "mdat"u8, 1, 2, 3]);
        Assert.Equal((Mp4ScanStop.Malformed, file.Length, (long)file.Length), (scan.Stop, scan.StopOffset, scan.ValidLength));
    }

    [Fact]
    public async Task A_64_bit_size_is_read_and_a_huge_one_is_a_truncated_box()
    {
        var (file, fragments, _, _) = await RecordingAsync();

        // A 'free' box with size 1 and a 64-bit size of 24: stepped over; the fragments before it count.
        byte[] free = [0, 0, 0, 1, .. "free"u8, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0];
        var scan = Scan([.. file, .. free]);
        Assert.Equal((Mp4ScanStop.EndOfFile, (long)file.Length, fragments.Count), (scan.Stop, scan.ValidLength, scan.Fragments.Count));

        // A 64-bit size past the end, and a 32-bit one: both say the box is cut short.
        Assert.Equal(Mp4ScanStop.Truncated, Scan([.. file, 0, 0, 0, 1, .. "moof"u8, 0, 0, 1, 0, 0, 0, 0, 0]).Stop);
        Assert.Equal(Mp4ScanStop.Truncated, Scan([.. file, 0xFF, 0xFF, 0xFF, 0xFF, .. "moof"u8, 1, 2]).Stop);

        // A 64-bit size below its own header, or beyond what a file can be: not a box.
        Assert.Equal(Mp4ScanStop.Malformed, Scan([.. file, 0, 0, 0, 1, .. "free"u8, 0, 0, 0, 0, 0, 0, 0, 8]).Stop);
        Assert.Equal(Mp4ScanStop.Malformed, Scan([.. file, 0, 0, 0, 1, .. "free"u8, 0x80, 0, 0, 0, 0, 0, 0, 0]).Stop);

        // A size-1 header cut before its 64-bit size.
        Assert.Equal(Mp4ScanStop.Truncated, Scan([.. file, 0, 0, 0, 1, .. "moof"u8, 0, 0]).Stop);
    }

    [Fact]
    public async Task A_fragment_whose_samples_lie_outside_its_mdat_is_not_kept()
    {
        var (file, fragments, _, _) = await RecordingAsync();
        var last = fragments[^1];

        // The last fragment's first trun data_offset: moof(8) mfhd(16) traf(8) tfhd(20) tfdt(20) trun header(12) count(4).
        int dataOffsetField = (int)last.Offset + 8 + 16 + 8 + 20 + 20 + 12 + 4;
        var damaged = (byte[])file.Clone();
        BinaryPrimitives.WriteInt32BigEndian(damaged.AsSpan(dataOffsetField), last.Length);
        var scan = Scan(damaged);
        Assert.Equal((Mp4ScanStop.Malformed, last.Offset, last.Offset), (scan.Stop, scan.StopOffset, scan.ValidLength));
        Assert.Equal(fragments.Count - 1, scan.Fragments.Count);
    }

    [Fact]
    public async Task A_moof_not_followed_by_its_mdat_is_not_kept()
    {
        var (file, fragments, _, _) = await RecordingAsync();
        var last = fragments[^1];
        var damaged = (byte[])file.Clone();
        int mdat = (int)last.Offset + BinaryPrimitives.ReadInt32BigEndian(file.AsSpan((int)last.Offset));
        "free"u8.CopyTo(damaged.AsSpan(mdat + 4));
        var scan = Scan(damaged);
        Assert.Equal((Mp4ScanStop.Malformed, last.Offset), (scan.Stop, scan.ValidLength));
    }

    [Fact]
    public void A_file_without_ftyp_or_moov_has_no_init()
    {
        byte[] moovOnly = [0, 0, 0, 8, .. "moov"u8];
        Assert.Equal((Mp4ScanStop.Malformed, 0L, 0L), (Scan(moovOnly).Stop, Scan(moovOnly).InitLength, Scan(moovOnly).ValidLength));
        byte[] ftypOnly = [0, 0, 0, 12, .. "ftyp"u8, .. "iso6"u8];
        Assert.Equal((Mp4ScanStop.EndOfFile, 0L), (Scan(ftypOnly).Stop, Scan(ftypOnly).ValidLength));
        byte[] emptyMoov = [.. ftypOnly, 0, 0, 0, 8, .. "moov"u8];
        Assert.Equal((Mp4ScanStop.Malformed, 0L), (Scan(emptyMoov).Stop, Scan(emptyMoov).ValidLength)); // no track
        Assert.Equal(Mp4ScanStop.EndOfFile, Scan([]).Stop);
    }
}
