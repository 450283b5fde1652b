using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class AacTests
{
    [Theory]
    // The classic two-byte configs: AAC-LC 44.1 kHz and 48 kHz stereo.
    [InlineData("1210", (int)AacObjectType.Lc, 44100, 2, 2)]
    [InlineData("1190", (int)AacObjectType.Lc, 48000, 2, 2)]
    // What ffmpeg's aac encoder writes into MP4 (ffprobe extradata): mono 8 kHz, 5.1 and 7.1 at 48 kHz, each
    // followed by the sync extension 0x2b7 saying "no SBR".
    [InlineData("158856e500", (int)AacObjectType.Lc, 8000, 1, 1)]
    [InlineData("119056e500", (int)AacObjectType.Lc, 48000, 2, 2)]
    [InlineData("11b056e500", (int)AacObjectType.Lc, 48000, 6, 6)]
    [InlineData("11b856e500", (int)AacObjectType.Lc, 48000, 7, 8)]
    // ER AAC-LD, 480-sample frames, epConfig 0.
    [InlineData("b98c00", (int)AacObjectType.ErLd, 48000, 1, 1)]
    public void Parses_plain_configs(string hex, int type, int rate, int channelConfiguration, int channels)
    {
        Assert.True(AacConfig.TryParse(CodecTestData.Hex(hex), out var config));
        Assert.Equal((AacObjectType)type, config.ObjectType);
        Assert.Equal(rate, config.SampleRate);
        Assert.Equal(rate, config.OutputSampleRate);
        Assert.Equal(channelConfiguration, config.ChannelConfiguration);
        Assert.Equal(channels, config.Channels);
        Assert.False(config.Sbr);
        Assert.False(config.Ps);
        Assert.Equal(0, config.ExtensionSampleRate);
    }

    [Fact]
    public void Frame_length_flag_gives_960_sample_frames()
    {
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("b98c00"), out var ld));
        Assert.True(ld.FrameLengthFlag);
        Assert.Equal(960, ld.SamplesPerFrame);
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("1210"), out var lc));
        Assert.Equal(1024, lc.SamplesPerFrame);
    }

    [Fact]
    public void Explicit_he_aac_signalling_gives_the_core_type_and_the_sbr_rate()
    {
        // Object type 5, 22050 Hz core, stereo, SBR at 44100 Hz, then the core object type 2 (LC).
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("2b920800"), out var he));
        Assert.Equal(AacObjectType.Lc, he.ObjectType);
        Assert.Equal((22050, 44100, 44100), (he.SampleRate, he.ExtensionSampleRate, he.OutputSampleRate));
        Assert.Equal(4, he.ExtensionSamplingFrequencyIndex);
        Assert.True(he.Sbr);
        Assert.False(he.Ps);
        Assert.Equal(2, he.OutputChannels);

        // Object type 29 (HE-AAC v2): a mono core at 24 kHz, SBR to 48 kHz, parametric stereo.
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("eb098800"), out var v2));
        Assert.Equal(AacObjectType.Lc, v2.ObjectType);
        Assert.True(v2.Sbr);
        Assert.True(v2.Ps);
        Assert.Equal((24000, 48000), (v2.SampleRate, v2.OutputSampleRate));
        Assert.Equal((1, 2), (v2.Channels, v2.OutputChannels));
    }

    [Fact]
    public void Backward_compatible_signalling_after_the_config_is_read()
    {
        // LC 22050 Hz mono, then sync extension 0x2b7: SBR present at 44100 Hz, then 0x548: PS present.
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("138856e5a54880"), out var config));
        Assert.Equal(AacObjectType.Lc, config.ObjectType);
        Assert.True(config.Sbr);
        Assert.True(config.Ps);
        Assert.Equal((22050, 44100), (config.SampleRate, config.OutputSampleRate));
        Assert.Equal(2, config.OutputChannels);

        // A damaged extension is ignored, not fatal.
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("121056e4"), out var plain));
        Assert.False(plain.Sbr);
        Assert.Equal(44100, plain.OutputSampleRate);
    }

    [Fact]
    public void Explicit_frequencies_are_24_bits_after_index_15()
    {
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("178055f010"), out var config));
        Assert.Equal(15, config.SamplingFrequencyIndex);
        Assert.Equal(44000, config.SampleRate);
        Assert.Equal(2, config.Channels);

        Assert.True(AacConfig.TryParse(CodecTestData.Hex("2f802af8178055f00800"), out var he));
        Assert.Equal((22000, 44000), (he.SampleRate, he.ExtensionSampleRate));
        Assert.True(he.Sbr);
    }

    [Fact]
    public void Escaped_object_types_are_32_plus_6_bits()
    {
        // 31, then 10: object type 42 (USAC), 48 kHz stereo; its own config is not read.
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("f94640"), out var usac));
        Assert.Equal(AacObjectType.Usac, usac.ObjectType);
        Assert.Equal((48000, 2), (usac.SampleRate, usac.Channels));
    }

    /// <summary>ffmpeg's aac encoder writes a program config element for layouts with no channelConfiguration (ffprobe extradata), with a comment naming the encoder.</summary>
    [Theory]
    [InlineData("118004c4010020000d4c61766335392e33372e31303056e500", 3)] // 2.1
    [InlineData("118004c4040021100d4c61766335392e33372e31303056e500", 4)] // quad
    [InlineData("118004c808002008840d4c61766335392e33372e31303056e500", 6)] // hexagonal
    public void Counts_channels_in_a_program_config_element(string hex, int channels)
    {
        Assert.True(AacConfig.TryParse(CodecTestData.Hex(hex), out var config));
        Assert.Equal(0, config.ChannelConfiguration);
        Assert.Equal(channels, config.Channels);
        Assert.Equal(48000, config.SampleRate);
        Assert.False(config.Sbr); // the 0x2b7 extension after the PCE and its comment was found and says no SBR
        Assert.False(config.CanWrite);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("1780")] // index 15 without its 24-bit frequency
    [InlineData("16900000")] // sampling index 13 (reserved)
    [InlineData("2b92")] // explicit SBR cut short
    [InlineData("118004c401")] // a program config element cut short
    public void Rejects_truncated_or_reserved_configs(string hex) =>
        Assert.False(AacConfig.TryParse(CodecTestData.Hex(hex), out _));

    [Theory]
    [InlineData(44100, 2, "1210")]
    [InlineData(48000, 2, "1190")]
    [InlineData(8000, 1, "1588")]
    [InlineData(48000, 6, "11b0")]
    [InlineData(44000, 2, "178055f010")]
    public void Writes_lc_configs(int rate, int channelConfiguration, string hex)
    {
        var config = AacConfig.Create(rate, channelConfiguration);
        Assert.Equal(hex, Convert.ToHexStringLower(config.ToBytes()));
        Assert.True(AacConfig.TryParse(config.ToBytes(), out var parsed));
        Assert.Equal(config, parsed);
        Assert.False(config.TryWrite(new byte[hex.Length / 2 - 1], out _));
    }

    [Theory]
    [InlineData("2b920800")]
    [InlineData("eb098800")]
    [InlineData("2f802af8178055f00800")]
    [InlineData("1210")]
    public void Parsed_configs_write_back_the_same_bytes(string hex)
    {
        Assert.True(AacConfig.TryParse(CodecTestData.Hex(hex), out var config));
        Assert.Equal(hex, Convert.ToHexStringLower(config.ToBytes()));
    }

    [Fact]
    public void Refuses_to_write_what_it_cannot_describe()
    {
        Assert.False((AacConfig.Create(48000, 2) with { ObjectType = AacObjectType.ErLd }).CanWrite);
        Assert.False((AacConfig.Create(48000, 2) with { ChannelConfiguration = 0 }).TryWrite(new byte[16], out _));
        Assert.Throws<InvalidOperationException>(() => (AacConfig.Create(48000, 2) with { ObjectType = AacObjectType.Usac }).ToBytes());
        Assert.Throws<ArgumentOutOfRangeException>(() => AacConfig.Create(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => AacConfig.Create(48000, 0));
    }

    [Fact]
    public void Parses_the_adts_headers_of_an_ffmpeg_stream()
    {
        // ffmpeg -c:a aac -f adts, 44.1 kHz stereo, 0.5 s: 23 frames (ffprobe), the first 345 bytes.
        var stream = CodecTestData.Read("aac_lc_44100_stereo.aac");
        Assert.True(AdtsHeader.TryParse(stream, out var first));
        Assert.False(first.Mpeg2);
        Assert.True(first.ProtectionAbsent);
        Assert.Equal(AacObjectType.Lc, first.ObjectType);
        Assert.Equal((4, 44100), (first.SamplingFrequencyIndex, first.SampleRate));
        Assert.Equal(2, first.ChannelConfiguration);
        Assert.Equal(345, first.FrameLength);
        Assert.Equal(7, first.HeaderLength);
        Assert.Equal(338, first.PayloadLength);
        Assert.Equal(AdtsHeader.VariableBitRate, first.BufferFullness);
        Assert.Equal(1, first.RawDataBlocks);
        Assert.Equal(AacConfig.Create(44100, 2), first.ToConfig());

        int frames = 0, total = 0;
        var config = first.ToConfig();
        var rewritten = new byte[AdtsHeader.MaxFrameLength];
        var e = Adts.EnumerateFrames(stream);
        while (e.MoveNext())
        {
            frames++;
            total += e.Current.Length;
            Assert.Equal(config, e.Header.ToConfig());
            Assert.Equal(e.Header.FrameLength - 7, e.Payload.Length);

            // Writing the raw block back with the config gives ffmpeg's frame byte for byte.
            Assert.True(Adts.TryWriteFrame(config, e.Payload, rewritten, out int written));
            Assert.Equal(e.Current.ToArray(), rewritten.AsSpan(0, written).ToArray());
        }

        Assert.False(e.Invalid);
        Assert.Equal(23, frames);
        Assert.Equal(stream.Length, total);
    }

    [Fact]
    public void Adts_with_a_crc_has_a_9_byte_header()
    {
        // The first header of the ffmpeg stream with protection_absent cleared, then a CRC.
        byte[] header = [0xff, 0xf0, 0x50, 0x80, 0x2b, 0x3f, 0xfc, 0x12, 0x34];
        Assert.True(AdtsHeader.TryParse(header, out var crc));
        Assert.False(crc.ProtectionAbsent);
        Assert.Equal(9, crc.HeaderLength);
        Assert.Equal(345 - 9, crc.PayloadLength);
        Assert.False(AdtsHeader.TryParse(header.AsSpan(0, 8), out _)); // the CRC is part of the header

        // MPEG-2 ID, two raw data blocks with a CRC: the block position and the CRC make it 11 bytes.
        byte[] twoBlocks = [0xff, 0xf8, 0x50, 0x80, 0x2b, 0x3f, 0xfd, 0, 0, 0, 0];
        Assert.True(AdtsHeader.TryParse(twoBlocks, out var mpeg2));
        Assert.True(mpeg2.Mpeg2);
        Assert.Equal(2, mpeg2.RawDataBlocks);
        Assert.Equal(11, mpeg2.HeaderLength);
    }

    [Theory]
    [InlineData("fff15080")] // short
    [InlineData("fef15080 2b3ffc")] // no syncword
    [InlineData("fff35080 2b3ffc")] // layer 01
    [InlineData("fff17480 2b3ffc")] // sampling index 13
    [InlineData("fff15080 0000fc")] // frame length 0, shorter than its header
    public void Rejects_bad_adts_headers(string hex) =>
        Assert.False(AdtsHeader.TryParse(CodecTestData.Hex(hex.Replace(" ", "", StringComparison.Ordinal)), out _));

    [Fact]
    public void Writes_adts_for_configs_it_can_describe()
    {
        var header = new byte[7];
        Assert.True(Adts.TryWriteHeader(AacConfig.Create(48000, 1), 100, header));
        Assert.True(AdtsHeader.TryParse(header, out var parsed));
        Assert.Equal((48000, 1, 107), (parsed.SampleRate, parsed.ChannelConfiguration, parsed.FrameLength));

        // HE-AAC: ADTS carries the core (implicit signalling).
        Assert.True(AacConfig.TryParse(CodecTestData.Hex("2b920800"), out var he));
        Assert.True(Adts.TryWriteHeader(he, 10, header));
        Assert.True(AdtsHeader.TryParse(header, out parsed));
        Assert.Equal(22050, parsed.SampleRate);

        Assert.False(Adts.TryWriteHeader(AacConfig.Create(44000, 2), 10, header)); // no index for 44 kHz
        Assert.False(Adts.TryWriteHeader(AacConfig.Create(48000, 11), 10, header)); // 3 bits of channelConfiguration
        Assert.False(Adts.TryWriteHeader(AacConfig.Create(48000, 2), AdtsHeader.MaxFrameLength - 6, header)); // 13 bits of length
        Assert.False(Adts.TryWriteHeader(AacConfig.Create(48000, 2), 10, new byte[6]));
        Assert.False(Adts.TryWriteFrame(AacConfig.Create(48000, 2), new byte[10], new byte[16], out _));
    }

    [Fact]
    public void A_truncated_adts_stream_stops_as_invalid()
    {
        var stream = CodecTestData.Read("aac_lc_44100_stereo.aac").AsSpan(0, 345 + 100);
        var e = Adts.EnumerateFrames(stream);
        Assert.True(e.MoveNext());
        Assert.False(e.MoveNext());
        Assert.True(e.Invalid);
        Assert.True(e.Payload.IsEmpty);
    }
}
