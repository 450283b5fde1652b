using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class H265SpsTests
{
    /// <summary>SPS NAL units libx265 3.5 wrote (ffmpeg 5.1, testsrc2), with what ffprobe and trace_headers read from them.</summary>
    [Theory]
    // 1280x720 Main, level 3.1, 30 fps.
    [InlineData("42010101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003c10", 1, 93, 1280, 720, 1280, 720, 1, 8, 1u, 30u, "hvc1.1.6.L93.90")]
    // 1920x1080 Main, level 4, 25 fps, min CU 16: 1088 coded rows, conformance window bottom 4 (8 rows).
    [InlineData("420101016000000300900000030000030078a003c0801107cb965664e4caf0168080000003008000000c84", 1, 120, 1920, 1080, 1920, 1088, 1, 8, 1u, 25u, "hvc1.1.6.L120.90")]
    // 320x240 Main, level 2, 15 fps.
    [InlineData("42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003001e10", 1, 60, 320, 240, 320, 240, 1, 8, 1u, 15u, "hvc1.1.6.L60.90")]
    // 426x240: 432 coded columns, conformance window right 3 (6 columns).
    [InlineData("42010101600000030090000003000003003ca00d880f1c9e5959a4932bc05a020000030002000003003010", 1, 60, 426, 240, 432, 240, 1, 8, 1u, 24u, "hvc1.1.6.L60.90")]
    // 640x360 Main 10, 30000/1001.
    [InlineData("42010102200000030090000003000003003fa005020169365959a4932bc05a02000007d20000ea6010", 2, 63, 640, 360, 640, 360, 1, 10, 1001u, 30000u, "hvc1.2.4.L63.90")]
    // 640x360 Main 4:2:2 10 (range extensions profile, general_profile_idc 4), 50 fps.
    [InlineData("4201010408000003009d0800000300005ab005020169365959a4932bc05a020000030002000003006410", 4, 90, 640, 360, 640, 360, 2, 10, 1u, 50u, "hvc1.4.10.L90.9D.8")]
    // 352x288 Main 4:4:4 8-bit, 10 fps.
    [InlineData("4201010408000003009e0800000300003c9001610090b2cacd24995e02d010000003001000000300a080", 4, 60, 352, 288, 352, 288, 3, 8, 1u, 10u, "hvc1.4.10.L60.9E.8")]
    public void Parses_libx265_sequence_parameter_sets(
        string hex, int profile, int level, int width, int height, int codedWidth, int codedHeight,
        int chroma, int bitDepth, uint numUnitsInTick, uint timeScale, string codec)
    {
        Assert.True(H265Sps.TryParse(CodecTestData.Hex(hex), out var sps));
        Assert.Equal(profile, sps.ProfileIdc);
        Assert.Equal(level, sps.LevelIdc);
        Assert.False(sps.ProfileTierLevel.HighTier);
        Assert.True(sps.ProfileTierLevel.ProgressiveSource);
        Assert.True(sps.ProfileTierLevel.IsCompatibleWith(profile));
        Assert.Equal((width, height), (sps.Width, sps.Height));
        Assert.Equal((codedWidth, codedHeight), (sps.CodedWidth, sps.CodedHeight));
        Assert.Equal(chroma, sps.ChromaFormatIdc);
        Assert.Equal((bitDepth, bitDepth), (sps.BitDepthLuma, sps.BitDepthChroma));
        Assert.Equal(1, sps.MaxSubLayers);
        Assert.Equal((1, 1), (sps.SarWidth, sps.SarHeight));
        Assert.Equal((numUnitsInTick, timeScale), (sps.NumUnitsInTick, sps.TimeScale));
        Assert.Equal((double)timeScale / numUnitsInTick, sps.FrameRate);
        Assert.Equal(codec, sps.CodecString());
        Assert.Equal("hev1" + codec[4..], sps.CodecString("hev1"));
        Assert.Equal(6, sps.Log2CtbSize);
    }

    [Fact]
    public void Skips_sub_layer_ordering_for_temporal_layers()
    {
        // libx265 temporal-layers=1: sps_max_sub_layers_minus1 = 1, ordering info for both sub-layers.
        var nal = CodecTestData.Hex("42010201600000030090000003000003005d0000a0050201e1659594acb24995e02d010000030001000003003c08");
        Assert.True(H265Sps.TryParse(nal, out var sps));
        Assert.Equal(2, sps.MaxSubLayers);
        Assert.Equal((640, 480), (sps.Width, sps.Height));
        Assert.Equal(93, sps.LevelIdc);
        Assert.Equal((5, 2), (sps.MaxDecPicBuffering, sps.MaxNumReorderPics));
        Assert.Equal(60.0, sps.FrameRate);
    }

    [Fact]
    public void Skips_explicit_scaling_lists()
    {
        // libx265 with a custom scaling list file: every size's lists coded, some as copies of another.
        Assert.True(H265Sps.TryParse(CodecTestData.Read("h265_416x240_scaling_lists.sps"), out var sps));
        Assert.True(sps.ScalingListEnabled);
        Assert.Equal((416, 240), (sps.Width, sps.Height));
        Assert.Equal(30.0, sps.FrameRate); // the VUI comes after the 768-byte scaling list data
    }

    /// <summary>
    /// Crafted (TestData/make_crafted_sps.py) for what libx265 never writes, checked against FFmpeg: trace_headers
    /// reads every field to rbsp_stop_one_bit, the hevc decoder reports 1920x1080 Main 10 level 4.1, SAR 1:1,
    /// 60000/1001. Three sub-layers with sub-layer profile and levels, conformance window, PCM, four short-term
    /// reference picture sets (two predicted from the one before), long-term pictures, a default display
    /// window and HDR colour description in the VUI.
    /// </summary>
    [Fact]
    public void Skips_reference_picture_sets_and_sub_layer_profiles()
    {
        var nal = CodecTestData.Hex(
            "42010402200000030090000003000003007bd00002200000030090000003000003005a5d32003c0801107cad96572b95e4912bbbd4ad6b5b"
            + "0a4e8d88f21e02d4244026d8e244c00000fa40003a9831");
        Assert.True(H265Sps.TryParse(nal, out var sps));
        Assert.Equal(3, sps.MaxSubLayers);
        Assert.Equal(5, sps.SeqParameterSetId);
        Assert.Equal((2, 123), (sps.ProfileIdc, sps.LevelIdc));
        Assert.Equal((1920, 1080, 1920, 1088), (sps.Width, sps.Height, sps.CodedWidth, sps.CodedHeight));
        Assert.Equal((10, 10), (sps.BitDepthLuma, sps.BitDepthChroma));
        Assert.Equal(8, sps.Log2MaxPicOrderCntLsb);
        Assert.Equal(4, sps.NumShortTermRefPicSets);
        Assert.True(sps.LongTermRefPicsPresent);
        Assert.True(sps.ScalingListEnabled);
        Assert.Equal((1, 1), (sps.SarWidth, sps.SarHeight));
        Assert.Equal((1001u, 60000u), (sps.NumUnitsInTick, sps.TimeScale));
        Assert.Equal(60000.0 / 1001, sps.FrameRate!.Value, 9);
        Assert.Equal("hvc1.2.4.L123.90", sps.CodecString());
    }

    [Fact]
    public void Codec_string_spells_profile_space_tier_and_every_constraint_byte()
    {
        var ptl = new H265ProfileTierLevel
        {
            ProfileSpace = 1,
            HighTier = true,
            ProfileIdc = 2,
            CompatibilityFlags = 0x20000000,
            ConstraintFlags = 0xB0_00_00_00_00_01,
            LevelIdc = 150,
        };
        Assert.Equal("hvc1.A2.4.H150.B0.0.0.0.0.1", ptl.CodecString());
        Assert.Equal("hvc1.1.0.L0", new H265ProfileTierLevel { ProfileIdc = 1 }.CodecString());
    }

    [Fact]
    public void Nal_header_gives_type_layer_and_temporal_id()
    {
        Assert.True(H265NalHeader.TryParse([0x40, 0x01], out var vps));
        Assert.Equal(new H265NalHeader(H265.NalVps, 0, 0), vps);
        Assert.True(H265NalHeader.TryParse([0x42, 0x01], out var sps));
        Assert.Equal(H265.NalSps, sps.Type);
        Assert.True(H265NalHeader.TryParse([0x26, 0x01], out var idr));
        Assert.Equal(H265.NalIdrWRadl, idr.Type);
        // Type 1 (TRAIL_R) on layer 33 with temporal id 2: 0 000001 1 | 00001 011.
        Assert.True(H265NalHeader.TryParse([0x03, 0x0B], out var layered));
        Assert.Equal(new H265NalHeader(1, 33, 2), layered);
        Assert.False(H265NalHeader.TryParse([0x40, 0x00], out _)); // nuh_temporal_id_plus1 = 0
        Assert.False(H265NalHeader.TryParse([0xC0, 0x01], out _)); // forbidden_zero_bit
        Assert.False(H265NalHeader.TryParse([0x40], out _));
    }

    [Fact]
    public void Classifies_nal_types()
    {
        Assert.All(Enumerable.Range(16, 8), t => Assert.True(H265.IsIrap(t)));
        Assert.False(H265.IsIrap(15));
        Assert.False(H265.IsIrap(24));
        Assert.True(H265.IsParameterSet(H265.NalVps));
        Assert.True(H265.IsParameterSet(H265.NalPps));
        Assert.False(H265.IsParameterSet(H265.NalAud));
        Assert.False(H265.IsParameterSet(H265.NalSeiPrefix));
        Assert.Equal(33, H265.NalType(CodecTestData.Hex("4201")));
        Assert.Equal(39, H265.NalType((byte)0x4E));
        Assert.Equal(40, H265.NalType((byte)0x50));
        Assert.Equal(35, H265.NalType((byte)0x46));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4201")]
    [InlineData("4201010160000003009000000300000300")] // ends inside profile_tier_level
    [InlineData("40010c01ffff016000000300900000030000030078959809")] // a VPS
    [InlineData("42000101600000030090000003000003005da00280802d165959a4932bc05a020000030002000003003c10")] // temporal id plus 1 = 0
    public void Rejects_what_is_not_a_whole_sps(string hex)
    {
        Assert.False(H265Sps.TryParse(CodecTestData.Hex(hex), out var sps));
        Assert.Equal(default, sps);
    }
}
