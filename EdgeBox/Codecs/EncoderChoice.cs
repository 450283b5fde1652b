using EdgeBox.Configuration;

namespace EdgeBox.Codecs;

/// <summary>An encoder to try: its FFmpeg name, whether it is a hardware one, and how it takes a speed preset.</summary>
internal sealed record EncoderCandidate(string Name, bool Hardware, Func<string, string?> Options)
{
    /// <summary>The hardware API of a hardware encoder (its device and GPU scaler); None for software.</summary>
    public HwAccelSetting Api { get; init; } = HwAccelSetting.None;
}

/// <summary>
/// The encoders a transcode tries, in order: the selected hardware one first (when there is one), then
/// software. When a hardware encoder cannot open, the stream falls back to software with one warning
/// and an event (<see cref="ReportFallback"/>).
/// </summary>
internal sealed class EncoderChoice(IReadOnlyList<EncoderCandidate> candidates, Action<string, string, string> onFallback)
{
    public IReadOnlyList<EncoderCandidate> Candidates { get; } = candidates;

    /// <summary><c>codecs.hwaccelDevice</c>: the device hardware candidates open (empty: the API's default).</summary>
    public string? Device { get; init; }

    public void ReportFallback(string path, string encoder, string reason) => onFallback(path, encoder, reason);

    /// <summary>Whether <paramref name="implementation"/> (an opened encoder's name) is one of the hardware candidates.</summary>
    public bool IsHardware(string implementation) => Candidates.Any(c => c.Hardware && c.Name == implementation);

    /// <summary>The encoders for <paramref name="codec"/> with hardware <paramref name="hardware"/> (None: software only).</summary>
    public static IReadOnlyList<EncoderCandidate> For(VideoCodecSetting codec, HwAccelSetting hardware)
    {
        var list = new List<EncoderCandidate>();
        if (HardwareName(codec, hardware) is { } name)
        {
            list.Add(new EncoderCandidate(name, true, preset => HardwareOptions(hardware, preset)) { Api = hardware });
        }

        switch (codec)
        {
            case VideoCodecSetting.H265:
                list.Add(new EncoderCandidate("libx265", false, preset => $"preset={preset}:tune=zerolatency:x265-params=log-level=error"));
                break;
            case VideoCodecSetting.Vp9:
                // Real time: no look-ahead (it would hold frames back), row multithreading, speed from the preset.
                list.Add(new EncoderCandidate("libvpx-vp9", false, preset => $"deadline=realtime:cpu-used={VpxSpeed(preset)}:lag-in-frames=0:row-mt=1:error-resilient=1"));
                break;
            case VideoCodecSetting.Av1:
                // SVT-AV1 is the fast software AV1 encoder (low-delay prediction: no frames held back; it
                // takes no max rate in that mode); libaom (realtime usage) where a build lacks it.
                list.Add(new EncoderCandidate("libsvtav1", false, preset => $"preset={SvtPreset(preset)}:svtav1-params=pred-struct=1:maxrate=0"));
                list.Add(new EncoderCandidate("libaom-av1", false, preset => $"usage=realtime:cpu-used={VpxSpeed(preset)}:lag-in-frames=0:row-mt=1"));
                break;
            default:
                list.Add(new EncoderCandidate("libx264", false, preset => $"preset={preset}:tune=zerolatency"));
                break;
        }

        return list;
    }

    private static string? HardwareName(VideoCodecSetting codec, HwAccelSetting hardware)
    {
        string? family = codec switch
        {
            VideoCodecSetting.H264 => "h264",
            VideoCodecSetting.H265 => "hevc",
            VideoCodecSetting.Vp9 => "vp9",
            VideoCodecSetting.Av1 => "av1",
            _ => null,
        };
        return (family, hardware) switch
        {
            (null, _) => null,
            ("vp9", HwAccelSetting.Cuda or HwAccelSetting.V4l2m2m) => null, // NVENC and V4L2 M2M have no VP9 encoder
            ("av1", HwAccelSetting.V4l2m2m) => null,
            (_, HwAccelSetting.Cuda) => family + "_nvenc",
            (_, HwAccelSetting.Vaapi) => family + "_vaapi",
            (_, HwAccelSetting.Qsv) => family + "_qsv",
            (_, HwAccelSetting.V4l2m2m) => family + "_v4l2m2m",
            _ => null,
        };
    }

    /// <summary>x264 preset names onto libvpx/libaom <c>cpu-used</c> (0 slowest, 8-10 real time).</summary>
    private static int VpxSpeed(string preset) => preset switch
    {
        "ultrafast" or "superfast" => 8,
        "veryfast" or "faster" => 7,
        "fast" or "medium" => 6,
        _ => 5,
    };

    /// <summary>x264 preset names onto SVT-AV1 presets (0 slowest, 12/13 fastest).</summary>
    private static int SvtPreset(string preset) => preset switch
    {
        "ultrafast" or "superfast" => 12,
        "veryfast" or "faster" => 10,
        "fast" or "medium" => 8,
        _ => 6,
    };

    /// <summary>x264 preset names mapped onto what each hardware family calls its speed settings.</summary>
    private static string? HardwareOptions(HwAccelSetting hardware, string preset)
    {
        bool fast = preset is "ultrafast" or "superfast" or "veryfast" or "faster" or "fast";
        return hardware switch
        {
            HwAccelSetting.Cuda => fast ? "preset=p2:tune=ll" : "preset=p5:tune=ll",
            HwAccelSetting.Qsv => fast ? "preset=veryfast" : "preset=medium",
            _ => null,
        };
    }
}
