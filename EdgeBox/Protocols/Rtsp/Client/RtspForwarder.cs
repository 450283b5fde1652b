using System.Globalization;
using EdgeBox.Configuration;
using EdgeBox.Media;

namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>
/// Pushes a path to another RTSP server (<c>forward: [rtsp://...]</c>): while the path has a source it
/// connects, ANNOUNCEs the path's tracks, SETUPs each with <c>mode=record</c> over TCP interleaved,
/// RECORDs, and sends the path's RTP (the packets made once per path for every RTSP reader). It is a
/// reader of the path like any other, so a slow destination skips to keyframes and never slows the
/// source. On failure it reconnects with the same backoff as pulled sources; when the path's codecs
/// change it announces again. TCP only: a push crosses networks where UDP is often blocked.
/// </summary>
internal sealed partial class RtspForwarder : Infrastructure.BackgroundWorker, IPathForwarder
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(250);

    private readonly MediaPath _path;
    private readonly PathConfig _config;
    private readonly RtspSourceUrl _url;
    private readonly MediaBufferPool _pool;
    private readonly Events.EventBus _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _id = "forward-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
    private string _state = "waiting";
    private string? _lastError;

    public RtspForwarder(MediaPath path, PathConfig config, RtspSourceUrl url, MediaBufferPool pool, Events.EventBus events, TimeProvider time, ILogger logger)
    {
        _path = path;
        _config = config;
        _url = url;
        _pool = pool;
        _events = events;
        _time = time;
        _logger = logger;
    }

    public string DisplayUrl => _url.Redacted;

    public string State => Volatile.Read(ref _state);

    public string? LastError => Volatile.Read(ref _lastError);

    protected override async Task RunAsync(CancellationToken token)
    {
        int failures = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                Volatile.Write(ref _state, "waiting");
                while (_path.State != PathState.Ready)
                {
                    await Task.Delay(WaitPoll, _time, token).ConfigureAwait(false);
                }

                Volatile.Write(ref _state, "connecting");
                bool pushed = false;
                string reason;
                try
                {
                    pushed = await PushAsync(token).ConfigureAwait(false);
                    reason = "the path's tracks changed";
                }
                catch (RtspClientException ex)
                {
                    reason = ex.Message;
                    pushed = ex.StatusCode == -1;
                }

                Volatile.Write(ref _lastError, reason);
                failures = pushed ? 1 : failures + 1;
                var delay = RtspPullSource.BackoffDelay(failures, _config.ReconnectDelay ?? TimeSpan.FromSeconds(1), _config.ReconnectMaxDelay ?? TimeSpan.FromSeconds(30), Random.Shared.NextDouble());
                string seconds = delay.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
                if (pushed || failures == 1)
                {
                    Log.Failed(_logger, _id, _path.Name, _url.Redacted, reason, seconds);
                }
                else
                {
                    Log.RetryFailed(_logger, _id, _path.Name, failures, reason, seconds);
                }

                Volatile.Write(ref _state, "retrying");
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    /// <summary>One push session. Returns true (or throws with status -1) when media flowed before it ended.</summary>
    private async Task<bool> PushAsync(CancellationToken token)
    {
        var tracks = _path.Tracks;
        _path.GetOrAddAttacher(_ => new RtpPathPacketizer(_pool));
        using var reader = _path.TryAddReader("rtsp forward", 0) ?? throw new RtspClientException("the path has no room for another reader");
        var connection = await RtspClientConnection.ConnectAsync(_url, fingerprint: null, static (_, _) => { }, ConnectTimeout, token).ConfigureAwait(false);
        bool flowing = false;
        try
        {
            var sdp = SdpBuilder.Build("EdgeBox", (ulong)_time.GetUtcNow().ToUnixTimeSeconds(), tracks.Select(RtspTracks.ToSdpTrack).ToList());
            var announce = await connection.RequestAsync("ANNOUNCE", _url.RequestUri, h => h.Set("Content-Type", "application/sdp"), sdp.ToUtf8Bytes(), token)
                .ConfigureAwait(false);
            EnsureOk(announce, "ANNOUNCE");
            var channels = new byte[tracks.Count];
            for (int i = 0; i < tracks.Count; i++)
            {
                var transport = new RtspTransport
                {
                    LowerTransport = RtspLowerTransport.Tcp,
                    Delivery = RtspDelivery.Unicast,
                    Interleaved = new RtspPortPair(2 * i, (2 * i) + 1),
                    Mode = RtspTransportMode.Record,
                };
                string control = SdpControl.Resolve("trackID=" + i.ToString(CultureInfo.InvariantCulture), _url.RequestUri);
                var setup = await connection.RequestAsync("SETUP", control, h => h.Set("Transport", transport.ToString()), cancellationToken: token).ConfigureAwait(false);
                EnsureOk(setup, "SETUP");
                if (connection.Session is null && RtspSessionHeader.TryParse(setup.Headers[RtspHeaderNames.Session], out var session))
                {
                    connection.Session = session.Id;
                }

                var answers = RtspTransport.ParseList(setup.Headers["Transport"]);
                channels[i] = (byte)(answers.Count > 0 && answers[0].Interleaved is { } pair ? pair.First : 2 * i);
            }

            var record = await connection.RequestAsync("RECORD", _url.RequestUri, h => h.Set("Range", "npt=0.000-"), cancellationToken: token).ConfigureAwait(false);
            EnsureOk(record, "RECORD");
            flowing = true;
            Volatile.Write(ref _state, "forwarding");
            Log.Connected(_logger, _id, _path.Name, _url.Redacted);
            _events.Publish(Events.EventTypes.ForwardReady, _path.Name, _id, $"forwarding to {_url.Redacted}");
            try
            {
                await SendLoopAsync(connection, reader, tracks, channels, token).ConfigureAwait(false);
            }
            finally
            {
                _events.Publish(Events.EventTypes.ForwardNotReady, _path.Name, _id, $"stopped forwarding to {_url.Redacted}");
            }

            return true;
        }
        catch (RtspClientException ex) when (flowing && ex.StatusCode != -1)
        {
            throw new RtspClientException(ex.Message, -1, ex);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Copies the path's RTP packets to the server as interleaved frames, one flush per batch of queued
    /// units. Units cached before the path had RTP packets carry none: wait for the next keyframe.
    /// </summary>
    private static async Task SendLoopAsync(RtspClientConnection connection, PathReader reader, IReadOnlyList<MediaTrack> tracks, byte[] channels, CancellationToken token)
    {
        bool waitForKeyframe = false;
        bool hasVideo = tracks.Any(t => t.IsVideo);
        var closed = connection.Closed;
        while (await reader.Units.WaitToReadAsync(token).ConfigureAwait(false))
        {
            if (closed.IsCompleted)
            {
                throw new RtspClientException("connection closed: " + await closed.ConfigureAwait(false));
            }

            await connection.WriteAsync(output =>
            {
                int batch = 0;
                while (batch++ < 64 && reader.Units.TryRead(out var unit))
                {
                    try
                    {
                        var packets = unit.Buffer.Attachment;
                        bool video = tracks[unit.TrackIndex].IsVideo;
                        if (packets is null || (waitForKeyframe && !(video && unit.Keyframe) && hasVideo))
                        {
                            waitForKeyframe = hasVideo;
                            continue;
                        }

                        waitForKeyframe = false;
                        foreach (var packet in new RtpPathPacketizer.PacketEnumerator(packets.Span))
                        {
                            RtspWriter.WriteInterleaved(output, channels[unit.TrackIndex], packet);
                        }
                    }
                    finally
                    {
                        unit.Release();
                    }
                }
            }, token).ConfigureAwait(false);
        }

        if (reader.Closed.IsCompleted && await reader.Closed.ConfigureAwait(false) == ReaderCloseReason.TooSlow)
        {
            throw new RtspClientException("the destination could not keep up with the stream", -1);
        }
    }

    private static void EnsureOk(RtspResponse response, string method)
    {
        if (response.StatusCode is < 200 or >= 300)
        {
            string detail = response.StatusCode == RtspStatusCodes.Unauthorized ? " (wrong or missing credentials in the forward URL)" : "";
            throw new RtspClientException($"{method} answered {response.StatusCode} {response.ReasonPhrase}{detail}", response.StatusCode);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.ForwardConnected, EventName = "ForwardConnected", Level = LogLevel.Information,
            Message = "Forward {Forward} of path {Path}: pushing to {Url}")]
        public static partial void Connected(ILogger logger, string forward, string path, string url);

        [LoggerMessage(EventId = Infrastructure.EventIds.ForwardFailed, EventName = "ForwardFailed", Level = LogLevel.Warning,
            Message = "Forward {Forward} of path {Path} to {Url}: {Reason}; reconnecting in {Seconds} s")]
        public static partial void Failed(ILogger logger, string forward, string path, string url, string reason, string seconds);

        [LoggerMessage(EventId = Infrastructure.EventIds.ForwardRetryFailed, EventName = "ForwardRetryFailed", Level = LogLevel.Debug,
            Message = "Forward {Forward} of path {Path}: attempt {Attempt} failed: {Reason}; next in {Seconds} s")]
        public static partial void RetryFailed(ILogger logger, string forward, string path, int attempt, string reason, string seconds);
    }
}
