using EdgeBox.Codecs;
using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Codecs;

/// <summary>
/// The filter graphs behind GPU scaling, driven here with software filters (this machine has no GPU):
/// the same graph building, frame flow and rebuild on a size change; and the transcode pipeline's
/// choices when a hardware API is asked for and not there.
/// </summary>
public sealed class VideoPipelineTests
{
    private static MediaFrame Picture(int width, int height, long pts)
    {
        var frame = new MediaFrame();
        frame.AllocateVideo(width, height, PixelFormat.Yuv420P);
        frame.Plane(0, height, out _).Fill(200);
        frame.Plane(1, height / 2, out _).Fill(128);
        frame.Plane(2, height / 2, out _).Fill(128);
        frame.Pts = pts;
        return frame;
    }

    [Fact]
    public void A_filter_chain_scales_every_frame_keeps_its_time_and_follows_a_change_of_input_size()
    {
        using var filter = new VideoFilter("scale=160:90,format=yuv420p", null);
        using var output = new MediaFrame();
        for (int i = 0; i < 5; i++)
        {
            using var input = Picture(i < 3 ? 640 : 320, i < 3 ? 360 : 180, i * 3000L);
            Assert.True(filter.Process(input, output));
            var info = output.Info;
            Assert.Equal((160, 90, PixelFormat.Yuv420P, false, i * 3000L), (info.Width, info.Height, info.Format, info.Hardware, info.Pts));
        }
    }

    [Fact]
    public void A_filter_that_ffmpeg_does_not_have_or_cannot_build_is_an_error_with_ffmpegs_reason()
    {
        using var input = Picture(64, 64, 0);
        using var output = new MediaFrame();
        using var unknown = new VideoFilter("no_such_filter=1", null);
        var missing = Assert.Throws<FfmpegException>(() => unknown.Process(input, output));
        Assert.Contains("no_such_filter", missing.Message, StringComparison.Ordinal);
        // hwupload without a device: what a GPU chain does on a box whose GPU went away.
        using var upload = new VideoFilter("format=nv12,hwupload", null);
        Assert.Throws<FfmpegException>(() => upload.Process(input, output));
    }

    [Theory]
    [InlineData("Cuda", true, "scale_cuda=w=1280:h=720:format=nv12")]
    [InlineData("Cuda", false, "format=nv12,hwupload,scale_cuda=w=1280:h=720:format=nv12")]
    [InlineData("Vaapi", false, "format=nv12,hwupload,scale_vaapi=w=1280:h=720:format=nv12")]
    [InlineData("Qsv", true, "vpp_qsv=w=1280:h=720:format=nv12")]
    [InlineData("V4l2m2m", false, null)]
    [InlineData("None", false, null)]
    public void Gpu_scaling_chains_per_api(string api, bool onGpu, string? chain) =>
        Assert.Equal(chain, VideoFilter.GpuScale(Enum.Parse<HwAccelSetting>(api), onGpu, 1280, 720));

    [Fact]
    public void A_hardware_candidate_whose_device_is_missing_fails_to_open_and_software_then_encodes()
    {
        using var first = Picture(640, 360, 0);
        var settings = new VideoEncoderSettings("h264_vaapi", 320, 180, PixelFormat.Yuv420P, 90000, 25) { Threads = 1 };
        var hardware = new EncoderCandidate("h264_vaapi", true, _ => null) { Api = HwAccelSetting.Vaapi };
        Assert.Throws<FfmpegException>(() => VideoPipeline.Open(hardware, settings, first, "/dev/dri/no-such-device"));

        var software = new EncoderCandidate("libx264", false, _ => "preset=ultrafast:tune=zerolatency");
        using var pipeline = VideoPipeline.Open(software, settings with { Name = "libx264", Options = "preset=ultrafast:tune=zerolatency" }, first, null);
        Assert.False(pipeline.OnGpu);
        Assert.Equal("libx264", pipeline.EncoderName);
        int packets = 0;
        for (int i = 0; i < 10; i++)
        {
            using var picture = Picture(640, 360, i * 3600L);
            pipeline.Send(picture, keyframe: i == 5);
            while (pipeline.TryReceive(out _))
            {
                packets++;
            }
        }

        Assert.Equal(10, packets);
    }
}
