using System.Runtime.InteropServices;

namespace EdgeBox.Codecs;

/// <summary>
/// P/Invoke surface of <c>libedgebox_native.so</c> (<c>native/edgebox_native.c</c>). Only integers, C
/// strings and opaque pointers cross; no FFmpeg struct layout is known here.
/// </summary>
internal static unsafe partial class NativeMethods
{
    public const string Library = "edgebox_native";

    /// <summary>The ABI this C# code was written for; must equal <c>EB_ABI_VERSION</c>.</summary>
    public const int ExpectedAbiVersion = 3;

    /// <summary>native/edgebox_native.c: <c>eb_abi_version</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_abi_version")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int AbiVersion();

    /// <summary>native/edgebox_native.c: <c>eb_library_version</c> (AV_VERSION_INT packed).</summary>
    [LibraryImport(Library, EntryPoint = "eb_library_version")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial uint LibraryVersion(int library);

    /// <summary>native/edgebox_native.c: <c>eb_ffmpeg_version</c> (static string owned by FFmpeg).</summary>
    [LibraryImport(Library, EntryPoint = "eb_ffmpeg_version")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial nint FfmpegVersion();

    /// <summary>native/edgebox_native.c: <c>eb_codec_next</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_codec_next")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int CodecNext(nint* state, nint* name, nint* longName, int* mediaType, int* flags);

    /// <summary>native/edgebox_native.c: <c>eb_hwdevice_type_next</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_hwdevice_type_next")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int HwDeviceTypeNext(int previous, nint* name);

    /// <summary>native/edgebox_native.c: <c>eb_strerror</c> (av_strerror).</summary>
    [LibraryImport(Library, EntryPoint = "eb_strerror")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void StrError(int error, byte* buffer, int size);

    // ---- Codecs (native/edgebox_native.c, "Codecs" section). Handles are owned by the SafeHandles in Codecs/. ----

    /// <summary><c>eb_hwdevice_open</c>: av_hwdevice_ctx_create by type name.</summary>
    [LibraryImport(Library, EntryPoint = "eb_hwdevice_open", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int HwDeviceOpen(string type, string? device, out nint handle);

    /// <summary><c>eb_hwdevice_close</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_hwdevice_close")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void HwDeviceClose(nint handle);

    /// <summary><c>eb_decoder_open</c>: a decoder by codec name, with extradata.</summary>
    [LibraryImport(Library, EntryPoint = "eb_decoder_open", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int DecoderOpen(string name, byte* extradata, int extradataSize, int sampleRate, int channels, nint hwDevice, int threads, out nint codec);

    /// <summary><c>eb_decoder_send</c>: one packet (null data drains).</summary>
    [LibraryImport(Library, EntryPoint = "eb_decoder_send")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int DecoderSend(nint codec, byte* data, int size, long pts, int keyframe);

    /// <summary><c>eb_decoder_receive</c>: one frame into an allocated frame.</summary>
    [LibraryImport(Library, EntryPoint = "eb_decoder_receive")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int DecoderReceive(nint codec, nint frame);

    /// <summary><c>eb_video_encoder_open</c>: a video encoder by name with private options.</summary>
    [LibraryImport(Library, EntryPoint = "eb_video_encoder_open", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int VideoEncoderOpen(string name, int width, int height, int pixelFormat, int timeBaseDen, int fpsNum, int fpsDen,
        long bitrate, int gop, int maxBFrames, int globalHeader, string? options, nint hwFrame, int threads, out nint codec);

    /// <summary><c>eb_encoder_send</c>: one frame (0 drains).</summary>
    [LibraryImport(Library, EntryPoint = "eb_encoder_send")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int EncoderSend(nint codec, nint frame, int forceKeyframe);

    /// <summary><c>eb_encoder_receive</c>: one packet, valid until the next call.</summary>
    [LibraryImport(Library, EntryPoint = "eb_encoder_receive")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int EncoderReceive(nint codec, byte** data, int* size, long* pts, long* dts, int* keyframe);

    /// <summary><c>eb_codec_extradata</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_codec_extradata")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void CodecExtradata(nint codec, byte** data, int* size);

    /// <summary><c>eb_codec_name</c>: the implementation in use.</summary>
    [LibraryImport(Library, EntryPoint = "eb_codec_name")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial nint CodecName(nint codec);

    /// <summary><c>eb_codec_flush</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_codec_flush")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void CodecFlush(nint codec);

    /// <summary><c>eb_codec_close</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_codec_close")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void CodecClose(nint codec);

    /// <summary><c>eb_frame_alloc</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_alloc")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial nint FrameAlloc();

    /// <summary><c>eb_frame_free</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_free")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void FrameFree(nint frame);

    /// <summary><c>eb_frame_clone</c>: a new reference to the same data.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_clone")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial nint FrameClone(nint frame);

    /// <summary><c>eb_frame_alloc_video</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_alloc_video")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int FrameAllocVideo(nint frame, int width, int height, int pixelFormat);

    /// <summary><c>eb_frame_alloc_audio</c>: s16 interleaved PCM buffers.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_alloc_audio")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int FrameAllocAudio(nint frame, int samples, int sampleRate, int channels);

    /// <summary><c>eb_frame_info</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_info")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void FrameInfo(nint frame, int* width, int* height, int* pixelFormat, int* hardware, int* sampleRate, int* channels, int* samples, long* pts);

    /// <summary><c>eb_frame_set_pts</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_set_pts")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void FrameSetPts(nint frame, long pts);

    /// <summary><c>eb_frame_plane</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_plane")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int FramePlane(nint frame, int plane, byte** data, int* lineSize);

    /// <summary><c>eb_frame_download</c>: GPU frame to system memory.</summary>
    [LibraryImport(Library, EntryPoint = "eb_frame_download")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int FrameDownload(nint source, nint destination);

    /// <summary><c>eb_scaler_open</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_scaler_open")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int ScalerOpen(int width, int height, int pixelFormat, out nint scaler);

    /// <summary><c>eb_scaler_scale</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_scaler_scale")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int ScalerScale(nint scaler, nint source, nint destination);

    /// <summary><c>eb_scaler_scale_to</c>: into a caller's packed buffer (one plane).</summary>
    [LibraryImport(Library, EntryPoint = "eb_scaler_scale_to")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static unsafe partial int ScalerScaleTo(nint scaler, nint source, byte* data, int lineSize);

    /// <summary><c>eb_scaler_close</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_scaler_close")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void ScalerClose(nint scaler);

    /// <summary><c>eb_filter_open</c>: a libavfilter chain (GPU scaling, uploads), built at the first frame.</summary>
    [LibraryImport(Library, EntryPoint = "eb_filter_open", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int FilterOpen(string description, nint hwDevice, out nint filter);

    /// <summary><c>eb_filter_send</c>: one frame in (referenced).</summary>
    [LibraryImport(Library, EntryPoint = "eb_filter_send")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int FilterSend(nint filter, nint frame);

    /// <summary><c>eb_filter_receive</c>: one filtered frame out, or EAGAIN.</summary>
    [LibraryImport(Library, EntryPoint = "eb_filter_receive")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int FilterReceive(nint filter, nint frame);

    /// <summary><c>eb_filter_close</c>.</summary>
    [LibraryImport(Library, EntryPoint = "eb_filter_close")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void FilterClose(nint filter);

    /// <summary><c>eb_audio_encoder_open</c>: an audio encoder that converts and blocks its input itself.</summary>
    [LibraryImport(Library, EntryPoint = "eb_audio_encoder_open", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int AudioEncoderOpen(string name, int sampleRate, int channels, long bitrate, int globalHeader, string? options, out nint codec);

    /// <summary><c>eb_audio_encoder_send</c>: queue decoded audio (0 drains).</summary>
    [LibraryImport(Library, EntryPoint = "eb_audio_encoder_send")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int AudioEncoderSend(nint codec, nint frame, int inPtsRate);

    /// <summary><c>eb_audio_encoder_receive</c>: one packet, valid until the next call.</summary>
    [LibraryImport(Library, EntryPoint = "eb_audio_encoder_receive")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial int AudioEncoderReceive(nint codec, byte** data, int* size, long* pts, int* keyframe);

    /// <summary><c>eb_set_log_level</c>: av_log_set_level (AV_LOG_QUIET = -8, AV_LOG_FATAL = 8, AV_LOG_ERROR = 16).</summary>
    [LibraryImport(Library, EntryPoint = "eb_set_log_level")]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    public static partial void SetLogLevel(int level);

    private static int _quiet;

    /// <summary>
    /// Silences FFmpeg's stderr logging once per process: EdgeBox reports failures itself (with
    /// av_strerror's message), and a corrupt stream would otherwise print a line per damaged picture.
    /// </summary>
    public static void QuietLogs()
    {
        if (Interlocked.Exchange(ref _quiet, 1) == 0)
        {
            SetLogLevel(-8);
        }
    }

    public static string? Utf8(nint text) => text == 0 ? null : Marshal.PtrToStringUTF8(text);
}
