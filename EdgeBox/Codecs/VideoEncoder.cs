namespace EdgeBox.Codecs;

/// <summary>Settings of a video encoder.</summary>
/// <param name="Name">FFmpeg encoder name: <c>libx264</c>, <c>h264_nvenc</c>, <c>mjpeg</c>...</param>
/// <param name="TimeBase">Ticks per second of the frames' pts (90000 for EdgeBox video tracks).</param>
/// <param name="Options">Private and generic options as <c>key=value:key=value</c> (<c>preset=veryfast</c>).</param>
internal sealed record VideoEncoderSettings(string Name, int Width, int Height, PixelFormat Format, int TimeBase, int FramesPerSecond)
{
    public long Bitrate { get; init; }

    /// <summary>Frames between keyframes; 0 = the encoder's default.</summary>
    public int Gop { get; init; }

    public int MaxBFrames { get; init; }

    /// <summary>Parameter sets in extradata too (for SDP and MP4), not only before keyframes.</summary>
    public bool GlobalHeader { get; init; }

    public string? Options { get; init; }

    public int Threads { get; init; }

    /// <summary>
    /// A picture in GPU memory (from a <see cref="VideoFilter"/> on the GPU): the encoder then takes
    /// GPU frames of its frames context, with no copy to system memory. <see cref="Format"/> is ignored.
    /// </summary>
    public MediaFrame? GpuFrame { get; init; }
}

/// <summary>One encoded packet; <see cref="Data"/> is valid only until the next call on the encoder.</summary>
internal readonly ref struct EncodedPacket(ReadOnlySpan<byte> data, long pts, long dts, bool keyframe)
{
    public ReadOnlySpan<byte> Data { get; } = data;

    public long Pts { get; } = pts;

    public long Dts { get; } = dts;

    public bool Keyframe { get; } = keyframe;
}

/// <summary>An FFmpeg video encoder. Send frames, then take packets until it needs more input. Not thread-safe.</summary>
internal sealed class VideoEncoder : IDisposable
{
    private readonly CodecHandle _handle;

    private VideoEncoder(CodecHandle handle, string implementation)
    {
        _handle = handle;
        Implementation = implementation;
    }

    public string Implementation { get; }

    public static VideoEncoder Open(VideoEncoderSettings settings)
    {
        NativeMethods.QuietLogs();
        int result = NativeMethods.VideoEncoderOpen(settings.Name, settings.Width, settings.Height, (int)settings.Format, settings.TimeBase,
            settings.FramesPerSecond, 1, settings.Bitrate, settings.Gop, settings.MaxBFrames, settings.GlobalHeader ? 1 : 0, settings.Options,
            settings.GpuFrame?.Handle.DangerousGetHandle() ?? 0, settings.Threads, out nint codec);
        GC.KeepAlive(settings.GpuFrame);
        FfmpegException.Check(result, $"open the {settings.Name} encoder");
        return new VideoEncoder(CodecHandle.FromNative(codec), NativeMethods.Utf8(NativeMethods.CodecName(codec)) ?? settings.Name);
    }

    /// <summary>The encoder's extradata (parameter sets with <see cref="VideoEncoderSettings.GlobalHeader"/>).</summary>
    public unsafe ReadOnlySpan<byte> Extradata
    {
        get
        {
            byte* data;
            int size;
            NativeMethods.CodecExtradata(_handle.DangerousGetHandle(), &data, &size);
            return size > 0 ? new ReadOnlySpan<byte>(data, size) : default;
        }
    }

    /// <summary>Sends a frame (null drains the encoder).</summary>
    public void Send(MediaFrame? frame, bool forceKeyframe = false)
    {
        int result = NativeMethods.EncoderSend(_handle.DangerousGetHandle(), frame?.Handle.DangerousGetHandle() ?? 0, forceKeyframe ? 1 : 0);
        GC.KeepAlive(_handle);
        GC.KeepAlive(frame);
        if (result < 0 && result != FfmpegException.Again && result != FfmpegException.EndOfFile)
        {
            throw new FfmpegException($"encode ({Implementation})", result);
        }
    }

    /// <summary>The next packet, or false when the encoder needs more input (or is drained).</summary>
    public unsafe bool TryReceive(out EncodedPacket packet)
    {
        byte* data;
        int size, keyframe;
        long pts, dts;
        int result = NativeMethods.EncoderReceive(_handle.DangerousGetHandle(), &data, &size, &pts, &dts, &keyframe);
        GC.KeepAlive(_handle);
        if (result == FfmpegException.Again || result == FfmpegException.EndOfFile)
        {
            packet = default;
            return false;
        }

        FfmpegException.Check(result, $"encode ({Implementation})");
        packet = new EncodedPacket(new ReadOnlySpan<byte>(data, size), pts, dts, keyframe != 0);
        return true;
    }

    public void Dispose() => _handle.Dispose();
}
