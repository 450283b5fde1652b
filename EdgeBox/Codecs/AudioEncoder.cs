using EdgeBox.Media;

namespace EdgeBox.Codecs;

/// <summary>
/// An FFmpeg audio encoder (<c>libopus</c>, <c>aac</c>) that takes decoded audio of any layout, rate
/// and sample format: the native side resamples and cuts it into the encoder's frame size.
/// </summary>
internal sealed class AudioEncoder : IDisposable
{
    private readonly CodecHandle _handle;

    private AudioEncoder(CodecHandle handle, CodecId codec, int sampleRate, int channels)
    {
        _handle = handle;
        Codec = codec;
        SampleRate = sampleRate;
        Channels = channels;
    }

    public CodecId Codec { get; }

    public int SampleRate { get; }

    public int Channels { get; }

    /// <summary>Opus always runs at 48 kHz (RFC 7587 §4.1); AAC keeps the source's rate.</summary>
    public static AudioEncoder Open(CodecId codec, int sourceRate, int channels, long bitrate)
    {
        NativeMethods.QuietLogs();
        int rate = codec == CodecId.Opus ? 48000 : sourceRate;
        channels = Math.Clamp(channels, 1, 2);
        string name = codec switch
        {
            CodecId.Opus => "libopus",
            CodecId.Aac => "aac",
            _ => throw new NotSupportedException($"no audio encoder for {codec}"),
        };
        int result = NativeMethods.AudioEncoderOpen(name, rate, channels, bitrate, codec == CodecId.Aac ? 1 : 0, null, out nint handle);
        FfmpegException.Check(result, $"open the {name} encoder");
        return new AudioEncoder(CodecHandle.FromNative(handle), codec, rate, channels);
    }

    /// <summary>The AudioSpecificConfig for AAC (the encoder's extradata).</summary>
    public unsafe byte[] Extradata
    {
        get
        {
            byte* data;
            int size;
            NativeMethods.CodecExtradata(_handle.DangerousGetHandle(), &data, &size);
            GC.KeepAlive(_handle);
            return size > 0 ? new ReadOnlySpan<byte>(data, size).ToArray() : [];
        }
    }

    /// <summary>Queues decoded audio whose pts counts <paramref name="ptsRate"/> ticks per second; null drains.</summary>
    public void Send(MediaFrame? frame, int ptsRate)
    {
        int result = NativeMethods.AudioEncoderSend(_handle.DangerousGetHandle(), frame?.Handle.DangerousGetHandle() ?? 0, ptsRate);
        GC.KeepAlive(_handle);
        GC.KeepAlive(frame);
        FfmpegException.Check(result, "resample audio");
    }

    /// <summary>The next packet (pts in samples at <see cref="SampleRate"/>), or false when more input is needed.</summary>
    public unsafe bool TryReceive(out EncodedPacket packet)
    {
        byte* data;
        int size, keyframe;
        long pts;
        int result = NativeMethods.AudioEncoderReceive(_handle.DangerousGetHandle(), &data, &size, &pts, &keyframe);
        GC.KeepAlive(_handle);
        if (result == FfmpegException.Again || result == FfmpegException.EndOfFile)
        {
            packet = default;
            return false;
        }

        FfmpegException.Check(result, "encode audio");
        packet = new EncodedPacket(new ReadOnlySpan<byte>(data, size), pts, pts, true);
        return true;
    }

    public void Dispose() => _handle.Dispose();
}
