using EdgeBox.Media;

namespace EdgeBox.Codecs;

/// <summary>Receives converted audio packets; the span is valid during the call only. pts counts the output's sample rate.</summary>
internal delegate void AudioPacketHandler(ReadOnlySpan<byte> packet, long pts);

/// <summary>
/// One path's audio track in another codec (AAC from a camera as Opus for WebRTC, G.711 as AAC for
/// RTMP and HLS...), decoded and encoded once however many consumers need it
/// (<see cref="AudioConverterHub"/>). The encoder opens with the conversion, so its output track is
/// known before the first packet; the work runs while someone is subscribed and ends with the
/// source (a new source gets a new conversion).
/// </summary>
internal sealed partial class AudioConversion : IAsyncDisposable
{
    private readonly MediaPath _path;
    private readonly MediaTrack _source;
    private readonly AudioEncoder _encoder;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<AudioPacketHandler> _consumers = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _idleSince;
    private readonly string _from;
    private readonly string _to;
    private long _packets;

    public AudioConversion(MediaPath path, MediaTrack source, CodecId target, long bitrate, TimeProvider time, ILogger logger)
    {
        _path = path;
        _source = source;
        _time = time;
        _logger = logger;
        _encoder = AudioEncoder.Open(target, source.ClockRate, source.Channels, bitrate);
        _from = source.Codec.Name();
        _to = target.Name();
        _idleSince = time.GetTimestamp();
        Bitrate = bitrate;
    }

    public MediaTrack Source => _source;

    public CodecId Codec => _encoder.Codec;

    public long Bitrate { get; }

    /// <summary>Packets encoded since start.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Whether the work ended (the source went away or its tracks changed): the hub makes a new one.</summary>
    public bool Completed => _loop?.IsCompleted == true;

    /// <summary>Whether no one has been subscribed for <see cref="PathDecoder.Linger"/>.</summary>
    public bool Idle
    {
        get
        {
            lock (_gate)
            {
                return _consumers.Count == 0 && _time.GetElapsedTime(_idleSince) >= PathDecoder.Linger;
            }
        }
    }

    /// <summary>The converted track as track <paramref name="index"/> of a path (AAC carries the encoder's AudioSpecificConfig).</summary>
    public MediaTrack OutputTrack(int index) => new(index, _encoder.Codec, _encoder.SampleRate, _encoder.Channels,
        _encoder.Codec == CodecId.Aac ? new CodecParameters { AudioSpecificConfig = _encoder.Extradata } : CodecParameters.None);

    /// <summary>Adds a consumer (starting the conversion if needed); dispose the result to leave.</summary>
    public IDisposable Subscribe(AudioPacketHandler handler)
    {
        lock (_gate)
        {
            _consumers.Add(handler);
            if (_loop is null)
            {
                Log.Started(_logger, _path.Name, _from, _to, Bitrate);
                _loop = Task.Run(() => RunAsync(_stopping.Token));
            }
        }

        return new Subscription(this, handler);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _encoder.Dispose();
        _stopping.Dispose();
    }

    private void Unsubscribe(AudioPacketHandler handler)
    {
        lock (_gate)
        {
            _consumers.Remove(handler);
            if (_consumers.Count == 0)
            {
                _idleSince = _time.GetTimestamp();
            }
        }
    }

    private async Task RunAsync(CancellationToken token)
    {
        try
        {
            using var reader = _path.TryAddReader("audio conversion", 0);
            if (reader is null || !ReferenceEquals(_path.Tracks.ElementAtOrDefault(_source.Index), _source))
            {
                return;
            }

            using var decoder = Decoder.Open(_source);
            using var frame = new MediaFrame();
            while (await reader.Units.WaitToReadAsync(token).ConfigureAwait(false))
            {
                if (!ReferenceEquals(_path.Tracks.ElementAtOrDefault(_source.Index), _source))
                {
                    return; // another source now: its consumers ask the hub for a conversion of its track
                }

                while (reader.Units.TryRead(out var unit))
                {
                    bool accepted;
                    try
                    {
                        accepted = unit.TrackIndex == _source.Index && decoder.Send(unit);
                    }
                    finally
                    {
                        unit.Release();
                    }

                    while (accepted && decoder.Receive(frame))
                    {
                        _encoder.Send(frame, _source.ClockRate);
                        while (_encoder.TryReceive(out var packet))
                        {
                            Interlocked.Increment(ref _packets);
                            Deliver(packet.Data, packet.Pts);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (FfmpegException ex)
        {
            Log.Failed(_logger, _path.Name, _to, ex.Message);
        }
    }

    private void Deliver(ReadOnlySpan<byte> packet, long pts)
    {
        AudioPacketHandler[] consumers;
        lock (_gate)
        {
            consumers = [.. _consumers];
        }

        foreach (var consumer in consumers)
        {
            consumer(packet, pts);
        }
    }

    private sealed class Subscription(AudioConversion owner, AudioPacketHandler handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.AudioConversionStarted, EventName = "AudioConversionStarted", Level = LogLevel.Information,
            Message = "Path {Path}: converting audio {From} to {To} at {Bitrate} bit/s (shared by every consumer)")]
        public static partial void Started(ILogger logger, string path, string from, string to, long bitrate);

        [LoggerMessage(EventId = Infrastructure.EventIds.AudioConversionFailed, EventName = "AudioConversionFailed", Level = LogLevel.Warning,
            Message = "Path {Path}: audio conversion to {To} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string path, string to, string reason);
    }
}
