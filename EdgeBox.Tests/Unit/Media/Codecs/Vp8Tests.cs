using EdgeBox.Media.Codecs;
using EdgeBox.Tests.Unit.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class Vp8Tests
{
    [Fact]
    public void Key_frames_and_their_size_come_from_libvpx_frames()
    {
        // TestData/Rtp/vp8.ivf: libvpx, 128x96, a key frame every 3 frames (ffprobe agrees: flags K__ on 0 and 3).
        var frames = RtpTestMedia.ReadIvfFrames("vp8.ivf");
        Assert.Equal([true, false, false, true, false, false], frames.ConvertAll(f => Vp8.IsKeyframe(f)));
        Assert.True(Vp8.TryReadKeyframeSize(frames[3], out int width, out int height));
        Assert.Equal((128, 96), (width, height));
        Assert.False(Vp8.TryReadKeyframeSize(frames[1], out _, out _));
    }

    [Theory]
    // RFC 6386 §9.1: frame tag (P = 0, version 0, show_frame 1), start code, then 14-bit sizes with 2 scaling bits.
    [InlineData("5000009d012a8002e001", true, 640, 480)]
    [InlineData("5000009d012a80c2e041", true, 640, 480)]   // scaling bits set: the size is still 640x480
    [InlineData("5100009d012a8002e001", false, 0, 0)]      // P = 1: an inter frame, whatever follows
    [InlineData("5000009d012b8002e001", false, 0, 0)]      // a key frame tag without the start code is corrupt
    [InlineData("5000009d012a0000e001", true, 0, 0)]       // key frame with a zero width: no size
    public void Frame_tag_and_key_frame_header(string hex, bool keyframe, int width, int height)
    {
        var frame = CodecTestData.Hex(hex);
        Assert.Equal(keyframe, Vp8.IsKeyframe(frame));
        Assert.Equal(width > 0, Vp8.TryReadKeyframeSize(frame, out int w, out int h));
        Assert.Equal((width, height), width > 0 ? (w, h) : (0, 0));
    }

    [Fact]
    public void Every_prefix_of_a_key_frame_header_is_not_a_key_frame()
    {
        var frame = RtpTestMedia.ReadIvfFrames("vp8.ivf")[0];
        for (int length = 0; length < Vp8.KeyframeHeaderSize; length++)
        {
            Assert.False(Vp8.IsKeyframe(frame.AsSpan(0, length)));
            Assert.False(Vp8.TryReadKeyframeSize(frame.AsSpan(0, length), out _, out _));
        }
    }
}
