using EdgeBox.Codecs;

namespace EdgeBox.Tests.Unit.Codecs;

/// <summary>Talks to the real FFmpeg through the native shim (the setup installs FFmpeg's libraries).</summary>
public sealed class FfmpegInfoTests
{
    [Fact]
    public void Probe_reads_versions_codecs_and_hardware_types_from_the_installed_ffmpeg()
    {
        var info = FfmpegInfo.Probe();
        Assert.True(info.Available, info.Error);
        Assert.False(string.IsNullOrEmpty(info.FfmpegVersion));
        Assert.Matches(@"^\d+\.\d+\.\d+$", info.Libraries["libavcodec"]);
        Assert.Equal(5, info.Libraries.Count);
        Assert.Contains(info.Codecs, c => c is { Name: "h264", IsEncoder: false, Kind: MediaKind.Video });
        Assert.Contains(info.Codecs, c => c is { Name: "aac", IsEncoder: true, Kind: MediaKind.Audio });
        Assert.Contains(info.Codecs, c => c is { Name: "mjpeg", IsEncoder: true });
        Assert.DoesNotContain(info.Codecs, c => c is { Name: "aac", IsHardware: true });
        Assert.All(info.HardwareDeviceTypes, t => Assert.False(string.IsNullOrWhiteSpace(t)));
    }

    [Fact]
    public void Error_messages_come_from_av_strerror()
    {
        // AVERROR(EINVAL) = -22.
        Assert.Equal("Invalid argument", FfmpegInfo.ErrorMessage(-22));
        Assert.Equal("End of file", FfmpegInfo.ErrorMessage(-0x20464F45)); // AVERROR_EOF = -MKTAG('E','O','F',' ')
    }
}
