using EdgeBox.Configuration;

namespace EdgeBox.Codecs;

/// <summary>
/// Picture in, encoded packets out, for one transcode output size: an encoder and what prepares its
/// input. With a hardware encoder whose API has a GPU scaler (CUDA, VAAPI, QSV), pictures are scaled
/// on the GPU and handed to the encoder as GPU frames: pictures the shared decoder left on the GPU
/// never come back to system memory, and software-decoded ones are uploaded once. When the GPU
/// chain cannot be built, the hardware encoder gets system-memory pictures (swscale), as NVENC and
/// QSV accept; every other failure is the caller's to fall back from. Not thread-safe.
/// </summary>
internal sealed class VideoPipeline : IDisposable
{
    private readonly VideoEncoder _encoder;
    private readonly Scaler? _scaler;
    private readonly VideoFilter? _gpu;
    private readonly HwDeviceHandle? _device;
    private readonly MediaFrame _prepared = new();

    private VideoPipeline(VideoEncoder encoder, Scaler? scaler, VideoFilter? gpu, HwDeviceHandle? device)
    {
        _encoder = encoder;
        _scaler = scaler;
        _gpu = gpu;
        _device = device;
    }

    /// <summary>The encoder's implementation (<c>libx264</c>, <c>h264_nvenc</c>...).</summary>
    public string EncoderName => _encoder.Implementation;

    /// <summary>Whether pictures are scaled on the GPU and encoded from GPU memory.</summary>
    public bool OnGpu => _gpu is not null;

    public EncoderCandidate Candidate { get; private init; } = null!;

    /// <summary>Opens the pipeline for <paramref name="candidate"/>, shaped by the first picture.</summary>
    public static VideoPipeline Open(EncoderCandidate candidate, VideoEncoderSettings settings, MediaFrame first, string? hardwareDevice)
    {
        var info = first.Info;
        if (candidate.Hardware && VideoFilter.GpuScale(candidate.Api, info.Hardware, settings.Width, settings.Height) is { } chain)
        {
            HwDeviceHandle? device = null;
            VideoFilter? gpu = null;
            var staged = new MediaFrame();
            try
            {
                device = HardwareProbe.OpenDevice(candidate.Api, hardwareDevice);
                gpu = new VideoFilter(chain, device);
                if (gpu.Process(first, staged))
                {
                    var encoder = VideoEncoder.Open(settings with { GpuFrame = staged });
                    staged.Dispose();
                    return new VideoPipeline(encoder, null, gpu, device) { Candidate = candidate };
                }
            }
            catch (FfmpegException)
            {
                // No GPU chain here (no scaler filter, frames from another device...): system-memory pictures below.
            }

            staged.Dispose();
            gpu?.Dispose();
            device?.Dispose();
        }

        var scaler = settings.Width != info.Width || settings.Height != info.Height || info.Format != settings.Format || info.Hardware
            ? new Scaler(settings.Width, settings.Height, settings.Format)
            : null;
        try
        {
            return new VideoPipeline(VideoEncoder.Open(settings), scaler, null, null) { Candidate = candidate };
        }
        catch
        {
            scaler?.Dispose();
            throw;
        }
    }

    /// <summary>Prepares and sends one picture; the encoder's output is then read with <see cref="TryReceive"/>.</summary>
    public void Send(MediaFrame picture, bool keyframe)
    {
        var input = picture;
        MediaFrame? downloaded = null;
        try
        {
            if (_gpu is not null)
            {
                if (!_gpu.Process(picture, _prepared))
                {
                    return;
                }

                input = _prepared;
            }
            else if (_scaler is not null)
            {
                downloaded = picture.Info.Hardware ? picture.Download() : null;
                _scaler.Scale(downloaded ?? picture, _prepared);
                input = _prepared;
            }

            _encoder.Send(input, keyframe);
        }
        finally
        {
            downloaded?.Dispose();
        }
    }

    public bool TryReceive(out EncodedPacket packet) => _encoder.TryReceive(out packet);

    public void Dispose()
    {
        _encoder.Dispose();
        _scaler?.Dispose();
        _gpu?.Dispose();
        _device?.Dispose();
        _prepared.Dispose();
    }
}
