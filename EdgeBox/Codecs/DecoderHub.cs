using EdgeBox.Media;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Codecs;

/// <summary>
/// The shared decoders, one per path (<see cref="PathDecoder"/>): made when a consumer first asks and
/// disposed once idle. Consumers never open decoders of their own.
/// </summary>
internal sealed partial class DecoderHub(TimeProvider time, ILoggerFactory loggers, Hosting.NativeCapabilities native, Configuration.CodecsConfig codecs)
    : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<DecoderHub>();

    private readonly Dictionary<MediaPath, PathDecoder> _decoders = [];
    private readonly Lock _gate = new();

    /// <summary>The decoder of <paramref name="path"/>; subscribe to it to receive its pictures.</summary>
    public PathDecoder For(MediaPath path)
    {
        lock (_gate)
        {
            if (!_decoders.TryGetValue(path, out var decoder))
            {
                decoder = new PathDecoder(path, time, loggers.CreateLogger<PathDecoder>(), OpenDevice);
                _decoders[path] = decoder;
            }

            return decoder;
        }
    }

    /// <summary>
    /// The GPU a path's video is decoded on: its hardware selection when that API decodes with
    /// libavcodec's own decoders (CUDA/NVDEC, VAAPI); null for software. Pictures then stay in GPU
    /// memory for GPU scaling and encoding; consumers that need system memory download them.
    /// </summary>
    private HwDeviceHandle? OpenDevice(MediaPath path)
    {
        var api = native.Resolve(path.Config.Hwaccel).Selected;
        if (api is not (Configuration.HwAccelSetting.Cuda or Configuration.HwAccelSetting.Vaapi))
        {
            return null;
        }

        try
        {
            return HardwareProbe.OpenDevice(api, codecs.HwaccelDevice);
        }
        catch (FfmpegException ex)
        {
            Log.SoftwareDecoding(_logger, path.Name, HardwareProbe.Name(api), ex.Message);
            return null;
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _decoders.Count;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await DisposeIdleAsync(all: false).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }

        await DisposeIdleAsync(all: true).ConfigureAwait(false);
    }

    private async Task DisposeIdleAsync(bool all)
    {
        List<PathDecoder> idle;
        lock (_gate)
        {
            idle = _decoders.Values.Where(d => all || d.Idle).ToList();
            foreach (var decoder in idle)
            {
                _decoders.Remove(decoder.Path);
            }
        }

        foreach (var decoder in idle)
        {
            await decoder.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.HardwareDecodeUnavailable, EventName = "HardwareDecodeUnavailable", Level = LogLevel.Warning,
            Message = "Path {Path}: decoding in software: the {Api} device does not open ({Reason})")]
        public static partial void SoftwareDecoding(ILogger logger, string path, string api, string reason);
    }
}
