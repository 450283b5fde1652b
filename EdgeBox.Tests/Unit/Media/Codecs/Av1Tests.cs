using EdgeBox.Media.Codecs;
using EdgeBox.Tests.Unit.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class Av1Tests
{
    [Theory]
    [InlineData("00", 0u, 1, true)]
    [InlineData("7f", 127u, 1, true)]
    [InlineData("8001", 128u, 2, true)]
    [InlineData("ff7f", 16383u, 2, true)]
    [InlineData("e58e26", 624485u, 3, true)]
    [InlineData("ffffffff0f", uint.MaxValue, 5, true)]
    [InlineData("808000", 0u, 3, false)]  // not the shortest form, which §4.10.5 allows
    [InlineData("05ff", 5u, 1, false)]    // reading stops at the first byte without the top bit
    public void Leb128_reads_the_specification_forms(string hex, uint value, int length, bool shortest)
    {
        Assert.True(Leb128.TryRead(CodecTestData.Hex(hex), out uint read, out int consumed));
        Assert.Equal((value, length), (read, consumed));
        if (shortest)
        {
            Span<byte> written = stackalloc byte[8];
            Assert.Equal(length, Leb128.Write(written, value));
            Assert.Equal(hex, Convert.ToHexStringLower(written[..length]));
            Assert.Equal(length, Leb128.Size(value));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]                 // ends inside the number
    [InlineData("ffffffff1f")]         // 2^32 and above
    [InlineData("808080808080808000")] // a ninth byte
    public void Leb128_refuses_what_the_specification_does(string hex)
    {
        Assert.False(Leb128.TryRead(CodecTestData.Hex(hex), out _, out _));
    }

    /// <summary>
    /// Sequence header OBUs from real encoders (Unit/Media/Codecs/TestData/README.md says how each was made), what
    /// ffprobe and the trace_headers bitstream filter read from them, and the av1C FFmpeg's MP4 muxer wrote.
    /// </summary>
    [Theory]
    // libaom realtime, 208x120 4:2:0 8-bit (the TestData/Rtp/av1.obu stream).
    [InlineData("0a0a00000003b67f736be401", 0, 0, 0, 208, 120, 8, false, true, true, "81000c00")]
    // SVT-AV1, 320x240 4:2:0 10-bit.
    [InlineData("0a0b000000043cffbcfbf94040", 0, 0, 0, 320, 240, 10, false, true, true, "81004c00")]
    // SVT-AV1, 1920x1080: level 4.0 (seq_level_idx 8), the first level with a tier bit.
    [InlineData("0a0b00000042abbfc373efe401", 0, 8, 0, 1920, 1080, 8, false, true, true, "81080c00")]
    // rav1e, 100x60: seq_level_idx 31 (no level).
    [InlineData("0a0d000000f9971f6210a88101010a", 0, 31, 0, 100, 60, 8, false, true, true, "811f0c00")]
    // libaom, 64x48 4:4:4: High profile, no subsampling.
    [InlineData("0a0a20000002aff79b5f2040", 1, 0, 0, 64, 48, 8, false, false, false, "81200000")]
    // The same after av1_metadata=tick_rate=30000/1001:num_ticks_per_picture=5: timing_info with a uvlc.
    [InlineData("0a132400000fa40001d4c2500000055fef36be4080", 1, 0, 0, 64, 48, 8, false, false, false, "81200000")]
    public void Parses_encoder_sequence_headers_and_builds_ffmpegs_av1C(
        string hex, int profile, int level, int tier, int width, int height, int bitDepth, bool mono, bool x, bool y, string av1C)
    {
        var obu = CodecTestData.Hex(hex);
        Assert.True(Av1SequenceHeader.TryParse(obu, out var header));
        Assert.Equal((profile, level, tier), (header.Profile, header.Level, header.Tier));
        Assert.Equal((width, height), (header.Width, header.Height));
        Assert.Equal((bitDepth, mono, x, y), (header.BitDepth, header.Monochrome, header.SubsamplingX, header.SubsamplingY));
        Assert.False(header.ReducedStillPictureHeader);
        Assert.Equal(av1C + hex, Convert.ToHexStringLower(Av1.ConfigRecord(obu)!));
    }

    [Fact]
    public void Truncated_and_foreign_sequence_headers_do_not_parse()
    {
        var obu = CodecTestData.Hex("0a0b00000042abbfc373efe401");
        Assert.False(Av1SequenceHeader.TryParse(obu.AsSpan(0, obu.Length - 1), out _)); // obu_size says 11 bytes
        for (int length = 0; length <= 8; length++)
        {
            // Without the size field the payload may end anywhere: 8 bytes stop before color_config.
            byte[] noSize = [0x08, .. obu.AsSpan(2, length)]; // sequence header, no obu_size
            Assert.False(Av1SequenceHeader.TryParse(noSize, out _), $"{length} bytes");
        }

        Assert.False(Av1SequenceHeader.TryParse(CodecTestData.Hex("1200"), out _)); // a temporal delimiter
        Assert.Null(Av1.ConfigRecord(CodecTestData.Hex("1200")));
        Assert.False(Av1SequenceHeader.TryParse(CodecTestData.Hex("0a0be0000042abbfc373efe401"), out _)); // seq_profile 7
    }

    [Fact]
    public void Temporal_units_of_libaom_output_have_sequence_headers_on_key_frames()
    {
        var units = RtpTestMedia.ReadAv1TemporalUnits("av1.obu");
        Assert.Equal(6, units.Count);
        Assert.Equal([true, false, false, true, false, false], units.ConvertAll(u => Av1.IsKeyframe(u)));
        Assert.All(units, u => Assert.True(Av1.IsWellFormed(u)));
        Assert.Equal("0a0a00000003b67f736be401", Convert.ToHexStringLower(Av1.FindSequenceHeader(units[0])));
        Assert.True(Av1.FindSequenceHeader(units[1]).IsEmpty);
    }

    [Fact]
    public void A_key_frame_needs_a_sequence_header_and_a_key_frame_header()
    {
        byte[] sequenceHeader = CodecTestData.Hex("0a0a00000003b67f736be401");
        byte[] keyFrame = [0x32, 0x02, 0x10, 0x00];      // OBU_FRAME: show_existing_frame 0, frame_type KEY_FRAME, show_frame 1
        byte[] interFrame = [0x32, 0x02, 0x30, 0x00];    // frame_type INTER_FRAME
        byte[] intraOnly = [0x32, 0x02, 0x50, 0x00];     // frame_type INTRA_ONLY_FRAME
        byte[] showExisting = [0x1A, 0x01, 0x80];        // OBU_FRAME_HEADER with show_existing_frame 1
        byte[] metadata = [0x2A, 0x01, 0x04];
        Assert.True(Av1.IsKeyframe([.. sequenceHeader, .. keyFrame]));
        Assert.True(Av1.IsKeyframe([.. metadata, .. sequenceHeader, .. keyFrame]));
        Assert.False(Av1.IsKeyframe(keyFrame));                         // no sequence header
        Assert.False(Av1.IsKeyframe([.. keyFrame, .. sequenceHeader])); // it must come first
        Assert.False(Av1.IsKeyframe([.. sequenceHeader, .. interFrame]));
        Assert.False(Av1.IsKeyframe([.. sequenceHeader, .. intraOnly]));
        Assert.False(Av1.IsKeyframe([.. sequenceHeader, .. showExisting]));
        Assert.False(Av1.IsKeyframe(sequenceHeader));

        // reduced_still_picture_header: every frame is a key frame, the frame header starts elsewhere.
        byte[] still = [0x0A, 0x02, 0x18, 0x00];
        Assert.True(Av1.IsKeyframe([.. still, .. interFrame]));
    }

    [Fact]
    public void Malformed_temporal_units_are_not_well_formed_and_never_throw()
    {
        var unit = RtpTestMedia.ReadAv1TemporalUnits("av1.obu")[0];
        Assert.False(Av1.IsWellFormed([]));
        Assert.False(Av1.IsWellFormed([0x92, 0x00]));  // forbidden bit
        Assert.False(Av1.IsWellFormed([0x32, 0x05, 0x10])); // obu_size past the end
        Assert.True(Av1.IsWellFormed([0x30, 0x10, 0x00]));  // a last OBU without obu_size runs to the end
        for (int length = 1; length < Math.Min(unit.Length, 200); length++)
        {
            var prefix = unit.AsSpan(0, length);
            Assert.Equal(length == 12, Av1.IsWellFormed(prefix)); // only the whole sequence header OBU
            Av1.IsKeyframe(prefix);
            Av1.FindSequenceHeader(prefix);
        }

        var random = new Random(1);
        var buffer = new byte[40];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            var data = buffer.AsSpan(0, random.Next(buffer.Length + 1));
            Av1.IsWellFormed(data);
            Av1.IsKeyframe(data);
            _ = Av1SequenceHeader.TryParse(data, out _);
        }
    }
}
