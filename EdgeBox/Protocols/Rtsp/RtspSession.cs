using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using EdgeBox.Configuration;
using EdgeBox.Media;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// One RTSP connection (RFC 2326): reads requests and interleaved frames from the connection's pipe,
/// answers them, and either publishes to a path (ANNOUNCE, SETUP, RECORD, then RTP in) or reads one
/// (DESCRIBE, SETUP, PLAY, then RTP out). Bad input ends this session only. Split by concern:
/// <c>RtspSession.Publish.cs</c>, <c>RtspSession.Play.cs</c>, <c>RtspSession.Auth.cs</c>, <c>RtspSession.Log.cs</c>.
/// </summary>
internal sealed partial class RtspSession : IAsyncDisposable, IMediaSession
{
    private static readonly string[] Methods =
        ["OPTIONS", "DESCRIBE", "ANNOUNCE", "SETUP", "PLAY", "RECORD", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER"];

    private readonly ConnectionContext _connection;
    private readonly PathManager _paths;
    private readonly SourceSupervisor _sources;
    private readonly MediaBufferPool _pool;
    private readonly RtspUdpTransport _udp;
    private readonly Events.EventBus _events;
    private readonly TimeProvider _time;
    private readonly RtspConfig _settings;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();
    private readonly RtspOutput _output;
    private readonly string _id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private MediaPath? _path;
    private bool _ended;

    public RtspSession(ConnectionContext connection, PathManager paths, SourceSupervisor sources, MediaBufferPool pool, RtspUdpTransport udp, Events.EventBus events, TimeProvider time, RtspConfig settings, ILogger logger)
    {
        _events = events;
        _connection = connection;
        _paths = paths;
        _sources = sources;
        _pool = pool;
        _udp = udp;
        Created = time.GetUtcNow();
        _time = time;
        _settings = settings;
        _logger = logger;
        _nonce = RtspDigestChallenge.CreateNonce();
        // A failed write may be seen on the source's thread (in the fan-out): end the session elsewhere.
        _output = new RtspOutput(CreateSink(connection), ex => ThreadPool.UnsafeQueueUserWorkItem(
            static state => state.Session.End("send failed: " + state.Error.Message), (Session: this, Error: ex), preferLocal: false), _closing.Token);
    }

    /// <summary>
    /// The connection's socket when the transport has one (Kestrel's socket transport on Linux): then
    /// every byte of the session goes straight to it, from the first response on, so nothing Kestrel's
    /// output pipe still holds can be overtaken. Otherwise (TLS, in-memory transports) the output pipe.
    /// </summary>
    private static IRtspSink CreateSink(ConnectionContext connection) =>
        OperatingSystem.IsLinux() && connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket
            ? new RtspSocketSink(socket)
            : new RtspPipeSink(connection.Transport.Output);

    private long _bytesIn;
    private long _bytesOut;

    public string Id => _id;

    public string Protocol => "rtsp";

    public string Remote => _connection.RemoteEndPoint?.ToString() ?? "?";

    string? IMediaSession.Path => _path?.Name;

    public string State => _state switch
    {
        SessionState.Recording => "publishing",
        SessionState.Playing => "reading",
        SessionState.PreRecord or SessionState.PrePlay => "setup",
        _ => "idle",
    };

    public DateTimeOffset Created { get; }

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    public long BytesOut => Interlocked.Read(ref _bytesOut);

    public void Kick() => End("closed through the API");

    /// <summary>The client's IP address, where UDP RTP goes to and comes from.</summary>
    private System.Net.IPAddress? RemoteAddress =>
        (_connection.RemoteEndPoint as System.Net.IPEndPoint) is { } endpoint ? RtspUdpTransport.Normalize(endpoint).Address : null;

    public async Task RunAsync(bool refuse, SessionRegistry registry)
    {
        registry.Add(this);
        try
        {
            await RunCoreAsync(refuse).ConfigureAwait(false);
        }
        finally
        {
            registry.Remove(this);
        }
    }

    private async Task RunCoreAsync(bool refuse)
    {
        Log.Opened(_logger, _id, Remote);
        var input = _connection.Transport.Input;
        _lastActivity = _time.GetTimestamp();
        var check = _settings.SessionTimeout / 4 > TimeSpan.FromSeconds(1) ? _settings.SessionTimeout / 4 : TimeSpan.FromSeconds(1);
        using var idleTimer = _time.CreateTimer(_ => CheckIdle(), null, check, check);
        string reason = "closed by the client";
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, _connection.ConnectionClosed);
            while (!_ended)
            {
                var result = await input.ReadAsync(linked.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                Volatile.Write(ref _lastActivity, _time.GetTimestamp());
                try
                {
                    while (!_ended && TryHandleOne(ref buffer, refuse, out var request))
                    {
                        if (request is not null)
                        {
                            await HandleAsync(request, refuse).ConfigureAwait(false);
                        }
                    }

                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
                finally
                {
                    Interlocked.Add(ref _bytesIn, result.Buffer.Slice(0, buffer.Start).Length);
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }

            reason = _ended ? _endReason : reason;
        }
        catch (OperationCanceledException)
        {
            reason = _closing.IsCancellationRequested ? _endReason : "connection closed";
        }
        catch (RtspProtocolException ex)
        {
            reason = ex.Message;
            await TryRespondAsync(new RtspResponse(ex.StatusCode, ex.CSeq)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or InvalidOperationException)
        {
            reason = ex.Message;
        }

        Log.Closed(_logger, _id, Remote, reason);
    }

    private string _endReason = "closed";
    private long _lastActivity;

    /// <summary>
    /// A session that sends nothing (no request, no RTP) for <c>rtsp.sessionTimeout</c> is closed (RFC 2326
    /// §12.37), so idle or half-open connections cannot hold slots. A TCP reader that is playing may stay
    /// silent: the data it receives is the liveness.
    /// </summary>
    private void CheckIdle()
    {
        if (_state == SessionState.Playing || _ended)
        {
            return;
        }

        if (_time.GetElapsedTime(Volatile.Read(ref _lastActivity)) > _settings.SessionTimeout)
        {
            End($"no request or data for {Seconds(_settings.SessionTimeout)} s");
        }
    }

    /// <summary>Ends the session from any thread (publisher replaced, reader dropped, TEARDOWN).</summary>
    private void End(string reason)
    {
        _endReason = reason;
        _ended = true;
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The session is already gone (a late report from its output or the path).
        }
    }

    /// <summary>Parses one message or interleaved frame; false when more bytes are needed. Interleaved frames are handled here.</summary>
    private bool TryHandleOne(ref ReadOnlySequence<byte> buffer, bool refuse, out RtspRequest? request)
    {
        request = null;
        switch (RtspParser.Classify(ref buffer))
        {
            case RtspInputKind.NeedMoreData:
                return false;
            case RtspInputKind.InterleavedFrame:
                if (!RtspParser.TryParseInterleaved(ref buffer, out byte channel, out var payload))
                {
                    return false;
                }

                OnInterleaved(channel, payload);
                return true;
            default:
                if (RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out request, out var error))
                {
                    return true;
                }

                if (error != RtspParseError.None)
                {
                    throw new RtspProtocolException(error.ToStatusCode(), null, "malformed request: " + error);
                }

                return false;
        }
    }

    private async Task HandleAsync(RtspRequest request, bool refuse)
    {
        if (refuse)
        {
            await RespondAsync(new RtspResponse(RtspStatusCodes.ServiceUnavailable, request.CSeq)).ConfigureAwait(false);
            End($"refused: more than {_settings.MaxSessions} sessions");
            return;
        }

        var response = request.Method == "DESCRIBE" ? await DescribeAsync(request).ConfigureAwait(false) : request.Method switch
        {
            "OPTIONS" => Options(request),
            "ANNOUNCE" => Announce(request),
            "SETUP" => Setup(request),
            "PLAY" => Play(request),
            "RECORD" => Record(request),
            "PAUSE" => Pause(request),
            "TEARDOWN" => Teardown(request),
            "GET_PARAMETER" or "SET_PARAMETER" => WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq)),
            _ => new RtspResponse(RtspStatusCodes.NotImplemented, request.CSeq),
        };
        await RespondAsync(response).ConfigureAwait(false);
        if (request.Method == "TEARDOWN")
        {
            End("TEARDOWN"); // after the response: ending cancels the writes, and clients wait for the 200
        }

        StartPlayingIfRequested();
    }

    private static RtspResponse Options(RtspRequest request)
    {
        var response = new RtspResponse(RtspStatusCodes.Ok, request.CSeq);
        response.Headers.Set("Public", RtspPublicHeader.Format(Methods));
        return response;
    }

    private static RtspResponse Teardown(RtspRequest request) => new(RtspStatusCodes.Ok, request.CSeq);

    private RtspResponse WithSession(RtspResponse response) =>
        _state == SessionState.Initial ? response : response.WithSession(_id, (int)_settings.SessionTimeout.TotalSeconds);

    /// <summary>Sends a response in order with the media (see <see cref="RtspOutput"/>); completes once it is written.</summary>
    private async Task RespondAsync(RtspResponse response)
    {
        response.Headers.Set("Server", "EdgeBox");
        await _output.WriteAsync(Serialize(response)).WaitAsync(_closing.Token).ConfigureAwait(false);
    }

    /// <summary>How long a last error response may wait for the socket before the session closes anyway.</summary>
    private static readonly TimeSpan LastResponseTimeout = TimeSpan.FromSeconds(5);

    private async Task TryRespondAsync(RtspResponse response)
    {
        try
        {
            await _output.WriteAsync(Serialize(response)).WaitAsync(LastResponseTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            // The peer is gone or does not read; nothing to tell it.
        }
    }

    private static byte[] Serialize(RtspResponse response)
    {
        var bytes = new ArrayBufferWriter<byte>(256);
        RtspWriter.WriteResponse(bytes, response);
        return bytes.WrittenSpan.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        _closing.Cancel();
        if (_reader is not null && _path is not null)
        {
            _events.Publish(Events.EventTypes.ReaderLeft, _path.Name, _id, $"RTSP reader {Remote} left");
        }

        await StopPlayingAsync().ConfigureAwait(false);
        await _output.StopAsync().ConfigureAwait(false); // nothing in flight holds a unit or uses the socket after this
        if (_source is not null && _path is not null)
        {
            _events.Publish(Events.EventTypes.SourceNotReady, _path.Name, _id, $"RTSP publisher {Remote} stopped publishing");
        }

        ReleasePublisher();
        if (_path is not null)
        {
            _paths.ReleaseIfUnused(_path);
        }

        _closing.Dispose();
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);

    private enum SessionState
    {
        Initial,
        PrePlay,
        Playing,
        PreRecord,
        Recording,
    }

    private SessionState _state = SessionState.Initial;
}

/// <summary>A request that ends the session with an error status.</summary>
internal sealed class RtspProtocolException(int statusCode, int? cseq, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public int? CSeq { get; } = cseq;
}
