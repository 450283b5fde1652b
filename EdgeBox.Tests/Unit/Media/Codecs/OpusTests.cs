using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class OpusTests
{
    /// <summary>RFC 6716 Table 2: configuration → mode, bandwidth, frame size.</summary>
    [Theory]
    [InlineData(0, (int)OpusMode.Silk, (int)OpusBandwidth.Narrowband, 480)]
    [InlineData(1, (int)OpusMode.Silk, (int)OpusBandwidth.Narrowband, 960)]
    [InlineData(2, (int)OpusMode.Silk, (int)OpusBandwidth.Narrowband, 1920)]
    [InlineData(3, (int)OpusMode.Silk, (int)OpusBandwidth.Narrowband, 2880)]
    [InlineData(5, (int)OpusMode.Silk, (int)OpusBandwidth.Mediumband, 960)]
    [InlineData(11, (int)OpusMode.Silk, (int)OpusBandwidth.Wideband, 2880)]
    [InlineData(12, (int)OpusMode.Hybrid, (int)OpusBandwidth.SuperWideband, 480)]
    [InlineData(13, (int)OpusMode.Hybrid, (int)OpusBandwidth.SuperWideband, 960)]
    [InlineData(14, (int)OpusMode.Hybrid, (int)OpusBandwidth.Fullband, 480)]
    [InlineData(15, (int)OpusMode.Hybrid, (int)OpusBandwidth.Fullband, 960)]
    [InlineData(16, (int)OpusMode.Celt, (int)OpusBandwidth.Narrowband, 120)]
    [InlineData(17, (int)OpusMode.Celt, (int)OpusBandwidth.Narrowband, 240)]
    [InlineData(18, (int)OpusMode.Celt, (int)OpusBandwidth.Narrowband, 480)]
    [InlineData(19, (int)OpusMode.Celt, (int)OpusBandwidth.Narrowband, 960)]
    [InlineData(21, (int)OpusMode.Celt, (int)OpusBandwidth.Wideband, 240)]
    [InlineData(26, (int)OpusMode.Celt, (int)OpusBandwidth.SuperWideband, 480)]
    [InlineData(28, (int)OpusMode.Celt, (int)OpusBandwidth.Fullband, 120)]
    [InlineData(31, (int)OpusMode.Celt, (int)OpusBandwidth.Fullband, 960)]
    public void Toc_configuration_table(int config, int mode, int bandwidth, int samples)
    {
        foreach (int low in new[] { 0, 4, 1, 6 })
        {
            var toc = OpusToc.Parse((byte)((config << 3) | low));
            Assert.Equal(config, toc.Config);
            Assert.Equal((OpusMode)mode, toc.Mode);
            Assert.Equal((OpusBandwidth)bandwidth, toc.Bandwidth);
            Assert.Equal(samples, toc.FrameSamples);
            Assert.Equal((low & 4) != 0, toc.Stereo);
            Assert.Equal(low & 3, toc.Code);
        }
    }

    [Theory]
    // Code 0: one frame; 1 and 2: two; 3: the count in the next byte (low 6 bits, flags above).
    [InlineData(new byte[] { 0xF8 }, 960)] // CELT FB 20 ms
    [InlineData(new byte[] { 0xF9, 0, 0 }, 1920)]
    [InlineData(new byte[] { 0xFA, 1, 0 }, 1920)]
    [InlineData(new byte[] { 0x03, 0x03, 0 }, 1440)] // SILK NB 10 ms x 3
    [InlineData(new byte[] { 0x1B, 0xC2 }, 5760)] // SILK NB 60 ms x 2 (VBR and padding flags set): 120 ms
    [InlineData(new byte[] { 0x83, 0x30 }, 5760)] // CELT NB 2.5 ms x 48
    [InlineData(new byte[] { 0x20 }, 480)] // SILK MB 10 ms
    [InlineData(new byte[] { 0x0C }, 960)] // SILK NB 20 ms, stereo
    public void Durations_follow_the_toc_and_frame_count(byte[] packet, int samples)
    {
        Assert.True(Opus.TryGetDuration(packet, out int duration));
        Assert.Equal(samples, duration);
    }

    [Theory]
    [InlineData(new byte[0])] // [R1]: at least one byte
    [InlineData(new byte[] { 0x03 })] // code 3 without its count byte
    [InlineData(new byte[] { 0x03, 0x00 })] // a count of 0
    [InlineData(new byte[] { 0x1B, 0x03 })] // 3 x 60 ms: over 120 ms [R5]
    [InlineData(new byte[] { 0x83, 0x31 })] // 49 x 2.5 ms
    public void Rejects_impossible_packets(byte[] packet)
    {
        Assert.False(Opus.TryGetDuration(packet, out int duration));
        Assert.Equal(0, duration);
        Assert.False(Opus.TryGetFrameCount(packet, out _));
    }

    /// <summary>The start of a libopus packet (ffmpeg -c:a libopus -frame_duration N, mono 12 kbit/s) and its duration as ffprobe reports it.</summary>
    [Theory]
    [InlineData("80aee0e6", 10, 120)] // CELT NB 2.5 ms
    [InlineData("88adba26", 9, 240)] // CELT NB 5 ms
    [InlineData("409d7b41", 22, 480)] // SILK WB 10 ms
    [InlineData("489c1b57", 45, 960)] // SILK WB 20 ms
    [InlineData("50ce0dcf", 88, 1920)] // SILK WB 40 ms
    [InlineData("6b83312c", 138, 2880)] // hybrid SWB 20 ms x 3, code 3
    [InlineData("9b861e1e", 188, 5760)] // CELT NB 20 ms x 6, code 3
    [InlineData("5a72e75a", 233, 5760)] // SILK WB 60 ms x 2, code 2
    public void Durations_of_libopus_packets(string head, int length, int samples)
    {
        var packet = new byte[length];
        CodecTestData.Hex(head).CopyTo(packet, 0);
        Assert.True(Opus.TryGetDuration(packet, out int duration));
        Assert.Equal(samples, duration);
    }

    [Fact]
    public void Parses_and_writes_the_opus_head_ffmpeg_muxes_into_ogg()
    {
        // Stereo, pre-skip 312, input rate 48000 (ffmpeg resamples 44.1 kHz input for libopus), family 0.
        var stereo = CodecTestData.Hex("4f707573486561640102380180bb0000000000");
        Assert.True(OpusHead.TryParse(stereo, out var head));
        Assert.NotNull(head);
        Assert.Equal((1, 2, 312, 48000u, (short)0), (head.Version, head.ChannelCount, head.PreSkip, head.InputSampleRate, head.OutputGain));
        Assert.Equal(0, head.MappingFamily);
        Assert.Equal((1, 1), (head.StreamCount, head.CoupledCount));
        Assert.Equal(stereo, head.ToBytes());
        Assert.Equal(stereo, OpusHead.Create(2).ToBytes());

        // 5.1: family 1, 4 streams of which 2 coupled, Vorbis channel order.
        var surround = CodecTestData.Hex("4f707573486561640106380180bb00000000010402000401020305");
        Assert.True(OpusHead.TryParse(surround, out var six));
        Assert.Equal((6, 1, 4, 2), (six!.ChannelCount, six.MappingFamily, six.StreamCount, six.CoupledCount));
        Assert.Equal([0, 4, 1, 2, 3, 5], six.ChannelMapping.ToArray());
        Assert.Equal(surround, six.ToBytes());
    }

    [Fact]
    public void Parses_and_writes_the_dops_box_ffmpeg_muxes_into_mp4()
    {
        // The body of ffmpeg's dOps box (after size and type): version 0, big-endian fields.
        var dops = CodecTestData.Hex("000201380000bb80000000");
        Assert.True(OpusHead.TryParseDOps(dops, out var head));
        Assert.Equal((2, 312, 48000u), (head!.ChannelCount, head.PreSkip, head.InputSampleRate));
        var written = new byte[dops.Length];
        Assert.True(head.TryWriteDOps(written, out int length));
        Assert.Equal(dops.Length, length);
        Assert.Equal(dops, written);
        Assert.False(head.TryWriteDOps(new byte[dops.Length - 1], out _));
        Assert.False(OpusHead.TryParseDOps(CodecTestData.Hex("010201380000bb80000000"), out _)); // version 1
    }

    [Theory]
    [InlineData("4f707573486561640102380180bb00000000")] // short
    [InlineData("4f707573486561641102380180bb0000000000")] // major version 1
    [InlineData("4f707573486561640100380180bb0000000000")] // no channels
    [InlineData("4f707573486561640103380180bb0000000000")] // family 0 with 3 channels
    [InlineData("4f707573486561640106380180bb000000000104020004010203")] // mapping table cut short
    [InlineData("4f707573486561640106380180bb00000000010402000401020306")] // entry 6 >= 4 + 2 streams
    [InlineData("4f707573486561640106380180bb00000000010203000102030405")] // 3 coupled of 2 streams
    [InlineData("4f707573486561640102380180bb00000000010002000001")] // no streams
    [InlineData("4f707573486561640109380180bb00000000010902000102030405060708")] // family 1 allows 8 channels
    [InlineData("4f707573486561670102380180bb0000000000")] // magic
    public void Rejects_malformed_opus_heads(string hex)
    {
        Assert.False(OpusHead.TryParse(CodecTestData.Hex(hex), out var head));
        Assert.Null(head);
    }
}
