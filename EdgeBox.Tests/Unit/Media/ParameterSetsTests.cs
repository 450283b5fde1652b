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
}
