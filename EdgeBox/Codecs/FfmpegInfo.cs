using System.Runtime.InteropServices;

namespace EdgeBox.Codecs;

internal enum MediaKind
{
    Other = 0,
    Video = 1,
    Audio = 2,
    Subtitle = 3,
}

/// <summary>A codec FFmpeg offers: <c>h264_nvenc</c> is a hardware video encoder, <c>aac</c> a software audio decoder...</summary>
internal sealed record CodecInfo(string Name, string LongName, MediaKind Kind, bool IsEncoder, bool IsHardware);

/// <summary>
/// What the installed FFmpeg libraries provide, read once through the native shim. When the shim or
/// FFmpeg's libraries cannot be loaded, <see cref="Available"/> is false and <see cref="Error"/> says why;
/// EdgeBox then runs without its media features instead of failing to start.
/// </summary>
internal sealed record FfmpegInfo
{
    public required bool Available { get; init; }

    public string? Error { get; init; }

    public string FfmpegVersion { get; init; } = "";

    /// <summary>Library name → "major.minor.micro", e.g. libavcodec → 59.37.100.</summary>
    public IReadOnlyDictionary<string, string> Libraries { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<CodecInfo> Codecs { get; init; } = [];

    /// <summary>Hardware device types libavutil was built with (cuda, vaapi, qsv, drm, ...), not what is plugged in.</summary>
    public IReadOnlyList<string> HardwareDeviceTypes { get; init; } = [];

    private static readonly string[] LibraryNames = ["libavutil", "libavcodec", "libavformat", "libswscale", "libswresample"];

    public static unsafe FfmpegInfo Probe()
    {
        try
        {
            int abi = NativeMethods.AbiVersion();
            if (abi != NativeMethods.ExpectedAbiVersion)
            {
                return new FfmpegInfo { Available = false, Error = $"{NativeMethods.Library} has ABI {abi}, this build needs {NativeMethods.ExpectedAbiVersion}: rebuild native/" };
            }

            var libraries = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < LibraryNames.Length; i++)
            {
                uint v = NativeMethods.LibraryVersion(i);
                libraries[LibraryNames[i]] = $"{v >> 16}.{(v >> 8) & 0xff}.{v & 0xff}";
            }

            var codecs = new List<CodecInfo>();
            nint state = 0, name = 0, longName = 0;
            int kind = 0, flags = 0;
            while (NativeMethods.CodecNext(&state, &name, &longName, &kind, &flags) != 0)
            {
                codecs.Add(new CodecInfo(NativeMethods.Utf8(name) ?? "", NativeMethods.Utf8(longName) ?? "", (MediaKind)kind, (flags & 1) != 0, (flags & 4) != 0));
            }

            var devices = new List<string>();
            int type = -1;
            while ((type = NativeMethods.HwDeviceTypeNext(type, &name)) >= 0)
            {
                devices.Add(NativeMethods.Utf8(name) ?? type.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return new FfmpegInfo
            {
                Available = true,
                FfmpegVersion = NativeMethods.Utf8(NativeMethods.FfmpegVersion()) ?? "",
                Libraries = libraries,
                Codecs = codecs,
                HardwareDeviceTypes = devices,
            };
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return new FfmpegInfo { Available = false, Error = $"FFmpeg libraries or lib{NativeMethods.Library}.so could not be loaded: {FirstLine(ex.Message)}" };
        }
    }

    /// <summary>FFmpeg's message for an error code (av_strerror).</summary>
    public static unsafe string ErrorMessage(int error)
    {
        byte* buffer = stackalloc byte[256];
        NativeMethods.StrError(error, buffer, 256);
        return Marshal.PtrToStringUTF8((nint)buffer) ?? $"FFmpeg error {error}";
    }

    private static string FirstLine(string message)
    {
        int cut = message.IndexOf('\n', StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }
}
