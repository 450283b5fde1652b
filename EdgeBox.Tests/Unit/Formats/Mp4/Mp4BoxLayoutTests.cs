using EdgeBox.Formats.Mp4;
using EdgeBox.Infrastructure;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;
using EdgeBox.Tests.Unit.Media.Codecs;
using EdgeBox.Tests.Unit.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

/// <summary>Boxes byte for byte: hand-computed layouts, and the configuration records FFmpeg writes for the same streams.</summary>
public sealed class Mp4BoxLayoutTests
{
    private static byte[] Write(Action<Mp4BoxWriter> write)
    {
        using var buffer = new PooledBufferWriter(16);
        write(new Mp4BoxWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Nested_boxes_get_their_sizes_patched()
    {
        var bytes = Write(w =>
        {
            int outer = w.Begin("moov"u8);
            int full = w.BeginFull("mvhd"u8, 1, 0x000203);
            w.WriteUInt24(0x0A0B0C);
            w.WriteUInt64(0x0102030405060708);
            w.End(full);
            int empty = w.Begin("free"u8);
            w.End(empty);
            w.WriteZeros(300); // past the first buffer: the patches land in the grown one
            w.End(outer);
        });

        Assert.Equal(
            "00000153" + "6d6f6f76" + "00000017" + "6d766864" + "01000203" + "0a0b0c" + "0102030405060708" + "00000008" + "66726565" + new string('0', 600),
            Convert.ToHexString(bytes).ToLowerInvariant());
        Assert.Throws<ArgumentException>(() => Write(w => w.Begin("toolong"u8)));
    }

    /// <summary>A run of audio: every sample a sync sample, so the flags go to tfhd's default and trun has none.</summary>
    [Fact]
    public void An_audio_run_has_default_flags_and_no_per_sample_flags()
    {
        var bytes = Write(w => Mp4Fragment.WriteMoofAndMdatHeader(w, 7,
            [new Mp4TrackRun(2, new[] { new Mp4Sample(1000, 1024, 10, true), new Mp4Sample(2024, 1024, 20, true) })]));

        Assert.Equal(
            "0000006c6d6f6f66"
            + "000000106d66686400000000" + "00000007" // mfhd: sequence 7
            + "0000005474726166"
            + "0000001474666864" + "00020020" + "00000002" + "02000000" // tfhd: default-base-is-moof | default flags; track 2; sync
            + "0000001474666474" + "01000000" + "00000000000003e8" // tfdt version 1: 1000
            + "000000247472756e" + "00000301" + "00000002" + "00000074" // trun: data offset, duration, size; 2 samples; moof + 8
            + "00000400" + "0000000a" + "00000400" + "00000014"
            + "000000266d646174", // mdat: 8 + 30 bytes
            Convert.ToHexString(bytes).ToLowerInvariant());
    }

    /// <summary>A GOP's run (sync, then non-sync): FFmpeg's layout, default non-sync flags and first_sample_flags.</summary>
    [Fact]
    public void A_video_run_that_starts_with_its_only_keyframe_uses_first_sample_flags()
    {
        var bytes = Write(w => Mp4Fragment.WriteMoofAndMdatHeader(w, 1,
            [new Mp4TrackRun(1, new[] { new Mp4Sample(0, 3600, 100, true), new Mp4Sample(3600, 3600, 50, false), new Mp4Sample(7200, 3600, 60, false) })]));

        var tfhd = TestBoxes.Single(bytes, "moof/traf/tfhd");
        Assert.Equal("00020020" + "00000001" + "01010000", Convert.ToHexString(tfhd.Content).ToLowerInvariant());
        var trun = TestBoxes.Single(bytes, "moof/traf/trun");
        Assert.Equal(
            "00000305" + "00000003" + "00000080" + "02000000" // flags: data offset | first sample flags | duration | size
            + "00000e10" + "00000064" + "00000e10" + "00000032" + "00000e10" + "0000003c",
            Convert.ToHexString(trun.Content).ToLowerInvariant());
        Assert.Equal(128, TestBoxes.Single(bytes, "moof").Content.Length + 8 + 8); // data_offset 0x80: past moof and the mdat header
    }

    [Fact]
    public void Keyframes_inside_a_run_get_flags_per_sample()
    {
        var bytes = Write(w => Mp4Fragment.WriteMoofAndMdatHeader(w, 1,
            [new Mp4TrackRun(1, new[] { new Mp4Sample(0, 3600, 100, true), new Mp4Sample(3600, 3600, 50, false), new Mp4Sample(7200, 3600, 60, true) })]));
        var trun = TestBoxes.Single(bytes, "moof/traf/trun");
        Assert.Equal((0, 0x000701u), trun.Full);
        Assert.Equal([0x02000000u, 0x01010000u, 0x02000000u], [trun.UInt32At(20), trun.UInt32At(32), trun.UInt32At(44)]);

        // No keyframe at all: everything in tfhd's non-sync default.
        bytes = Write(w => Mp4Fragment.WriteMoofAndMdatHeader(w, 1, [new Mp4TrackRun(1, new[] { new Mp4Sample(0, 3600, 1, false), new Mp4Sample(3600, 3600, 1, false) })]));
        Assert.Equal(0x01010000u, TestBoxes.Single(bytes, "moof/traf/tfhd").UInt32At(8));
        Assert.Equal((0, 0x000301u), TestBoxes.Single(bytes, "moof/traf/trun").Full);
    }

    [Fact]
    public void Composition_offsets_are_written_only_when_used_and_signed_only_when_negative()
    {
        var positive = Write(w => Mp4Fragment.WriteMoofAndMdatHeader(w, 1,
            [new Mp4TrackRun(1, new[] { new Mp4Sample(0, 3600, 1, true, 7200), new Mp4Sample(3600, 3600, 1, false, 0) })]));
        var trun = TestBoxes.Single(positive, "moof/traf/trun");
        Assert.Equal((0, 0x000B05u), trun.Full);
        Assert.Equal([7200u, 0u], [trun.UInt32At(24), trun.UInt32At(36)]); // after first_sample_flags: duration, size, offset

        var negative = Write(w => Mp4Fragment.WriteMoofAndMdatHeader(w, 1,
            [new Mp4TrackRun(1, new[] { new Mp4Sample(0, 3600, 1, true, 0), new Mp4Sample(3600, 3600, 1, false, -3600) })]));
        trun = TestBoxes.Single(negative, "moof/traf/trun");
        Assert.Equal((1, 0x000B05u), trun.Full);
        Assert.Equal(unchecked((uint)-3600), trun.UInt32At(36));
    }

    [Fact]
    public void Each_run_points_at_its_own_bytes_in_the_mdat()
    {
        var bytes = Write(w => Mp4Fragment.WriteMoofAndMdatHeader(w, 3,
        [
            new Mp4TrackRun(1, new[] { new Mp4Sample(0, 3600, 1000, true), new Mp4Sample(3600, 3600, 500, false) }),
            new Mp4TrackRun(2, ArraySegment<Mp4Sample>.Empty), // a track with nothing this time: no traf
            new Mp4TrackRun(3, new[] { new Mp4Sample(0, 1024, 300, true) }),
        ]));
        var moof = TestBoxes.Single(bytes, "moof");
        var truns = TestBoxes.Find(bytes, "moof/traf/trun");
        Assert.Equal(2, truns.Count);
        int dataStart = moof.Content.Length + 8 + 8;
        Assert.Equal([(uint)dataStart, (uint)dataStart + 1500], truns.Select(t => t.UInt32At(8)));
        Assert.Equal("mdat"u8.ToArray(), bytes[^4..]); // the header only: the caller appends the 1800 bytes
        Assert.Equal(0x00000710u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(bytes.Length - 8)));
    }

    /// <summary>The avcC of the Baseline test stream, as FFmpeg writes it for the same SPS and PPS (<c>ffmpeg -i X.h264 -c copy X.mp4</c>).</summary>
    [Fact]
    public void Avcc_matches_what_ffmpeg_writes()
    {
        var nals = RtpTestMedia.SplitAnnexB(CodecTestData.Read("h264_320x240_baseline.h264"));
        var bytes = Write(w => Mp4SampleEntry.WriteAvcC(w, nals[0], nals[1]));
        Assert.Equal("00000030617663430142c00cffe100186742c00cd90141fb0110000003001000000301e0f142a48001000568cb83cb20",
            Convert.ToHexString(bytes).ToLowerInvariant());
    }

    [Fact]
    public void Avcc_of_a_high_profile_carries_the_chroma_and_bit_depth_extension()
    {
        // libx264 High 4:2:2 10-bit, 640x360 (ffmpeg 5.1): profile_idc 122.
        var sps = CodecTestData.Hex("677a001eb6cd940a02ff89c044000003000400000300c83c58b658");
        var pps = CodecTestData.Hex("68ebe3cb22c0");
        Assert.True(H264Sps.TryParse(sps, out var parsed));
        var bytes = Write(w => Mp4SampleEntry.WriteAvcC(w, sps, pps));
        Assert.Equal([(byte)(0xFC | parsed.ChromaFormatIdc), (byte)(0xF8 | (parsed.BitDepthLuma - 8)), (byte)(0xF8 | (parsed.BitDepthChroma - 8)), 0], bytes[^4..]);
        Assert.Equal((2, 10), (parsed.ChromaFormatIdc, parsed.BitDepthLuma));
    }

    /// <summary>The hvcC of the Main test stream, as FFmpeg writes it (<c>-c copy -tag:v hvc1</c>): profile, tier and level from the SPS.</summary>
    [Fact]
    public void Hvcc_matches_what_ffmpeg_writes()
    {
        var nals = RtpTestMedia.SplitAnnexB(CodecTestData.Read("h265_320x240_main.h265"));
        var bytes = Write(w => Mp4SampleEntry.WriteHvcC(w, nals[0], nals[1], nals[2]));
        Assert.Equal(
            "00000077687663430101600000009000000000003cf000fcfdf8f800000f03a00001001840010c01ffff01600000030090000003000003003c959809a10001002a42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003001e10a2000100074401c172b46240",
            Convert.ToHexString(bytes).ToLowerInvariant());
    }

    /// <summary>esds for the AAC test stream's config (LC 44.1 kHz stereo): FFmpeg's fields, with one-byte descriptor lengths and no bit rates.</summary>
    [Fact]
    public void Esds_carries_the_audio_specific_config()
    {
        var bytes = Write(w => Mp4SampleEntry.WriteEsds(w, 0, 0x40, 0x05, [0x12, 0x10]));
        Assert.Equal(
            "0000002765736473" + "00000000"
            + "0319" + "0000" + "00" // ES_Descriptor, 25 bytes: ES_ID 0, no flags
            + "0411" + "40" + "15" + "000000" + "00000000" + "00000000" // DecoderConfigDescriptor: MPEG-4 audio, audio stream
            + "0502" + "1210" // DecoderSpecificInfo: the AudioSpecificConfig
            + "060102", // SLConfigDescriptor predefined 2
            Convert.ToHexString(bytes).ToLowerInvariant());
    }

    [Fact]
    public void Opus_and_vp9_entries_match_what_ffmpeg_writes()
    {
        // libopus mono in FFmpeg's MP4: dOps version 0, 1 channel, pre-skip 312, 48 kHz, gain 0, family 0.
        var opus = EntryOf(new MediaTrack(0, CodecId.Opus, 48000, 1, CodecParameters.None));
        var dOps = Assert.Single(TestBoxes.EntryChildren(opus, visual: false));
        Assert.Equal("dOps", dOps.Path);
        Assert.Equal("000101380000bb80000000", Convert.ToHexString(dOps.Content).ToLowerInvariant());
        Assert.Equal("000000000000000100000000000000000001001000000000bb800000", Convert.ToHexString(opus.Content[..28]).ToLowerInvariant());

        // libvpx-vp9 320x240 profile 0: level 2, 8-bit, 4:2:0, limited range, colour unspecified.
        var vp9 = EntryOf(new MediaTrack(0, CodecId.Vp9, 90000, 0, new CodecParameters { Width = 320, Height = 240, Profile = 0 }));
        var vpcC = Assert.Single(TestBoxes.EntryChildren(vp9, visual: true));
        Assert.Equal("010000000014820202020000", Convert.ToHexString(vpcC.Content).ToLowerInvariant());
        Assert.Equal([0x01, 0x40, 0x00, 0xF0], vp9.Content[24..28]); // width, height
    }

    [Fact]
    public void G711_entries_are_bare_quicktime_sound_entries()
    {
        var ulaw = EntryOf(new MediaTrack(0, CodecId.Pcmu, 8000, 1, CodecParameters.None));
        Assert.EndsWith("stsd/ulaw", ulaw.Path, StringComparison.Ordinal);
        Assert.Equal("0000000000000001" + "0000000000000000" + "0001" + "0010" + "0000" + "0000" + "1f400000", Convert.ToHexString(ulaw.Content).ToLowerInvariant());
        Assert.EndsWith("stsd/alaw", EntryOf(new MediaTrack(0, CodecId.Pcma, 8000, 1, CodecParameters.None)).Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Av1_entry_carries_the_config_record_and_the_brand()
    {
        // libaom 208x120 sequence header (see Av1Tests).
        var header = CodecTestData.Hex("0a0b00000042abbfc373efe401");
        Assert.NotNull(Av1.ConfigRecord(header));
        var track = new MediaTrack(0, CodecId.Av1, 90000, 0, ParameterSets.WithDimensions(CodecId.Av1, new CodecParameters { SequenceHeader = header }));
        var init = InitOf(track);
        var entry = TestBoxes.Single(init, "moov/trak/mdia/minf/stbl/stsd/av01");
        var av1C = Assert.Single(TestBoxes.EntryChildren(entry, visual: true));
        Assert.Equal(Av1.ConfigRecord(header), av1C.Content);
        Assert.Equal("iso6" + "\0\0\0\0" + "iso6mp41dashav01", System.Text.Encoding.ASCII.GetString(TestBoxes.Single(init, "ftyp").Content));
    }

    [Fact]
    public void The_init_segment_has_one_trak_per_track_with_its_clock_as_timescale()
    {
        var nals = RtpTestMedia.SplitAnnexB(CodecTestData.Read("h264_320x240_baseline.h264"));
        var video = new MediaTrack(4, CodecId.H264, 90000, 0, ParameterSets.WithDimensions(CodecId.H264, new CodecParameters { Sps = nals[0], Pps = nals[1] }));
        var audio = new MediaTrack(7, CodecId.Aac, 44100, 2, new CodecParameters { AudioSpecificConfig = [0x12, 0x10] });
        var init = Write(w => Mp4InitSegment.Write(w, [new Mp4InitTrack(video, 1, TimeSpan.Zero), new Mp4InitTrack(audio, 2, TimeSpan.FromMilliseconds(250))]));

        string trak = "moov/trak/mdia/minf/stbl";
        Assert.Equal(
            "ftyp moov moov/mvhd moov/trak moov/trak/tkhd moov/trak/mdia moov/trak/mdia/mdhd moov/trak/mdia/hdlr moov/trak/mdia/minf "
            + "moov/trak/mdia/minf/vmhd moov/trak/mdia/minf/dinf moov/trak/mdia/minf/dinf/dref "
            + $"{trak} {trak}/stsd {trak}/stsd/avc1 {trak}/stts {trak}/stsc {trak}/stsz {trak}/stco "
            + "moov/trak moov/trak/tkhd moov/trak/edts moov/trak/edts/elst moov/trak/mdia moov/trak/mdia/mdhd moov/trak/mdia/hdlr moov/trak/mdia/minf "
            + "moov/trak/mdia/minf/smhd moov/trak/mdia/minf/dinf moov/trak/mdia/minf/dinf/dref "
            + $"{trak} {trak}/stsd {trak}/stsd/mp4a {trak}/stts {trak}/stsc {trak}/stsz {trak}/stco "
            + "moov/mvex moov/mvex/trex moov/mvex/trex",
            TestBoxes.Layout(init));
        Assert.Equal([90000u, 44100u], TestBoxes.Find(init, "moov/trak/mdia/mdhd").Select(b => b.UInt32At(12)));
        Assert.Equal(["vide", "soun"], TestBoxes.Find(init, "moov/trak/mdia/hdlr").Select(b => System.Text.Encoding.ASCII.GetString(b.Content, 8, 4)));
        Assert.Equal([1u, 2u], TestBoxes.Find(init, "moov/trak/tkhd").Select(b => b.UInt32At(12)));
        Assert.Equal(3u, TestBoxes.Single(init, "moov/mvhd").UInt32At(96)); // next_track_ID
        var tkhd = TestBoxes.Find(init, "moov/trak/tkhd")[0];
        Assert.Equal((320u << 16, 240u << 16), (tkhd.UInt32At(76), tkhd.UInt32At(80)));

        // The audio starts 250 ms in: an empty edit of 250 ms, then its media from 250 ms (11025 ticks) on.
        Assert.Equal("00000000" + "00000002" + "000000fa" + "ffffffff" + "00010000" + "00000000" + "00002b11" + "00010000",
            Convert.ToHexString(TestBoxes.Single(init, "moov/trak/edts/elst").Content).ToLowerInvariant());
    }

    [Fact]
    public void Tracks_without_what_their_entry_needs_are_refused()
    {
        Assert.False(Mp4SampleEntry.CanDescribe(new MediaTrack(0, CodecId.H264, 90000, 0, CodecParameters.None), out string? reason));
        Assert.Contains("SPS", reason, StringComparison.Ordinal);
        Assert.False(Mp4SampleEntry.CanDescribe(new MediaTrack(0, CodecId.H265, 90000, 0, new CodecParameters { Sps = [0x42, 1], Pps = [0x44], Vps = [0x40] }), out _));
        Assert.False(Mp4SampleEntry.CanDescribe(new MediaTrack(0, CodecId.Aac, 48000, 2, CodecParameters.None), out _));
        Assert.False(Mp4SampleEntry.CanDescribe(new MediaTrack(0, CodecId.Av1, 90000, 0, CodecParameters.None), out _));
        Assert.False(Mp4SampleEntry.CanDescribe(new MediaTrack(0, CodecId.Opus, 48000, 6, CodecParameters.None), out _));
        Assert.True(Mp4SampleEntry.CanDescribe(new MediaTrack(0, CodecId.Mjpeg, 90000, 0, CodecParameters.None), out _));
        Assert.True(Mp4SampleEntry.CanDescribe(new MediaTrack(0, CodecId.Vp8, 90000, 0, CodecParameters.None), out _));
    }

    [Theory]
    [InlineData(160, 120, 10)]
    [InlineData(320, 240, 20)]
    [InlineData(640, 360, 21)]
    [InlineData(1280, 720, 31)]
    [InlineData(1920, 1080, 40)]
    [InlineData(3840, 2160, 50)]
    [InlineData(0, 0, 0)]
    public void Vp9_level_follows_the_picture_size(int width, int height, int level) =>
        Assert.Equal(level, Mp4SampleEntry.Vp9Level(width, height));

    private static byte[] InitOf(MediaTrack track) => Write(w => Mp4InitSegment.Write(w, [new Mp4InitTrack(track, 1, TimeSpan.Zero)]));

    private static TestBox EntryOf(MediaTrack track) =>
        TestBoxes.All(InitOf(track)).Single(b => b.Path.StartsWith("moov/trak/mdia/minf/stbl/stsd/", StringComparison.Ordinal));
}
