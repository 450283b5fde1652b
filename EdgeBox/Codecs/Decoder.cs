using System.Buffers;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Codecs;

/// <summary>
/// An FFmpeg decoder for one track, fed access units in EdgeBox's canonical form. H.264/H.265 units
/// (4-byte length-prefixed NAL units) become Annex B in place on a pooled copy: a start code is as
/// long as the length field, so nothing moves. Parameter sets go in as Annex B extradata.
/// </summary>
internal sealed class Decoder : IDisposable
{
    private readonly CodecHandle _handle;
    private readonly CodecId _codec;

    private Decoder(CodecHandle handle, CodecId codec, string implementation)
    {
        _handle = handle;
        _codec = codec;
        Implementation = implementation;
    }

    /// <summary>The FFmpeg decoder in use (<c>h264</c>, <c>hevc</c>, <c>aac</c>...).</summary>
    public string Implementation { get; }

    /// <summary>FFmpeg's decoder name for an EdgeBox codec.</summary>
    public static string DecoderName(CodecId codec) => codec switch
    {
        CodecId.H264 => "h264",
        CodecId.H265 => "hevc",
        CodecId.Aac => "aac",
        CodecId.Opus => "opus",
        CodecId.Pcmu => "pcm_mulaw",
        CodecId.Pcma => "pcm_alaw",
        CodecId.Mjpeg => "mjpeg",
        CodecId.Vp8 => "vp8",
        CodecId.Vp9 => "vp9",
        CodecId.Av1 => "libdav1d", // FFmpeg 5.1's native av1 decoder decodes only through a hardware accelerator
        _ => throw new NotSupportedException($"no decoder for {codec}"),
    };

    public static unsafe Decoder Open(MediaTrack track, HwDeviceHandle? hardware = null, int threads = 0)
    {
        NativeMethods.QuietLogs();
        byte[] extradata = Extradata(track);
        nint codec;
        int result;
        fixed (byte* data = extradata)
        {
            result = NativeMethods.DecoderOpen(DecoderName(track.Codec), extradata.Length > 0 ? data : null, extradata.Length,
                track.IsVideo ? 0 : track.ClockRate, track.Channels, hardware?.DangerousGetHandle() ?? 0, threads, out codec);
        }

        GC.KeepAlive(hardware);
        FfmpegException.Check(result, $"open the {track.Codec.Name()} decoder");
        var handle = CodecHandle.FromNative(codec);
        string name = NativeMethods.Utf8(NativeMethods.CodecName(codec)) ?? "";
        return new Decoder(handle, track.Codec, name);
    }

    /// <summary>Feeds one unit. False when the decoder refused it as corrupt (the next keyframe repairs the stream).</summary>
    public unsafe bool Send(in AccessUnit unit)
    {
        var payload = unit.Payload;
        byte[] copy = ArrayPool<byte>.Shared.Rent(payload.Length);
        try
        {
            payload.CopyTo(copy);
            var data = copy.AsSpan(0, payload.Length);
            if (_codec is CodecId.H264 or CodecId.H265 && !LengthPrefixed.TryToAnnexBInPlace(data))
            {
                return false;
            }

            int result;
            fixed (byte* pointer = data)
            {
                result = NativeMethods.DecoderSend(_handle.DangerousGetHandle(), pointer, data.Length, unit.Pts, unit.Keyframe ? 1 : 0);
            }

            GC.KeepAlive(_handle);
            return result >= 0 || result == FfmpegException.Again;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Starts draining: after this, <see cref="Receive"/> returns the frames still inside.</summary>
    public unsafe void Drain()
    {
        _ = NativeMethods.DecoderSend(_handle.DangerousGetHandle(), null, 0, 0, 0); // only fails when already draining
        GC.KeepAlive(_handle);
    }

    /// <summary>The next decoded frame into <paramref name="frame"/>; false when the decoder needs more input.</summary>
    public bool Receive(MediaFrame frame)
    {
        int result = NativeMethods.DecoderReceive(_handle.DangerousGetHandle(), frame.Handle.DangerousGetHandle());
        GC.KeepAlive(_handle);
        GC.KeepAlive(frame);
        if (result == FfmpegException.Again || result == FfmpegException.EndOfFile)
        {
            return false;
        }

        // A decode error inside one picture (corrupt input) is not fatal: skip it and carry on.
        return result >= 0;
    }

    public void Dispose() => _handle.Dispose();

    private static byte[] Extradata(MediaTrack track)
    {
        var parameters = track.Parameters;
        return track.Codec switch
        {
            CodecId.H264 => AnnexBOf(parameters.Sps, parameters.Pps),
            CodecId.H265 => AnnexBOf(parameters.Vps, parameters.Sps, parameters.Pps),
            CodecId.Aac => parameters.AudioSpecificConfig ?? [],
            CodecId.Av1 => parameters.SequenceHeader is { } obu ? Av1.ConfigRecord(obu) ?? [] : [],
            _ => [],
        };
    }

    private static byte[] AnnexBOf(params byte[]?[] units)
    {
        var output = new List<byte>();
        foreach (var unit in units)
        {
            if (unit is { Length: > 0 })
            {
                output.AddRange([0, 0, 0, 1]);
                output.AddRange(unit);
            }
        }

        return [.. output];
    }
}
