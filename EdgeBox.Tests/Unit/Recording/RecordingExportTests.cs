using System.Buffers.Binary;
using System.Globalization;
using EdgeBox.Formats.Mp4;
using EdgeBox.Media;
using EdgeBox.Recording;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Tests.Unit.Formats.Mp4;
using EdgeBox.Web;

namespace EdgeBox.Tests.Unit.Recording;

/// <summary>
/// Exports of a time range made of real recorded segments (H.264 with a keyframe every 0.4 s + AAC, a fragment
/// per GOP): the bytes read at any position are the same file, the scanner and ffprobe read one continuous
/// movie from the keyframe at or before <c>from</c>, gaps between segments are left out, and a segment one
/// decoder configuration cannot play ends the file.
/// </summary>
public sealed class RecordingExportTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private readonly MediaBufferPool _pool = new();

    public void Dispose()
    {
        _directory.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    /// <summary>Two seconds of H.264 (25 fps, GOP 10) and AAC, written as a recorder writes a segment.</summary>
    private async Task<RecordedSegment> SegmentAsync(string name, DateTimeOffset start, string size = "160x120")
    {
        var video = await Mp4TestMedia.H264Async(0, 2, gop: 10, size: size);
        var audio = await Mp4TestMedia.AacAsync(1, 2);
        string relative = $"recordings/cam1/{name}.mp4";
        Directory.CreateDirectory(Path.GetDirectoryName(_directory.File(relative))!);
        await using (var file = new FileStream(_directory.File(relative), FileMode.Create, FileAccess.Write))
        {
            Mp4Probe.Record(file, [video, audio], _pool);
        }

        return new RecordedSegment("cam1", relative, start, start.AddSeconds(2), new FileInfo(_directory.File(relative)).Length) { Id = start.ToUnixTimeSeconds(), Complete = true };
    }

    /// <summary>The export read in odd-sized pieces, checked against one read of the whole, and written to a file.</summary>
    private async Task<string> SaveAsync(RecordingExport export, string name)
    {
        var whole = new byte[export.Length];
        Assert.Equal(whole.Length, await export.ReadAsync(0, whole, CancellationToken.None));
        var piece = new byte[7919];
        for (long position = 0; position < export.Length; position += piece.Length)
        {
            int read = await export.ReadAsync(position, piece, CancellationToken.None);
            Assert.Equal((int)Math.Min(piece.Length, export.Length - position), read);
            Assert.True(piece.AsSpan(0, read).SequenceEqual(whole.AsSpan((int)position, read)), $"bytes at {position} differ");
        }

        string path = _directory.File(name);
        await File.WriteAllBytesAsync(path, whole);
        return path;
    }

    private static Mp4ScanResult Scan(string path)
    {
        using var file = File.OpenRead(path);
        return Mp4FragmentScanner.Scan(file);
    }

    /// <summary>Every track's fragments follow one another without a hole or an overlap, numbered from 1.</summary>
    private static void AssertContinuous(Mp4ScanResult scan)
    {
        Assert.Equal(Mp4ScanStop.EndOfFile, scan.Stop);
        Assert.Equal(Enumerable.Range(1, scan.Fragments.Count).Select(i => (uint)i), scan.Fragments.Select(f => f.SequenceNumber));
        foreach (var track in scan.Tracks)
        {
            var runs = scan.Fragments.SelectMany(f => f.Runs).Where(r => r.TrackId == track.Id).ToList();
            for (int i = 1; i < runs.Count; i++)
            {
                Assert.True(runs[i].BaseDecodeTime >= runs[i - 1].BaseDecodeTime + runs[i - 1].Duration,
                    $"track {track.Id} run {i} starts at {runs[i].BaseDecodeTime}, before the end of the one before");
                Assert.True(runs[i].BaseDecodeTime - (runs[i - 1].BaseDecodeTime + runs[i - 1].Duration) <= track.Timescale / 10,
                    $"track {track.Id} run {i} leaves a hole");
            }
        }
    }

    private static void AssertClean(ProbeResult probe)
    {
        Assert.Equal("", probe.ProbeErrors);
        Assert.Equal("", probe.DecodeErrors);
    }

    [Fact]
    public async Task A_range_across_two_segments_is_one_movie_from_the_keyframe_before_from()
    {
        var first = await SegmentAsync("a", T0);
        var second = await SegmentAsync("b", T0.AddSeconds(2));
        using var export = RecordingExport.Create([second, first], _directory.Path, T0.AddSeconds(1.1), T0.AddSeconds(3.3));

        Assert.NotNull(export);
        Assert.Equal(T0.AddSeconds(0.8), export.Start); // GOPs start at 0, 0.4, 0.8, 1.2 ...
        Assert.Equal([first.Id, second.Id], export.Segments);
        Assert.Null(export.Truncated);
        Assert.Equal(T0.AddSeconds(3.2), export.LastFragmentStart); // the last fragment starting before to
        Assert.All(export.Groups, g => Assert.True(g.Keyframe));
        Assert.Equal(export.Length, export.Groups[^1].Offset + export.Groups[^1].Length);

        string path = await SaveAsync(export, "range.mp4");
        var scan = Scan(path);
        AssertContinuous(scan);
        Assert.Equal(7, scan.Fragments.Count); // 0.8..3.6 in 0.4 s fragments
        Assert.Equal((long)export.InitLength, scan.InitLength);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        Assert.Equal(70, probe.Streams[0].Frames); // 2.8 s at 25 fps
        Assert.InRange(probe.FormatDuration, 2.75, 2.9);
        Assert.InRange(export.Duration.TotalSeconds, 2.75, 2.9);
    }

    [Fact]
    public async Task The_segment_index_gives_each_keyframe_group_its_bytes_and_duration()
    {
        var only = await SegmentAsync("a", T0);
        using var export = RecordingExport.Create([only], _directory.Path, T0, T0.AddSeconds(2));
        Assert.NotNull(export);
        var head = new byte[export.Groups[0].Offset];
        await export.ReadAsync(0, head, CancellationToken.None);

        var sidx = head.AsSpan(export.InitLength);
        Assert.Equal("sidx", System.Text.Encoding.ASCII.GetString(sidx.Slice(4, 4)));
        Assert.Equal(sidx.Length, (int)BinaryPrimitives.ReadUInt32BigEndian(sidx));
        Assert.Equal(1, sidx[8]); // version 1: 64-bit times
        int count = BinaryPrimitives.ReadUInt16BigEndian(sidx[38..]);
        Assert.Equal(export.Groups.Count, count);
        for (int i = 0; i < count; i++)
        {
            var reference = sidx.Slice(40 + (12 * i), 12);
            Assert.Equal(export.Groups[i].Length, BinaryPrimitives.ReadUInt32BigEndian(reference) & 0x7FFF_FFFF);
            Assert.Equal((uint)(export.Groups[i].Duration.TotalSeconds * 90000), BinaryPrimitives.ReadUInt32BigEndian(reference[4..]));
            Assert.Equal(0x90, reference[8] & 0xF0); // starts with a SAP of type 1
        }
    }

    [Fact]
    public async Task A_gap_between_segments_is_left_out_and_the_playlist_says_when_each_part_was_recorded()
    {
        var first = await SegmentAsync("a", T0);
        var second = await SegmentAsync("b", T0.AddMinutes(1));
        using var export = RecordingExport.Create([first, second], _directory.Path, T0, T0.AddMinutes(2));

        Assert.NotNull(export);
        Assert.Contains(export.Groups, g => g.Wall == T0.AddMinutes(1) && Math.Abs(g.Start.TotalSeconds - 2) < 0.05);
        string path = await SaveAsync(export, "gap.mp4");
        AssertContinuous(Scan(path));
        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        Assert.Equal(100, probe.Streams[0].Frames);
        Assert.InRange(probe.FormatDuration, 3.95, 4.1);

        string playlist = RecordingPlaybackEndpoints.Render(export);
        var lines = playlist.Split('\n');
        Assert.Equal(["#EXT-X-PROGRAM-DATE-TIME:2026-12-04T10:00:00.000Z", "#EXT-X-PROGRAM-DATE-TIME:2026-12-04T10:01:00.000Z"],
            lines.Where(l => l.StartsWith("#EXT-X-PROGRAM-DATE-TIME", StringComparison.Ordinal)));
        var durations = lines.Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)).Select(l => double.Parse(l[8..^1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, durations.Count); // 0.4-s GOPs joined into one segment per recorded part, not across the gap
        Assert.All(durations, d => Assert.InRange(d, 2.0, 2.1));
        Assert.Contains($"#EXT-X-MAP:URI=\"download.mp4?from=2026-12-04T10:00:00.0000000Z&to=2026-12-04T10:01:01.6010000Z&inline=1\",BYTERANGE=\"{export.InitLength}@0\"", lines);
        Assert.Equal("#EXT-X-ENDLIST", lines[^2]);
    }

    [Fact]
    public void Playlist_segments_join_short_groups_up_to_two_seconds_but_never_across_a_hole_or_a_gap()
    {
        static ExportGroup G(long offset, double start, double wall) =>
            new(offset, 100, TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(1), T0.AddSeconds(wall), Keyframe: true);

        // 1-s groups: 0-1 join, 2-3 join, 4 follows a hole in the file, 5 a gap in time, 6 is alone at the end.
        var merged = RecordingPlaybackEndpoints.Merge([G(0, 0, 0), G(100, 1, 1), G(200, 2, 2), G(300, 3, 3), G(450, 4, 4), G(550, 5, 65), G(650, 6, 66)]);

        Assert.Equal([(0L, 200L, 2.0), (200, 200, 2), (450, 100, 1), (550, 200, 2)], merged.Select(g => (g.Offset, g.Length, g.Duration.TotalSeconds)));
        Assert.Equal([T0, T0.AddSeconds(2), T0.AddSeconds(4), T0.AddSeconds(65)], merged.Select(g => g.Wall));
    }

    [Fact]
    public async Task A_segment_with_another_picture_size_ends_the_file_before_it()
    {
        var first = await SegmentAsync("a", T0);
        var second = await SegmentAsync("b", T0.AddSeconds(2), size: "320x240");
        using var export = RecordingExport.Create([first, second], _directory.Path, T0, T0.AddSeconds(4));

        Assert.NotNull(export);
        Assert.Equal(second.Start, export.Truncated);
        Assert.Equal([first.Id], export.Segments);
        var probe = await Mp4Probe.ProbeAsync(await SaveAsync(export, "truncated.mp4"));
        AssertClean(probe);
        Assert.Equal(50, probe.Streams[0].Frames);
    }

    [Fact]
    public async Task Missing_and_unreadable_files_are_passed_over_and_an_empty_range_gives_nothing()
    {
        var good = await SegmentAsync("a", T0.AddSeconds(4));
        await File.WriteAllBytesAsync(_directory.File("garbage.mp4"), [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 37))]);
        var garbage = new RecordedSegment("cam1", "garbage.mp4", T0, T0.AddSeconds(2), 5000) { Id = 1, Complete = true };
        var missing = new RecordedSegment("cam1", "missing.mp4", T0.AddSeconds(2), T0.AddSeconds(4), 5000) { Id = 2, Complete = true };

        using var export = RecordingExport.Create([garbage, missing, good], _directory.Path, T0, T0.AddSeconds(6));
        Assert.NotNull(export);
        Assert.Equal([good.Id], export.Segments);
        Assert.Equal(good.Start, export.Start);
        Assert.Null(RecordingExport.Create([good], _directory.Path, T0.AddSeconds(10), T0.AddSeconds(20)));
        Assert.Null(RecordingExport.Create([garbage, missing], _directory.Path, T0, T0.AddSeconds(6)));
    }

    [Fact]
    public async Task A_moof_patch_moves_decode_times_and_refuses_every_cut_short_or_broken_moof()
    {
        var segment = await SegmentAsync("a", T0);
        byte[] file = await File.ReadAllBytesAsync(_directory.File(segment.File));
        var scan = Mp4FragmentScanner.Scan(new MemoryStream(file, writable: false));
        var fragment = scan.Fragments[1];
        byte[] moof = file.AsSpan((int)fragment.Offset, fragment.MoofLength).ToArray();

        for (int cut = 0; cut < moof.Length; cut++)
        {
            Assert.False(Mp4Splice.TryPatchFragment(moof.AsSpan(0, cut).ToArray(), 9, _ => 0, 0));
        }

        Assert.False(Mp4Splice.TryPatchFragment(moof.ToArray(), 9, _ => -1_000_000_000, 0)); // a time before 0

        byte[] patched = moof.ToArray();
        Assert.True(Mp4Splice.TryPatchFragment(patched, 9, id => id == 1 ? 90000 : 44100, 0));
        byte[] copy = [.. file[..(int)scan.InitLength], .. patched, .. file.AsSpan((int)fragment.Offset + fragment.MoofLength, (int)fragment.Length - fragment.MoofLength)];
        var rescanned = Mp4FragmentScanner.Scan(new MemoryStream(copy, writable: false)).Fragments.Single();
        Assert.Equal(9u, rescanned.SequenceNumber);
        Assert.Equal(fragment.Runs.Select(r => r.BaseDecodeTime + (r.TrackId == 1 ? 90000UL : 44100UL)), rescanned.Runs.Select(r => r.BaseDecodeTime));
    }
}
