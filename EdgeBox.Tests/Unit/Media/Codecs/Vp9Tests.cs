using EdgeBox.Media.Codecs;
using EdgeBox.Tests.Unit.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Media.Codecs;

public sealed class Vp9Tests
{
    [Fact]
    public void Libvpx_two_pass_output_has_superframes_and_one_key_frame()
    {
        // TestData/Rtp/vp9.ivf: libvpx-vp9 two-pass, 160x120, alternate reference frames on.
        var frames = RtpTestMedia.ReadIvfFrames("vp9.ivf");
        Assert.Equal(10, frames.Count);
        Assert.Equal([true, false, false, false, false, false, false, false, false, false], frames.ConvertAll(f => Vp9.IsKeyframe(f)));

        Span<int> sizes = stackalloc int[8];
        int count = Vp9.ReadSuperframeIndex(frames[1], sizes, out int indexSize);
        Assert.Equal(2, count);
        Assert.Equal(frames[1].Length, sizes[0] + sizes[1] + indexSize);
        Assert.True(Vp9FrameHeader.TryParse(Vp9.FirstFrame(frames[1]), out var hidden));
        Assert.False(hidden.ShowFrame); // the alternate reference frame, shown later
        Assert.True(Vp9FrameHeader.TryParse(frames[1].AsSpan(sizes[0], sizes[1]), out var shown));
        Assert.True(shown.ShowFrame);
        Assert.Equal(0, Vp9.ReadSuperframeIndex(frames[0], sizes, out _));

        Assert.True(Vp9FrameHeader.TryParse(frames[0], out var key));
        Assert.Equal((0, true, true, 8, 160, 120), (key.Profile, key.Keyframe, key.ShowFrame, key.BitDepth, key.Width, key.Height));
    }

    /// <summary>libvpx-vp9 streams of each profile (Unit/Media/Codecs/TestData), with what ffprobe reports of them.</summary>
    [Theory]
    [InlineData("vp9_profile1_96x64_444.ivf", 1, 8, 96, 64)]
    [InlineData("vp9_profile2_80x48_10bit.ivf", 2, 10, 80, 48)]
    [InlineData("vp9_profile3_64x40_12bit.ivf", 3, 12, 64, 40)] // profile 3 has a reserved bit before show_existing_frame
    public void Every_profile_gives_its_key_frame_size(string name, int profile, int bitDepth, int width, int height)
    {
        var frames = CodecTestData.IvfFrames(CodecTestData.Read(name));
        Assert.True(Vp9FrameHeader.TryParse(frames[0], out var key));
        Assert.Equal((profile, true, bitDepth, width, height), (key.Profile, key.Keyframe, key.BitDepth, key.Width, key.Height));
        Assert.True(Vp9.IsKeyframe(frames[0]));

        Assert.True(Vp9FrameHeader.TryParse(frames[1], out var inter));
        Assert.Equal((profile, false, true), (inter.Profile, inter.Keyframe, inter.ShowFrame));
        Assert.False(Vp9.IsKeyframe(frames[1]));
    }

    [Fact]
    public void Show_existing_and_intra_only_frames_are_not_key_frames()
    {
        // frame_marker 2, profile 0, show_existing_frame 1, frame_to_show_map_idx 5.
        Assert.True(Vp9FrameHeader.TryParse([0b1000_1101], out var existing));
        Assert.True(existing.ShowExistingFrame);
        Assert.False(Vp9.IsKeyframe([0b1000_1101]));

        // An intra-only frame (profile 0): not shown, intra_only 1, reset_frame_context, sync code, refresh flags, 352x288.
        var intra = new byte[16];
        var bits = new BitWriter(intra);
        bits.WriteBits(2, 2);       // frame_marker
        bits.WriteBits(0, 2);       // profile 0
        bits.WriteFlag(false);      // show_existing_frame
        bits.WriteFlag(true);       // frame_type: non-key
        bits.WriteFlag(false);      // show_frame
        bits.WriteFlag(false);      // error_resilient_mode
        bits.WriteFlag(true);       // intra_only
        bits.WriteBits(0, 2);       // reset_frame_context
        bits.WriteBits(0x498342, 24);
        bits.WriteBits(0x01, 8);    // refresh_frame_flags
        bits.WriteBits(351, 16);
        bits.WriteBits(287, 16);
        Assert.False(bits.Overflowed);
        Assert.True(Vp9FrameHeader.TryParse(intra, out var header));
        Assert.Equal((true, false, 8, 352, 288), (header.IntraOnly, header.Keyframe, header.BitDepth, header.Width, header.Height));
        Assert.False(Vp9.IsKeyframe(intra));
    }

    [Theory]
    [InlineData(new[] { 10, 200 }, 1)]
    [InlineData(new[] { 300, 2, 70000 }, 3)]
    [InlineData(new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 1)]
    [InlineData(new[] { 20_000_000, 5 }, 4)]
    public void Superframe_indexes_read_back(int[] sizes, int magnitude)
    {
        int indexSize = Vp9.SuperframeIndexSize(sizes);
        Assert.Equal(2 + (magnitude * sizes.Length), indexSize);
        var chunk = new byte[sizes.Sum() + indexSize];
        Assert.Equal(indexSize, Vp9.WriteSuperframeIndex(chunk.AsSpan(sizes.Sum()), sizes));
        Span<int> read = stackalloc int[8];
        Assert.Equal(sizes.Length, Vp9.ReadSuperframeIndex(chunk, read, out int size));
        Assert.Equal(indexSize, size);
        Assert.Equal(sizes, read[..sizes.Length].ToArray());
    }

    [Fact]
    public void Broken_superframe_indexes_make_one_frame()
    {
        var frames = RtpTestMedia.ReadIvfFrames("vp9.ivf");
        Span<int> sizes = stackalloc int[8];
        var superframe = frames[1].ToArray();
        Assert.Equal(2, Vp9.ReadSuperframeIndex(superframe, sizes, out int indexSize));

        var badMarker = superframe.ToArray();
        badMarker[^indexSize] ^= 1; // the two markers differ
        Assert.Equal(0, Vp9.ReadSuperframeIndex(badMarker, sizes, out _));

        var tooLong = superframe.ToArray();
        tooLong[^(indexSize - 1)] = 0xFF; // the first size now runs past the data
        tooLong[^(indexSize - 2)] = 0xFF;
        Assert.Equal(0, Vp9.ReadSuperframeIndex(tooLong, sizes, out _));
        Assert.Equal(0, Vp9.ReadSuperframeIndex([0xC1], sizes, out _));
        Assert.Equal(0, Vp9.ReadSuperframeIndex([], sizes, out _));
    }

    [Fact]
    public void Every_prefix_and_garbage_never_throw()
    {
        var key = RtpTestMedia.ReadIvfFrames("vp9.ivf")[0];
        for (int length = 0; length < 16; length++)
        {
            // The key frame header (marker, profile, flags, sync code, color config, size) needs 9 bytes.
            Assert.Equal(length >= 9, Vp9FrameHeader.TryParse(key.AsSpan(0, length), out _));
        }

        var random = new Random(9);
        var buffer = new byte[24];
        Span<int> sizes = stackalloc int[8];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            var data = buffer.AsSpan(0, random.Next(buffer.Length + 1));
            _ = Vp9FrameHeader.TryParse(data, out _);
            Vp9.IsKeyframe(data);
            Vp9.ReadSuperframeIndex(data, sizes, out _);
        }
    }
}
