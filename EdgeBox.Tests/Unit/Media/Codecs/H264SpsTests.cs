using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class H264SpsTests
{
    /// <summary>SPS NAL units libx264 wrote (ffmpeg 5.1, testsrc2), with what ffprobe and the trace_headers bitstream filter read from them.</summary>
    [Theory]
    // 1280x720 High, level 3.1, 30 fps.
    [InlineData("6764001facd9405005bb0110000003001000000303c0f1831960", 100, 0x00, 31, 1280, 720, 1280, 720, 1, 8, true, 1u, 60u, "avc1.64001f")]
    // 1920x1080 High, level 4: coded 1088 rows, 8 cropped (frame_crop_bottom_offset 4, 2 rows a unit).
    [InlineData("67640028acd940780227e5c044000003000400000300c83c60c658", 100, 0x00, 40, 1920, 1080, 1920, 1088, 1, 8, true, 1u, 50u, "avc1.640028")]
    // 320x240 Constrained Baseline (constraint_set0 and 1), level 1.2, 15 fps.
    [InlineData("6742c00cd90141fb0110000003001000000301e0f142a480", 66, 0xc0, 12, 320, 240, 320, 240, 1, 8, true, 1u, 30u, "avc1.42c00c")]
    // 640x360 High 4:2:2 10-bit, 30000/1001: 4:2:2 crops in single rows (offset 8 = 8 rows).
    [InlineData("677a001eb6cd940a02ff89c04400000fa40003a9803c58b658", 122, 0x00, 30, 640, 360, 640, 368, 2, 10, true, 1001u, 60000u, "avc1.7a001e")]
    // 352x288 High 4:4:4 Predictive, 10 fps.
    [InlineData("67f4000c919b282c12d80880000003008000000a078a14cb", 244, 0x00, 12, 352, 288, 352, 288, 3, 8, true, 1u, 20u, "avc1.f4000c")]
    // 1920x1080 interlaced (frame_mbs_only_flag 0): 34 map units of 32 rows, crop offset 2 = 8 rows.
    [InlineData("67640028acd94078044fde0220000003002000000643e2c5b2c0", 100, 0x00, 40, 1920, 1080, 1920, 1088, 1, 8, false, 1u, 50u, "avc1.640028")]
    // 426x240 Main, level 2.1, 24 fps: 432 coded columns, 6 cropped at the right (offset 3).
    [InlineData("674d4015eca0d8ff2780880000030008000003018078b16cb0", 77, 0x40, 21, 426, 240, 432, 240, 1, 8, true, 1u, 48u, "avc1.4d4015")]
    public void Parses_libx264_sequence_parameter_sets(
        string hex, int profile, int constraints, int level, int width, int height, int codedWidth, int codedHeight,
        int chroma, int bitDepth, bool frameMbsOnly, uint numUnitsInTick, uint timeScale, string codec)
    {
        Assert.True(H264Sps.TryParse(CodecTestData.Hex(hex), out var sps));
        Assert.Equal(profile, sps.ProfileIdc);
        Assert.Equal(constraints, sps.ConstraintFlags);
        Assert.Equal(level, sps.LevelIdc);
        Assert.Equal(0, sps.SeqParameterSetId);
        Assert.Equal((width, height), (sps.Width, sps.Height));
        Assert.Equal((codedWidth, codedHeight), (sps.CodedWidth, sps.CodedHeight));
        Assert.Equal(chroma, sps.ChromaFormatIdc);
        Assert.Equal(bitDepth, sps.BitDepthLuma);
        Assert.Equal(bitDepth, sps.BitDepthChroma);
        Assert.Equal(frameMbsOnly, sps.FrameMbsOnly);
        Assert.Equal((1, 1), (sps.SarWidth, sps.SarHeight));
        Assert.Equal((numUnitsInTick, timeScale), (sps.NumUnitsInTick, sps.TimeScale));
        Assert.Equal(timeScale / (2.0 * numUnitsInTick), sps.FrameRate);
        Assert.Equal(codec, sps.CodecString);
        Assert.Equal(codec[5..], H264.ProfileLevelId(CodecTestData.Hex(hex)));
        Assert.False(sps.ScalingMatrixPresent);
    }

    [Fact]
    public void Frame_rates_match_what_ffprobe_reports()
    {
        Assert.True(H264Sps.TryParse(CodecTestData.Hex("6764001facd9405005bb0110000003001000000303c0f1831960"), out var p30));
        Assert.Equal(30.0, p30.FrameRate);
        Assert.True(H264Sps.TryParse(CodecTestData.Hex("677a001eb6cd940a02ff89c04400000fa40003a9803c58b658"), out var ntsc));
        Assert.Equal(30000.0 / 1001, ntsc.FrameRate!.Value, 9);
        Assert.True(H264Sps.TryParse(CodecTestData.Hex("67640028acd94078044fde0220000003002000000643e2c5b2c0"), out var interlaced));
        Assert.Equal(25.0, interlaced.FrameRate);
        Assert.True(interlaced.MbAdaptiveFrameField);
    }

    /// <summary>
    /// Crafted (TestData/make_crafted_sps.py) to reach what x264 never writes, and checked against FFmpeg:
    /// trace_headers reads every field to rbsp_stop_one_bit, and the h264 decoder reports 1920x1080,
    /// SAR 4:3, 30000/1001, yuv444p10le, full range. High 4:4:4 with 8 of 12 scaling lists (one falling
    /// back to the default matrix, one ending early, one wrapping modulo 256), POC type 1 with a cycle,
    /// extended SAR, colour description, chroma location, NAL HRD and bitstream restrictions after the timing.
    /// </summary>
    private const string Crafted444ScalingLists =
        "67f40028210df081c522e219083cca3108c411a0e9395d10c72ba218e574431cae886395d10c72ba218e574431cae886395d10c78affff"
        + "fffffffffffea69a69a69a69a69a69a69a69a69a69a69a69a69a69a69a69c1403d318c6318c6318064fffffffffffff190e42228025828"
        + "0f0044fc4ffe000800076e0202034a000007d20001d4c1c8c00186a00030d45ef7c0da08845960";

    [Fact]
    public void Skips_scaling_lists_and_poc_cycles_in_a_high_444_sps()
    {
        Assert.True(H264Sps.TryParse(CodecTestData.Hex(Crafted444ScalingLists), out var sps));
        Assert.Equal(244, sps.ProfileIdc);
        Assert.Equal(3, sps.SeqParameterSetId);
        Assert.Equal(3, sps.ChromaFormatIdc);
        Assert.False(sps.SeparateColourPlane);
        Assert.Equal((10, 10), (sps.BitDepthLuma, sps.BitDepthChroma));
        Assert.True(sps.ScalingMatrixPresent);
        Assert.Equal(9, sps.Log2MaxFrameNum);
        Assert.Equal(1, sps.PicOrderCntType);
        Assert.Equal(4, sps.MaxNumRefFrames);
        // 4:4:4 crops in single rows: 1088 - 8.
        Assert.Equal((1920, 1080, 1920, 1088), (sps.Width, sps.Height, sps.CodedWidth, sps.CodedHeight));
        Assert.Equal((4, 3), (sps.SarWidth, sps.SarHeight));
        Assert.True(sps.VideoFullRange);
        Assert.Equal((1001u, 60000u, true), (sps.NumUnitsInTick, sps.TimeScale, sps.FixedFrameRate));
        Assert.Equal(30000.0 / 1001, sps.FrameRate!.Value, 9);
        Assert.Equal("avc1.f40028", sps.CodecString);
    }

    /// <summary>Crafted and checked the same way: Main, field coded (704x576 after 8 columns cropped each side), POC type 2, SAR 12:11, no timing.</summary>
    [Fact]
    public void Reads_a_field_coded_main_sps_without_timing()
    {
        Assert.True(H264Sps.TryParse(CodecTestData.Hex("674d401eda82d09194be0401"), out var sps));
        Assert.Equal((77, 0x40, 30), (sps.ProfileIdc, sps.ConstraintFlags, sps.LevelIdc));
        Assert.True(sps.HasConstraintSet(1));
        Assert.False(sps.HasConstraintSet(0));
        Assert.False(sps.FrameMbsOnly);
        Assert.False(sps.MbAdaptiveFrameField);
        Assert.Equal(2, sps.PicOrderCntType);
        Assert.Equal((704, 576, 720, 576), (sps.Width, sps.Height, sps.CodedWidth, sps.CodedHeight));
        Assert.Equal((12, 11), (sps.SarWidth, sps.SarHeight));
        Assert.Null(sps.FrameRate);
        Assert.Equal("4d401e", sps.ProfileLevelId);
    }

    [Fact]
    public void A_truncated_vui_keeps_the_picture_fields()
    {
        // The 720p SPS cut inside the timing information: size and profile stand, the timing is dropped.
        var full = CodecTestData.Hex("6764001facd9405005bb0110000003001000000303c0f1831960");
        Assert.True(H264Sps.TryParse(full.AsSpan(0, 13), out var sps));
        Assert.Equal((1280, 720), (sps.Width, sps.Height));
        Assert.Null(sps.FrameRate);
        Assert.Equal(0, sps.SarWidth);
    }

    [Theory]
    [InlineData("")]
    [InlineData("67")]
    [InlineData("6764001f")] // stops before seq_parameter_set_id's code ends
    [InlineData("6864001facd9405005bb01")] // a PPS
    [InlineData("e764001facd9405005bb0110000003001000000303c0f1831960")] // forbidden_zero_bit set
    public void Rejects_what_is_not_a_whole_sps(string hex)
    {
        Assert.False(H264Sps.TryParse(CodecTestData.Hex(hex), out var sps));
        Assert.Equal(default, sps);
    }

    [Fact]
    public void Rejects_out_of_range_fields()
    {
        // seq_parameter_set_id 32 (ue 000001000001), then nothing useful.
        Assert.False(H264Sps.TryParse([0x67, 0x42, 0x00, 0x1e, 0x04, 0x3f, 0xff, 0xff], out _));
        // chroma_format_idc 4 in a High profile SPS: id 0 ("1"), then ue 4 = 00101.
        Assert.False(H264Sps.TryParse([0x67, 0x64, 0x00, 0x1e, 0b1_00101_11, 0xff, 0xff, 0xff], out _));
    }

    [Fact]
    public void Profile_level_id_reads_past_emulation_prevention()
    {
        // profile_idc 0x00 and a zero constraint byte make the encoder insert 0x03 before level_idc 0x01.
        Assert.Equal("000001", H264.ProfileLevelId([0x67, 0x00, 0x00, 0x03, 0x01, 0xff]));
        Assert.Null(H264.ProfileLevelId([0x68, 0x42, 0x00, 0x1e]));
        Assert.Null(H264.ProfileLevelId([0x67, 0x42]));
        Assert.Equal("avc1.42e01e", H264.CodecString(66, 0xe0, 30));
    }
}
