using EdgeBox.Media;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Codecs;

/// <summary>
/// The shared audio conversions (<see cref="AudioConversion"/>): one per path, source track, target
/// codec and bit rate, made when a consumer first asks (a transcode profile; later WebRTC, RTMP and
/// HLS readers whose protocol cannot carry the source's codec) and disposed once idle.
/// </summary>
internal sealed class AudioConverterHub(TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly Dictionary<(MediaPath Path, int Track, CodecId Target, long Bitrate), AudioConversion> _conversions = [];
    private readonly Lock _gate = new();

    /// <summary>The conversion of <paramref name="source"/> (a track of <paramref name="path"/>) to <paramref name="target"/>.</summary>
    /// <exception cref="FfmpegException">The target's encoder does not open.</exception>
    public AudioConversion For(MediaPath path, MediaTrack source, CodecId target, long bitrate)
    {
        var key = (path, source.Index, target, bitrate);
        lock (_gate)
        {
            if (_conversions.TryGetValue(key, out var existing) && ReferenceEquals(existing.Source, source) && !existing.Completed)
            {
                return existing;
            }

            // None yet, or one for an earlier source of the path: it ends on its own and is swept when idle.
            if (existing is not null)
            {
                _retired.Add(existing);
            }

            var conversion = new AudioConversion(path, source, target, bitrate, time, loggers.CreateLogger<AudioConversion>());
            _conversions[key] = conversion;
            return conversion;
        }
    }

    private readonly List<AudioConversion> _retired = [];

    /// <summary>Conversions running or lingering, for the API and tests.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _conversions.Count;
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
        List<AudioConversion> idle;
        lock (_gate)
        {
            idle = _retired.Where(c => all || c.Idle).ToList();
            _retired.RemoveAll(idle.Contains);
            foreach (var (key, conversion) in _conversions.ToList())
            {
                if (all || conversion.Idle)
                {
                    _conversions.Remove(key);
                    idle.Add(conversion);
                }
            }
        }

        foreach (var conversion in idle)
        {
            await conversion.DisposeAsync().ConfigureAwait(false);
        }
    }
}
