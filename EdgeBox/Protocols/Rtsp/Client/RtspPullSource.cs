using System.Buffers;
using System.Net;
using EdgeBox.Configuration;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>
/// Pulls a path's stream from an RTSP server (a camera): OPTIONS, DESCRIBE, SETUP per track, PLAY, then
/// RTP into the path as its source, with keep-alives and RTCP receiver reports. When the stream ends or
/// fails it reconnects with exponential backoff and jitter; the path's readers stay attached across
/// the outage and carry on when the source is back (same codecs). Transport: UDP first, falling back
/// to TCP when the server refuses UDP or nothing arrives over it (like MediaMTX and ffmpeg), or one
/// of them by configuration. Split: the connection attempt is <c>RtspPullSource.Session.cs</c>.
/// </summary>
internal sealed partial class RtspPullSource : Infrastructure.BackgroundWorker, IPulledSource
{
    /// <summary>Nothing over UDP for this long after PLAY: the network drops it; use TCP (MediaMTX waits 3 s too).</summary>
    internal static readonly TimeSpan UdpSilenceTimeout = TimeSpan.FromSeconds(3);

    /// <summary>No media for this long: the source is dead even if the connection is up (MediaMTX readTimeout: 10 s).</summary>
    internal static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly MediaPath _path;
    private readonly PathConfig _config;
    private readonly RtspSourceUrl _url;
    private readonly MediaBufferPool _pool;
    private readonly Events.EventBus _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _id = "pull-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
    private bool _preferTcp;
    private string _state = "connecting";
    private string? _lastError;
    private int _failures;
    private bool _sessionReady;

    public RtspPullSource(MediaPath path, PathConfig config, RtspSourceUrl url, MediaBufferPool pool, Events.EventBus events, TimeProvider time, ILogger logger)
    {
        _path = path;
        _config = config;
        _url = url;
        _pool = pool;
        _events = events;
        _time = time;
        _logger = logger;
        _preferTcp = config.RtspTransport == RtspTransportSetting.Tcp;
    }

    public string Id => _id;

    public RtspSourceUrl Url => _url;

    public string DisplayUrl => _url.Redacted;

    /// <summary>The settings it was started with; a change of any source key restarts it.</summary>
    public PathConfig Config => _config;

    /// <summary><c>connecting</c>, <c>ready</c> or <c>waiting</c> (to reconnect).</summary>
    public string State => Volatile.Read(ref _state);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Failed attempts in a row (0 once the source was ready).</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Completes when the source was ready at least once since the last call of <see cref="Start"/>.</summary>
    public Task Ready => _ready.Task;

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task RunAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Volatile.Write(ref _state, "connecting");
            _sessionReady = false;
            string reason;
            try
            {
                await RunSessionAsync(token).ConfigureAwait(false);
                reason = "the stream ended";
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (UdpUnavailableException ex)
            {
                // Not a failure of the source: switch transport and go again at once.
                Log.FallingBackToTcp(_logger, _id, _path.Name, ex.Message);
                _preferTcp = true;
                continue;
            }
            catch (RtspClientException ex)
            {
                reason = ex.Message;
            }

            bool wasReady = _sessionReady;
            Volatile.Write(ref _lastError, reason);
            int failures = wasReady ? 1 : Interlocked.Increment(ref _failures);
            Volatile.Write(ref _failures, failures);
            var delay = BackoffDelay(failures, _config.ReconnectDelay ?? TimeSpan.FromSeconds(1), _config.ReconnectMaxDelay ?? TimeSpan.FromSeconds(30), Random.Shared.NextDouble());
            string seconds = delay.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            if (wasReady || failures == 1)
            {
                Log.SourceFailed(_logger, _id, _path.Name, _url.Redacted, reason, seconds);
            }
            else
            {
                Log.SourceRetryFailed(_logger, _id, _path.Name, failures, reason, seconds);
            }

            _events.Publish(Events.EventTypes.SourceReconnecting, _path.Name, _id, $"RTSP source {_url.Redacted}: {reason}; attempt {failures} in {seconds} s");
            Volatile.Write(ref _state, "waiting");
            if (!await WaitAsync(delay, _time, token).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Exponential backoff with "equal jitter": the n-th wait is drawn from [d/2, d] where
    /// d = min(max, first × 2^(n-1)), so retries of many cameras that failed together spread out while
    /// each wait stays within its bound.
    /// </summary>
    internal static TimeSpan BackoffDelay(int failures, TimeSpan first, TimeSpan max, double random)
    {
        double exponential = first.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        double cap = Math.Min(max.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds((cap / 2) + (random * cap / 2));
    }

    /// <summary>UDP cannot work with this server (461, or silence): retry over TCP.</summary>
    private sealed class UdpUnavailableException(string message) : Exception(message);

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.SourceConnected, EventName = "SourceConnected", Level = LogLevel.Information,
            Message = "Source {Source} of path {Path}: pulling {Url} over {Transport} ({Codecs})")]
        public static partial void Connected(ILogger logger, string source, string path, string url, string transport, string codecs);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceFailed, EventName = "SourceFailed", Level = LogLevel.Warning,
            Message = "Source {Source} of path {Path} ({Url}): {Reason}; reconnecting in {Seconds} s")]
        public static partial void SourceFailed(ILogger logger, string source, string path, string url, string reason, string seconds);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceRetryFailed, EventName = "SourceRetryFailed", Level = LogLevel.Debug,
            Message = "Source {Source} of path {Path}: attempt {Attempt} failed: {Reason}; next in {Seconds} s")]
        public static partial void SourceRetryFailed(ILogger logger, string source, string path, int attempt, string reason, string seconds);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceFallingBackToTcp, EventName = "SourceFallingBackToTcp", Level = LogLevel.Information,
            Message = "Source {Source} of path {Path}: {Reason}; switching to RTSP over TCP")]
        public static partial void FallingBackToTcp(ILogger logger, string source, string path, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceTrackSkipped, EventName = "SourceTrackSkipped", Level = LogLevel.Information,
            Message = "Source {Source} of path {Path}: track {Encoding} ({Media}) is not supported and is skipped")]
        public static partial void TrackSkipped(ILogger logger, string source, string path, string encoding, string media);

        [LoggerMessage(EventId = Infrastructure.EventIds.SourceBadRtp, EventName = "SourceBadRtp", Level = LogLevel.Debug,
            Message = "Source {Source}: malformed RTP packet on track {Track} dropped")]
        public static partial void BadRtp(ILogger logger, string source, int track);
    }
}
