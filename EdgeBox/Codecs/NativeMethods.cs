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
    public const int ExpectedAbiVersion = 1;

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

    public static string? Utf8(nint text) => text == 0 ? null : Marshal.PtrToStringUTF8(text);
}
