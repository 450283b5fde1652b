using EdgeBox.Configuration;

namespace EdgeBox.Codecs;

/// <summary>
/// A libavfilter chain over video frames: on the GPU (<c>scale_cuda</c>, <c>scale_vaapi</c>,
/// <c>vpp_qsv</c>, with <c>hwupload</c> for pictures decoded in software), or in software. The graph is
/// built at the first frame and again when the input's size or format changes. Not thread-safe.
/// </summary>
internal sealed class VideoFilter : IDisposable
{
    private readonly FilterHandle _handle;

    /// <param name="description">A filter chain in FFmpeg's syntax, e.g. <c>scale_cuda=w=1280:h=720</c>.</param>
    /// <param name="device">The hardware device every filter of the chain gets (needed by hwupload and the GPU scalers).</param>
    public VideoFilter(string description, HwDeviceHandle? device)
    {
        int result = NativeMethods.FilterOpen(description, device?.DangerousGetHandle() ?? 0, out nint filter);
        GC.KeepAlive(device);
        FfmpegException.Check(result, $"open the filter '{description}'");
        _handle = FilterHandle.FromNative(filter);
        Description = description;
    }

    public string Description { get; }

    /// <summary>Filters one picture into <paramref name="output"/>; false when the chain holds it back (needs more input).</summary>
    public bool Process(MediaFrame input, MediaFrame output)
    {
        var filter = _handle.DangerousGetHandle();
        FfmpegException.Check(NativeMethods.FilterSend(filter, input.Handle.DangerousGetHandle()), $"filter ({Description})");
        int result = NativeMethods.FilterReceive(filter, output.Handle.DangerousGetHandle());
        GC.KeepAlive(_handle);
        GC.KeepAlive(input);
        GC.KeepAlive(output);
        if (result == FfmpegException.Again)
        {
            return false;
        }

        FfmpegException.Check(result, $"filter ({Description})");
        return true;
    }

    /// <summary>
    /// The chain that scales to <paramref name="width"/>x<paramref name="height"/> NV12 on the GPU of
    /// <paramref name="api"/>, uploading first when the input is in system memory; null for an API
    /// without a GPU scaler here (V4L2 M2M encoders take system-memory pictures).
    /// </summary>
    public static string? GpuScale(HwAccelSetting api, bool inputOnGpu, int width, int height)
    {
        string upload = inputOnGpu ? "" : "format=nv12,hwupload,";
        return api switch
        {
            HwAccelSetting.Cuda => $"{upload}scale_cuda=w={width}:h={height}:format=nv12",
            HwAccelSetting.Vaapi => $"{upload}scale_vaapi=w={width}:h={height}:format=nv12",
            HwAccelSetting.Qsv => inputOnGpu ? $"vpp_qsv=w={width}:h={height}:format=nv12" : $"format=nv12,hwupload=extra_hw_frames=16,vpp_qsv=w={width}:h={height}:format=nv12",
            _ => null,
        };
    }

    public void Dispose() => _handle.Dispose();
}
