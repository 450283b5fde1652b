namespace EdgeBox.Codecs;

/// <summary>Encodes one picture as a baseline JPEG (FFmpeg's <c>mjpeg</c> encoder, full-range 4:2:0).</summary>
internal static class JpegEncoder
{
    /// <summary>Fixed quantizer 3 (1 = best, 31 = worst): ~95 % of the quality for a third of the size of q=1.</summary>
    private const string Options = "flags=+qscale:global_quality=354";

    /// <summary>A JPEG of <paramref name="frame"/> (downloaded from the GPU if needed), scaled to <paramref name="width"/> when given.</summary>
    public static byte[] Encode(MediaFrame frame, int? width)
    {
        using var software = frame.Download();
        var info = software.Info;
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new InvalidOperationException("the frame is not a picture");
        }

        var (w, h) = width is { } requested ? Scaler.FitWidth(info.Width, info.Height, requested) : (info.Width & ~1, info.Height & ~1);
        using var scaler = new Scaler(w, h, PixelFormat.Yuvj420P);
        using var scaled = new MediaFrame();
        scaler.Scale(software, scaled);
        scaled.Pts = 0;
        using var encoder = VideoEncoder.Open(new VideoEncoderSettings("mjpeg", w, h, PixelFormat.Yuvj420P, 90000, 25) { Options = Options, Threads = 1 });
        encoder.Send(scaled);
        encoder.Send(null);
        return encoder.TryReceive(out var packet) ? packet.Data.ToArray() : throw new InvalidOperationException("the JPEG encoder produced nothing");
    }
}
