using EdgeBox.Media;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Codecs;

/// <summary>
/// The shared decoders, one per path (<see cref="PathDecoder"/>): made when a consumer first asks and
/// disposed once idle. Consumers never open decoders of their own.
/// </summary>
internal sealed class DecoderHub(TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly Dictionary<MediaPath, PathDecoder> _decoders = [];
    private readonly Lock _gate = new();

    /// <summary>The decoder of <paramref name="path"/>; subscribe to it to receive its pictures.</summary>
    public PathDecoder For(MediaPath path)
    {
        lock (_gate)
        {
            if (!_decoders.TryGetValue(path, out var decoder))
            {
                decoder = new PathDecoder(path, time, loggers.CreateLogger<PathDecoder>());
                _decoders[path] = decoder;
            }

            return decoder;
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
}
