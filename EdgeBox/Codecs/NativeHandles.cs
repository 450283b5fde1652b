using System.Runtime.InteropServices;

namespace EdgeBox.Codecs;

/// <summary>An error from FFmpeg, with its own message (av_strerror) and code.</summary>
internal sealed class FfmpegException(string operation, int code)
    : Exception($"{operation}: {FfmpegInfo.ErrorMessage(code)}")
{
    /// <summary>AVERROR(EAGAIN): feed more input or drain output first.</summary>
    public const int Again = -11;

    /// <summary>AVERROR_EOF (FFERRTAG('E','O','F',' ')).</summary>
    public const int EndOfFile = -0x20464F45;

    public int Code { get; } = code;

    public static int Check(int result, string operation) => result < 0 ? throw new FfmpegException(operation, result) : result;
}

/// <summary>Owns an <c>eb_codec</c> (decoder or encoder); closed exactly once.</summary>
internal sealed class CodecHandle : SafeHandle
{
    public CodecHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static CodecHandle FromNative(nint value)
    {
        var owner = new CodecHandle();
        owner.SetHandle(value);
        return owner;
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.CodecClose(handle);
        return true;
    }
}

/// <summary>Owns an <c>AVFrame</c> (and through it, its reference to the picture or samples).</summary>
internal sealed class FrameHandle : SafeHandle
{
    public FrameHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static FrameHandle FromNative(nint value)
    {
        if (value == 0)
        {
            throw new InvalidOperationException("av_frame_alloc failed (out of memory)");
        }

        var owner = new FrameHandle();
        owner.SetHandle(value);
        return owner;
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.FrameFree(handle);
        return true;
    }
}

/// <summary>Owns an <c>eb_scaler</c> (a swscale context).</summary>
internal sealed class ScalerHandle : SafeHandle
{
    public ScalerHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static ScalerHandle FromNative(nint value)
    {
        var owner = new ScalerHandle();
        owner.SetHandle(value);
        return owner;
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.ScalerClose(handle);
        return true;
    }
}

/// <summary>Owns a reference to a hardware device context (<c>AVBufferRef</c> of an AVHWDeviceContext).</summary>
internal sealed class HwDeviceHandle : SafeHandle
{
    public HwDeviceHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static HwDeviceHandle FromNative(nint value)
    {
        var owner = new HwDeviceHandle();
        owner.SetHandle(value);
        return owner;
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.HwDeviceClose(handle);
        return true;
    }
}

/// <summary>Owns an <c>eb_filter</c> (a libavfilter graph).</summary>
internal sealed class FilterHandle : SafeHandle
{
    public FilterHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public static FilterHandle FromNative(nint value)
    {
        var owner = new FilterHandle();
        owner.SetHandle(value);
        return owner;
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.FilterClose(handle);
        return true;
    }
}
