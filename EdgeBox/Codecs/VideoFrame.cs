namespace EdgeBox.Codecs;

/// <summary>Pixel formats as the native shim names them (independent of FFmpeg's enum numbering).</summary>
internal enum PixelFormat
{
    None = 0,
    Yuv420P = 1,
    Nv12 = 2,
    Yuvj420P = 3,
    Rgb24 = 4,
    Bgr24 = 5,
    Yuv422P = 6,
    Yuvj422P = 7,
    Yuv444P = 8,
    Gray8 = 9,
    Other = 100,
}

/// <summary>What a frame holds (<c>eb_frame_info</c>).</summary>
internal readonly record struct FrameInfo(int Width, int Height, PixelFormat Format, bool Hardware, int SampleRate, int Channels, int Samples, long Pts);

/// <summary>
/// A decoded picture or block of samples (an AVFrame). Cheap to <see cref="Clone"/> (a new reference to
/// the same buffers), so one decoded frame can go to several consumers; each disposes its own.
/// </summary>
internal sealed class MediaFrame : IDisposable
{
    public MediaFrame()
        : this(FrameHandle.FromNative(NativeMethods.FrameAlloc()))
    {
    }

    private MediaFrame(FrameHandle handle) => Handle = handle;

    public FrameHandle Handle { get; }

    public unsafe FrameInfo Info
    {
        get
        {
            int width, height, format, hardware, sampleRate, channels, samples;
            long pts;
            NativeMethods.FrameInfo(Handle.DangerousGetHandle(), &width, &height, &format, &hardware, &sampleRate, &channels, &samples, &pts);
            GC.KeepAlive(Handle);
            return new FrameInfo(width, height, (PixelFormat)format, hardware != 0, sampleRate, channels, samples, pts);
        }
    }

    public long Pts
    {
        get => Info.Pts;
        set
        {
            NativeMethods.FrameSetPts(Handle.DangerousGetHandle(), value);
            GC.KeepAlive(Handle);
        }
    }

    public MediaFrame Clone()
    {
        var clone = FrameHandle.FromNative(NativeMethods.FrameClone(Handle.DangerousGetHandle()));
        GC.KeepAlive(Handle);
        return new MediaFrame(clone);
    }

    /// <summary>Gives the frame new, writable buffers for a picture.</summary>
    public void AllocateVideo(int width, int height, PixelFormat format)
    {
        FfmpegException.Check(NativeMethods.FrameAllocVideo(Handle.DangerousGetHandle(), width, height, (int)format), "allocate frame");
        GC.KeepAlive(Handle);
    }

    /// <summary>Gives the frame new buffers for signed 16-bit interleaved PCM (plane 0 holds samples x channels values).</summary>
    public void AllocateAudio(int samples, int sampleRate, int channels)
    {
        FfmpegException.Check(NativeMethods.FrameAllocAudio(Handle.DangerousGetHandle(), samples, sampleRate, channels), "allocate audio frame");
        GC.KeepAlive(Handle);
    }

    /// <summary>Plane <paramref name="index"/> of a software frame: a span over its rows and the row stride.</summary>
    public unsafe Span<byte> Plane(int index, int rows, out int stride)
    {
        byte* data;
        int lineSize;
        int found = NativeMethods.FramePlane(Handle.DangerousGetHandle(), index, &data, &lineSize);
        GC.KeepAlive(Handle);
        if (found == 0)
        {
            throw new InvalidOperationException($"the frame has no plane {index}");
        }

        stride = lineSize;
        return new Span<byte>(data, lineSize * rows);
    }

    /// <summary>This frame in system memory: a reference when it already is, a download from the GPU when not.</summary>
    public MediaFrame Download()
    {
        var target = new MediaFrame();
        int result = NativeMethods.FrameDownload(Handle.DangerousGetHandle(), target.Handle.DangerousGetHandle());
        GC.KeepAlive(Handle);
        if (result < 0)
        {
            target.Dispose();
            throw new FfmpegException("download frame", result);
        }

        return target;
    }

    public void Dispose() => Handle.Dispose();
}
