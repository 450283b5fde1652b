using System.Buffers;
using EdgeBox.Codecs;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Tests.Unit.Codecs;

/// <summary>The native codec layer against the installed FFmpeg: encode, decode, scale, JPEG, bad input.</summary>
public sealed class CodecRoundTripTests
{
    private readonly MediaBufferPool _pool = new();

    private static void Paint(MediaFrame frame, int width, int height, int n)
    {
        var luma = frame.Plane(0, height, out int stride);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                luma[(y * stride) + x] = (byte)(((x + n) ^ y) & 0xFF);
            }
        }

        for (int plane = 1; plane <= 2; plane++)
        {
            frame.Plane(plane, height / 2, out _).Fill(128);
        }
    }

    /// <summary>Encodes <paramref name="count"/> frames with libx264 into canonical access units and the track's parameters.</summary>
    private (MediaTrack Track, List<AccessUnit> Units) EncodeH264(int width, int height, int count)
    {
        using var encoder = VideoEncoder.Open(new VideoEncoderSettings("libx264", width, height, PixelFormat.Yuv420P, 90000, 25)
        {
            Gop = 10,
            Options = "preset=ultrafast:tune=zerolatency",
            Threads = 1,
        });
        Assert.Equal("libx264", encoder.Implementation);
        var track = new MediaTrack(0, CodecId.H264, 90000, 0, CodecParameters.None);
        var units = new List<AccessUnit>();
        using var frame = new MediaFrame();
        var canonical = new ArrayBufferWriter<byte>();
        for (int i = 0; i <= count; i++)
        {
            if (i < count)
            {
                frame.AllocateVideo(width, height, PixelFormat.Yuv420P);
                Paint(frame, width, height, i * 4);
                frame.Pts = i * 3600L;
                encoder.Send(frame);
            }
            else
            {
                encoder.Send(null);
            }

            while (encoder.TryReceive(out var packet))
            {
                canonical.ResetWrittenCount();
                Assert.True(AnnexB.ToLengthPrefixed(packet.Data, canonical) > 0);
                if (packet.Keyframe && ParameterSets.Update(CodecId.H264, track.Parameters, canonical.WrittenSpan) is { } parameters)
                {
                    track.UpdateParameters(parameters);
                }

                units.Add(new AccessUnit(0, packet.Pts, packet.Keyframe, _pool.Rent(canonical.WrittenSpan), 0));
            }
        }

        return (track, units);
    }

    [Fact]
    public void H264_encodes_and_decodes_every_frame_at_its_size()
    {
        var (track, units) = EncodeH264(320, 240, 30);
        Assert.Equal(30, units.Count);
        Assert.True(units[0].Keyframe);
        Assert.Equal(320, track.Parameters.Width);
        Assert.Equal(240, track.Parameters.Height);

        using var decoder = Decoder.Open(track);
        using var frame = new MediaFrame();
        int decoded = 0;
        foreach (var unit in units)
        {
            Assert.True(decoder.Send(unit));
            unit.Release();
            while (decoder.Receive(frame))
            {
                var info = frame.Info;
                Assert.Equal((320, 240, PixelFormat.Yuv420P, false), (info.Width, info.Height, info.Format, info.Hardware));
                decoded++;
            }
        }

        decoder.Drain();
        while (decoder.Receive(frame))
        {
            decoded++;
        }

        Assert.Equal(30, decoded);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void A_decoded_picture_becomes_a_jpeg_of_the_requested_width()
    {
        using var frame = new MediaFrame();
        frame.AllocateVideo(640, 360, PixelFormat.Yuv420P);
        Paint(frame, 640, 360, 0);
        byte[] jpeg = JpegEncoder.Encode(frame, 320);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        Assert.Equal([0xFF, 0xD9], jpeg[^2..]);

        // Decode it back: FFmpeg's own MJPEG decoder agrees on the size.
        var track = new MediaTrack(0, CodecId.Mjpeg, 90000, 0, CodecParameters.None);
        using var decoder = Decoder.Open(track);
        using var back = new MediaFrame();
        var buffer = _pool.Rent(jpeg);
        Assert.True(decoder.Send(new AccessUnit(0, 0, true, buffer, 0)));
        buffer.Release();
        decoder.Drain();
        Assert.True(decoder.Receive(back));
        Assert.Equal((320, 180), (back.Info.Width, back.Info.Height));
    }

    [Fact]
    public void Garbage_and_truncated_units_are_refused_without_harm_and_decoding_recovers_at_the_next_keyframe()
    {
        var (track, units) = EncodeH264(160, 120, 20);
        using var decoder = Decoder.Open(track);
        using var frame = new MediaFrame();
        var garbage = _pool.Rent([0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xFF, 0xFF, 0xFF]);
        var lengthOverrun = _pool.Rent([0, 0, 0xFF, 0xFF, 0x65, 0x88]);
        decoder.Send(new AccessUnit(0, 0, false, garbage, 0));
        Assert.False(decoder.Send(new AccessUnit(0, 0, false, lengthOverrun, 0)));
        garbage.Release();
        lengthOverrun.Release();
        while (decoder.Receive(frame))
        {
        }

        int decoded = 0;
        foreach (var unit in units)
        {
            var payload = unit.Payload;
            // The first GOP arrives truncated: every unit cut in half.
            var cut = unit.Pts < 10 * 3600 ? _pool.Rent(payload[..(payload.Length / 2)]) : _pool.Rent(payload);
            decoder.Send(new AccessUnit(0, unit.Pts, unit.Keyframe, cut, 0));
            cut.Release();
            unit.Release();
            while (decoder.Receive(frame))
            {
                decoded++;
            }
        }

        decoder.Drain();
        while (decoder.Receive(frame))
        {
            decoded++;
        }

        Assert.True(decoded >= 10, $"only {decoded} pictures after the damage"); // the whole second GOP

    }

    [Fact]
    public void Unknown_encoders_and_options_fail_with_ffmpegs_message()
    {
        var missing = Assert.Throws<FfmpegException>(() => VideoEncoder.Open(new VideoEncoderSettings("no_such_encoder", 64, 64, PixelFormat.Yuv420P, 90000, 25)));
        Assert.Contains("Encoder not found", missing.Message, StringComparison.Ordinal);
        var option = Assert.Throws<FfmpegException>(() =>
            VideoEncoder.Open(new VideoEncoderSettings("libx264", 64, 64, PixelFormat.Yuv420P, 90000, 25) { Options = "no_such_option=1" }));
        Assert.Contains("Option not found", option.Message, StringComparison.Ordinal);
    }
}
