using EdgeBox.Configuration;

namespace EdgeBox.Codecs;

/// <summary>Whether one hardware API works on this machine, and why not.</summary>
internal sealed record HardwareApiStatus(string Name, bool Available, string? Error);

/// <summary>
/// Finds which hardware codec APIs work here, by opening them (a device context for CUDA, VAAPI and
/// QSV; a small H.264 encoder for V4L2 M2M, which has no device context). Runs in the probe child
/// process, so a crashing driver cannot take the service down.
/// </summary>
internal static class HardwareProbe
{
    /// <summary>Probe order for <c>hwaccel: auto</c>: NVENC/NVDEC, VAAPI, QSV, V4L2 M2M.</summary>
    public static readonly HwAccelSetting[] AutoOrder = [HwAccelSetting.Cuda, HwAccelSetting.Vaapi, HwAccelSetting.Qsv, HwAccelSetting.V4l2m2m];

    public static IReadOnlyList<HardwareApiStatus> Probe(string? device)
    {
        NativeMethods.QuietLogs();
        var results = new List<HardwareApiStatus>();
        foreach (var api in AutoOrder)
        {
            string name = Name(api);
            try
            {
                if (api == HwAccelSetting.V4l2m2m)
                {
                    using var encoder = VideoEncoder.Open(new VideoEncoderSettings("h264_v4l2m2m", 320, 240, PixelFormat.Yuv420P, 90000, 25));
                }
                else
                {
                    using var context = OpenDevice(api, device);
                }

                results.Add(new HardwareApiStatus(name, true, null));
            }
            catch (FfmpegException ex)
            {
                results.Add(new HardwareApiStatus(name, false, ex.Message));
            }
        }

        return results;
    }

    public static HwDeviceHandle OpenDevice(HwAccelSetting api, string? device)
    {
        int result = NativeMethods.HwDeviceOpen(Name(api), string.IsNullOrEmpty(device) ? null : device, out nint handle);
        FfmpegException.Check(result, $"open the {Name(api)} device");
        return HwDeviceHandle.FromNative(handle);
    }

    public static string Name(HwAccelSetting api) => api.ToString().ToLowerInvariant();
}

/// <summary>The outcome of choosing hardware acceleration: what is used and why (for the log, <c>/api/v1/info</c>, <c>edgebox version</c>).</summary>
internal sealed record HardwareSelection(HwAccelSetting Selected, string Reason, bool Warning);

/// <summary>
/// Chooses hardware acceleration from the setting and what the probe found. Pure, so the rules are
/// unit-tested with made-up probe results: <c>none</c> is software; an explicit API is used when it
/// works, else software with a warning; <c>auto</c> takes the first API that works in
/// <see cref="HardwareProbe.AutoOrder"/>, else software (which is expected on a machine without GPUs).
/// </summary>
internal static class HardwareSelector
{
    public static HardwareSelection Select(HwAccelSetting setting, IReadOnlyList<HardwareApiStatus> probe)
    {
        if (setting == HwAccelSetting.None)
        {
            return new HardwareSelection(HwAccelSetting.None, "hardware acceleration is off (hwaccel: none); using software codecs", false);
        }

        HardwareApiStatus? Status(HwAccelSetting api) => probe.FirstOrDefault(p => p.Name == HardwareProbe.Name(api));

        if (setting != HwAccelSetting.Auto)
        {
            var status = Status(setting);
            return status is { Available: true }
                ? new HardwareSelection(setting, $"using {HardwareProbe.Name(setting)} (hwaccel: {HardwareProbe.Name(setting)})", false)
                : new HardwareSelection(HwAccelSetting.None,
                    $"hwaccel: {HardwareProbe.Name(setting)} is not available ({status?.Error ?? "not probed"}); falling back to software codecs", true);
        }

        foreach (var api in HardwareProbe.AutoOrder)
        {
            if (Status(api) is { Available: true })
            {
                return new HardwareSelection(api, $"hwaccel: auto selected {HardwareProbe.Name(api)}", false);
            }
        }

        string tried = string.Join("; ", probe.Select(p => $"{p.Name}: {p.Error}"));
        return new HardwareSelection(HwAccelSetting.None, $"hwaccel: auto found no hardware codec API ({tried}); using software codecs", false);
    }
}
