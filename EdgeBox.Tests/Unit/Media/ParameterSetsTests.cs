using EdgeBox.Media;

namespace EdgeBox.Tests.Unit.Media;

public sealed class ParameterSetsTests
{
    // libx264 baseline SPS for 320x240 and 640x360, and the PPS (ffmpeg -profile:v baseline).
    private static readonly byte[] Sps = Convert.FromHexString("6742C00DD90141FB011000000300100000030320F142A480");
    private static readonly byte[] OtherSps = Convert.FromHexString("6742C01ED900A02FF97011000003000100000300320F162E48");
    private static readonly byte[] Pps = Convert.FromHexString("68CB83CB20");
    private static readonly byte[] Idr = [0x65, 0x88, 0x84, 0x00];

    private static byte[] Unit(params byte[][] nals)
    {
        var unit = new List<byte>();
        foreach (var nal in nals)
        {
            unit.AddRange([(byte)(nal.Length >> 24), (byte)(nal.Length >> 16), (byte)(nal.Length >> 8), (byte)nal.Length]);
            unit.AddRange(nal);
        }

        return [.. unit];
    }

    [Fact]
    public void New_in_band_parameter_sets_replace_the_old_ones_with_the_picture_size()
    {
        var current = ParameterSets.WithDimensions(CodecId.H264, new CodecParameters { Sps = Sps, Pps = Pps });
        Assert.Equal((320, 240), (current.Width, current.Height));

        Assert.Null(ParameterSets.Update(CodecId.H264, current, Unit(Sps, Pps, Idr)));
        Assert.Null(ParameterSets.Update(CodecId.H264, current, Unit(Idr)));

        var next = ParameterSets.Update(CodecId.H264, current, Unit(OtherSps, Pps, Idr));
        Assert.NotNull(next);
        Assert.Equal(OtherSps, next.Sps);
        Assert.Equal(Pps, next.Pps);
        Assert.Equal((640, 360), (next.Width, next.Height));
    }

    [Fact]
    public void Audio_and_malformed_units_change_nothing()
    {
        Assert.Null(ParameterSets.Update(CodecId.Aac, CodecParameters.None, Unit(Sps)));
        Assert.Null(ParameterSets.Update(CodecId.H264, CodecParameters.None, [0, 0, 0, 50, 0x67]));
    }

    [Fact]
    public void Vp8_and_vp9_key_frames_give_the_size_and_vp9_its_profile()
    {
        var vp8 = Protocols.Rtp.RtpTestMedia.ReadIvfFrames("vp8.ivf");
        var size = ParameterSets.Update(CodecId.Vp8, CodecParameters.None, vp8[0]);
        Assert.Equal((128, 96), (size!.Width, size.Height));
        Assert.Null(ParameterSets.Update(CodecId.Vp8, size, vp8[3])); // the same size again
        Assert.Null(ParameterSets.Update(CodecId.Vp8, CodecParameters.None, vp8[1])); // inter frames say nothing

        var vp9 = Protocols.Rtp.RtpTestMedia.ReadIvfFrames("vp9.ivf");
        var first = ParameterSets.Update(CodecId.Vp9, CodecParameters.None, vp9[0]);
        Assert.Equal((160, 120, 0), (first!.Width, first.Height, first.Profile));
        Assert.Null(ParameterSets.Update(CodecId.Vp9, first, vp9[0]));
        Assert.Null(ParameterSets.Update(CodecId.Vp9, first, vp9[1]));
        var profile2 = Codecs.CodecTestData.IvfFrames(Codecs.CodecTestData.Read("vp9_profile2_80x48_10bit.ivf"))[0];
        Assert.Equal((80, 48, 2), ParameterSets.Update(CodecId.Vp9, first, profile2) is { } next ? (next.Width, next.Height, next.Profile) : default);
    }

    [Fact]
    public void Av1_keeps_the_in_band_sequence_header_and_its_size()
    {
        var units = Protocols.Rtp.RtpTestMedia.ReadAv1TemporalUnits("av1.obu");
        var parameters = ParameterSets.Update(CodecId.Av1, CodecParameters.None, units[0]);
        Assert.Equal("0a0a00000003b67f736be401", Convert.ToHexStringLower(parameters!.SequenceHeader!));
        Assert.Equal((208, 120), (parameters.Width, parameters.Height));
        Assert.Null(ParameterSets.Update(CodecId.Av1, parameters, units[3])); // the same sequence header
        Assert.Null(ParameterSets.Update(CodecId.Av1, parameters, units[1])); // none

        // SVT-AV1's 1920x1080 header replaces it; one that does not parse does not.
        byte[] other = Convert.FromHexString("0a0b00000042abbfc373efe401");
        var next = ParameterSets.Update(CodecId.Av1, parameters, [.. other, 0x32, 0x02, 0x10, 0x00]);
        Assert.Equal((1920, 1080), (next!.Width, next.Height));
        Assert.Null(ParameterSets.Update(CodecId.Av1, parameters, [0x0A, 0x01, 0xE0]));
        Assert.Equal((1920, 1080), ParameterSets.WithDimensions(CodecId.Av1, new CodecParameters { SequenceHeader = other }) is var p ? (p.Width, p.Height) : default);
    }
}
