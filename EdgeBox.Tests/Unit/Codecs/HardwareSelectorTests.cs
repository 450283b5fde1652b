using EdgeBox.Codecs;
using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Codecs;

public sealed class HardwareSelectorTests
{
    private static HardwareApiStatus[] Probe(params string[] available) =>
        new[] { "cuda", "vaapi", "qsv", "v4l2m2m" }.Select(n => new HardwareApiStatus(n, available.Contains(n), available.Contains(n) ? null : "no device")).ToArray();

    [Fact]
    public void Auto_without_gpus_selects_software_and_says_why()
    {
        var selection = HardwareSelector.Select(HwAccelSetting.Auto, Probe());
        Assert.Equal(HwAccelSetting.None, selection.Selected);
        Assert.False(selection.Warning);
        Assert.Contains("using software codecs", selection.Reason, StringComparison.Ordinal);
        Assert.Contains("cuda: no device", selection.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "cuda", "vaapi" }, "Cuda")]
    [InlineData(new[] { "vaapi", "qsv" }, "Vaapi")]
    [InlineData(new[] { "qsv", "v4l2m2m" }, "Qsv")]
    [InlineData(new[] { "v4l2m2m" }, "V4l2m2m")]
    public void Auto_takes_the_first_working_api_in_probe_order(string[] available, string expected) =>
        Assert.Equal(expected, HardwareSelector.Select(HwAccelSetting.Auto, Probe(available)).Selected.ToString());

    [Fact]
    public void An_explicit_api_that_does_not_work_falls_back_to_software_with_a_warning()
    {
        var selection = HardwareSelector.Select(HwAccelSetting.Cuda, Probe("vaapi"));
        Assert.Equal(HwAccelSetting.None, selection.Selected);
        Assert.True(selection.Warning);
        Assert.Contains("hwaccel: cuda is not available (no device)", selection.Reason, StringComparison.Ordinal);
        Assert.Equal(HwAccelSetting.Vaapi, HardwareSelector.Select(HwAccelSetting.Vaapi, Probe("vaapi")).Selected);
    }

    [Fact]
    public void None_is_software_even_with_a_gpu() =>
        Assert.Equal(HwAccelSetting.None, HardwareSelector.Select(HwAccelSetting.None, Probe("cuda")).Selected);

    [Fact]
    public void Hardware_encoders_come_first_and_software_is_always_the_fallback()
    {
        Assert.Equal(["h264_nvenc", "libx264"], EncoderChoice.For(VideoCodecSetting.H264, HwAccelSetting.Cuda).Select(c => c.Name));
        Assert.Equal(["hevc_vaapi", "libx265"], EncoderChoice.For(VideoCodecSetting.H265, HwAccelSetting.Vaapi).Select(c => c.Name));
        Assert.Equal(["h264_qsv", "libx264"], EncoderChoice.For(VideoCodecSetting.H264, HwAccelSetting.Qsv).Select(c => c.Name));
        Assert.Equal(["libx264"], EncoderChoice.For(VideoCodecSetting.H264, HwAccelSetting.None).Select(c => c.Name));
        Assert.Equal("preset=veryfast:tune=zerolatency", EncoderChoice.For(VideoCodecSetting.H264, HwAccelSetting.None)[0].Options("veryfast"));
        Assert.Equal(HwAccelSetting.Cuda, EncoderChoice.For(VideoCodecSetting.H264, HwAccelSetting.Cuda)[0].Api);
    }

    [Fact]
    public void Vp9_and_av1_have_real_time_software_encoders_and_hardware_only_where_the_api_has_one()
    {
        Assert.Equal(["libvpx-vp9"], EncoderChoice.For(VideoCodecSetting.Vp9, HwAccelSetting.Cuda).Select(c => c.Name));
        Assert.Equal(["vp9_vaapi", "libvpx-vp9"], EncoderChoice.For(VideoCodecSetting.Vp9, HwAccelSetting.Vaapi).Select(c => c.Name));
        Assert.Equal(["av1_nvenc", "libsvtav1", "libaom-av1"], EncoderChoice.For(VideoCodecSetting.Av1, HwAccelSetting.Cuda).Select(c => c.Name));
        Assert.Equal(["libsvtav1", "libaom-av1"], EncoderChoice.For(VideoCodecSetting.Av1, HwAccelSetting.V4l2m2m).Select(c => c.Name));
        Assert.Contains("deadline=realtime", EncoderChoice.For(VideoCodecSetting.Vp9, HwAccelSetting.None)[0].Options("veryfast"), StringComparison.Ordinal);
        Assert.Contains("pred-struct=1", EncoderChoice.For(VideoCodecSetting.Av1, HwAccelSetting.None)[0].Options("ultrafast"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2M", 2_000_000)]
    [InlineData("2.5M", 2_500_000)]
    [InlineData("800k", 800_000)]
    [InlineData("64000", 64_000)]
    public void Bit_rates_read_as_ffmpeg_writes_them(string text, long expected)
    {
        Assert.True(BitrateText.TryParse(text, out long value));
        Assert.Equal(expected, value);
        Assert.True(BitrateText.TryParse(BitrateText.Format(value), out long again));
        Assert.Equal(expected, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("-1M")]
    [InlineData("1e9G")]
    public void Bad_bit_rates_are_refused(string text) => Assert.False(BitrateText.TryParse(text, out _));
}
