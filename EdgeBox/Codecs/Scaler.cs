namespace EdgeBox.Codecs;

/// <summary>Converts software frames to one size and pixel format (libswscale, bicubic). Not thread-safe.</summary>
internal sealed class Scaler : IDisposable
{
    private readonly ScalerHandle _handle;

    public Scaler(int width, int height, PixelFormat format)
    {
        FfmpegException.Check(NativeMethods.ScalerOpen(width, height, (int)format, out nint scaler), "open the scaler");
        _handle = ScalerHandle.FromNative(scaler);
        Width = width;
        Height = height;
        Format = format;
    }

    public int Width { get; }

    public int Height { get; }

    public PixelFormat Format { get; }

    /// <summary>Scales <paramref name="source"/> into new buffers of <paramref name="destination"/>; the pts is kept.</summary>
    public void Scale(MediaFrame source, MediaFrame destination)
    {
        FfmpegException.Check(
            NativeMethods.ScalerScale(_handle.DangerousGetHandle(), source.Handle.DangerousGetHandle(), destination.Handle.DangerousGetHandle()), "scale");
        GC.KeepAlive(_handle);
        GC.KeepAlive(source);
        GC.KeepAlive(destination);
    }

    /// <summary>
    /// Scales <paramref name="source"/> (a software frame) into <paramref name="destination"/>, rows of
    /// <paramref name="stride"/> bytes of a packed format (RGB24/BGR24/GRAY8): no frame is allocated.
    /// </summary>
    public unsafe void ScaleTo(MediaFrame source, Span<byte> destination, int stride)
    {
        int bytesPerPixel = Format switch
        {
            PixelFormat.Rgb24 or PixelFormat.Bgr24 => 3,
            PixelFormat.Gray8 => 1,
            _ => throw new InvalidOperationException($"{Format} is not a packed format"),
        };
        if (stride < Width * bytesPerPixel || destination.Length < ((Height - 1) * stride) + (Width * bytesPerPixel))
        {
            throw new ArgumentException($"a buffer of {destination.Length} bytes with rows of {stride} does not hold {Width}x{Height} {Format}");
        }

        fixed (byte* data = destination)
        {
            FfmpegException.Check(NativeMethods.ScalerScaleTo(_handle.DangerousGetHandle(), source.Handle.DangerousGetHandle(), data, stride), "scale");
        }

        GC.KeepAlive(_handle);
        GC.KeepAlive(source);
    }

    /// <summary>The size that fits <paramref name="width"/> keeping the aspect ratio, both even (what 4:2:0 encoders need).</summary>
    public static (int Width, int Height) FitWidth(int sourceWidth, int sourceHeight, int width)
    {
        width = Math.Clamp(width, 2, 8192) & ~1;
        int height = (int)Math.Round(sourceHeight * (double)width / sourceWidth);
        return (width, Math.Max(2, height & ~1));
    }

    public void Dispose() => _handle.Dispose();
}
