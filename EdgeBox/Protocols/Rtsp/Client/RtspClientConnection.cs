using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>Why a client connection or request failed; the message is safe to log (no credentials).</summary>
internal sealed class RtspClientException(string message, int statusCode = 0, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The server's status code when it answered with an error; 0 for transport failures.</summary>
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// One RTSP connection from EdgeBox to a server (a camera, another media server): requests go out one
/// at a time and wait for their response; a single receive loop parses responses and interleaved
/// frames (RFC 2326 §10.12), handing frames to <see cref="Interleaved"/>. A 401 is answered once
/// with Digest (preferred) or Basic credentials from the URL, which are then sent with every request.
/// Requests a server sends to us (some send GET_PARAMETER or OPTIONS as keep-alive) get a 200.
/// </summary>
internal sealed class RtspClientConnection : IAsyncDisposable
{
    private static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly RtspSourceUrl _url;
    private readonly SemaphoreSlim _requestLock = new(1, 1);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiveLoop;
    private TaskCompletionSource<RtspResponse>? _pending;
    private int _pendingCSeq;
    private int _cseq;
    private RtspClientAuth? _auth;

    private RtspClientConnection(Socket socket, Stream stream, RtspSourceUrl url, Action<byte, ReadOnlySequence<byte>> interleaved)
    {
        _socket = socket;
        _stream = stream;
        _url = url;
        Interleaved = interleaved;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Receives every interleaved frame (channel, payload); the payload is valid during the call only.</summary>
    public Action<byte, ReadOnlySequence<byte>> Interleaved { get; }

    /// <summary>The session id the server gave in its first SETUP response, sent with every later request.</summary>
    public string? Session { get; set; }

    /// <summary>Completes when the connection ends, with the reason.</summary>
    public Task<string> Closed => _closed.Task;

    /// <summary>The server's address (IPv4 as IPv4, not IPv4-mapped IPv6), where its UDP media comes from.</summary>
    public System.Net.IPEndPoint? RemoteEndPoint => _socket.RemoteEndPoint is System.Net.IPEndPoint remote ? RtspUdpTransport.Normalize(remote) : null;

    /// <summary>Our address on this connection (normalized like <see cref="RemoteEndPoint"/>), where UDP media should come to.</summary>
    public System.Net.IPEndPoint? LocalEndPoint => _socket.LocalEndPoint is System.Net.IPEndPoint local ? RtspUdpTransport.Normalize(local) : null;

    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Connects over TCP (and TLS for <c>rtsps://</c>). With <paramref name="fingerprint"/> the server's
    /// certificate must have that SHA-256 fingerprint (a camera's self-signed certificate); without it
    /// the certificate must be valid for the host.
    /// </summary>
    public static async Task<RtspClientConnection> ConnectAsync(
        RtspSourceUrl url, string? fingerprint, Action<byte, ReadOnlySequence<byte>> interleaved, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(url.Host, url.Port, timer.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (url.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = url.Host,
                        RemoteCertificateValidationCallback = (_, certificate, _, errors) => ValidateCertificate(certificate, errors, fingerprint),
                    },
                    timer.Token).ConfigureAwait(false);
            }

            return new RtspClientConnection(socket, stream, url, interleaved);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            string reason = ex switch
            {
                OperationCanceledException => $"no connection within {timeout.TotalSeconds:0.#} s",
                System.Security.Authentication.AuthenticationException => "TLS handshake failed: " + ex.Message,
                _ => ex.Message,
            };
            throw new RtspClientException($"cannot connect to {url.Host}:{url.Port}: {reason}", 0, ex);
        }
    }

    /// <summary>
    /// Sends a request and waits for its response. A 401 is retried once with credentials from the URL;
    /// the response is returned whatever its status (the caller decides what is an error).
    /// </summary>
    public async Task<RtspResponse> RequestAsync(string method, string uri, Action<RtspHeaders>? headers = null, ReadOnlyMemory<byte> body = default,
        CancellationToken cancellationToken = default)
    {
        await _requestLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await SendOnceAsync(method, uri, headers, body, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == RtspStatusCodes.Unauthorized && _url.HasCredentials
                && RtspClientAuth.FromChallenges(response.Headers.GetAll("WWW-Authenticate"), _url.User!, _url.Password!) is { } auth
                && (_auth is null || auth.IsNewChallenge(_auth)))
            {
                _auth = auth;
                response = await SendOnceAsync(method, uri, headers, body, cancellationToken).ConfigureAwait(false);
            }

            return response;
        }
        finally
        {
            _requestLock.Release();
        }
    }

    /// <summary>Writes one interleaved frame (RTCP receiver reports, or RTP when pushing).</summary>
    public async ValueTask WriteInterleavedAsync(byte channel, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RtspWriter.WriteInterleaved(_output, channel, payload.Span);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes interleaved frames built by <paramref name="write"/> into the output, then flushes once.</summary>
    public async ValueTask WriteAsync(Action<PipeWriter> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            write(_output);
            var result = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted)
            {
                throw new RtspClientException("the server closed the connection");
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }

        _socket.Close();
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _requestLock.Dispose();
        _writeLock.Dispose();
        _closing.Dispose();
    }

    private async Task<RtspResponse> SendOnceAsync(string method, string uri, Action<RtspHeaders>? headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        int cseq = Interlocked.Increment(ref _cseq);
        var request = new RtspRequest(method, uri, cseq) { Body = body };
        headers?.Invoke(request.Headers);
        request.Headers.Set("User-Agent", "EdgeBox/" + Infrastructure.BuildInfo.Version);
        if (Session is not null)
        {
            request.Headers.Set(RtspHeaderNames.Session, Session);
        }

        if (_auth is not null)
        {
            request.Headers.Set("Authorization", _auth.Authorization(method, uri));
        }

        var pending = new TaskCompletionSource<RtspResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _pendingCSeq, cseq);
        Volatile.Write(ref _pending, pending);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        timeout.CancelAfter(DefaultRequestTimeout);
        try
        {
            await _writeLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                RtspWriter.WriteRequest(_output, request);
                await _output.FlushAsync(timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }

            var closed = Closed;
            var done = await Task.WhenAny(pending.Task, closed).WaitAsync(timeout.Token).ConfigureAwait(false);
            if (done == closed)
            {
                throw new RtspClientException($"the server closed the connection during {method}: {await closed.ConfigureAwait(false)}");
            }

            return await pending.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RtspClientException($"no response to {method} within {DefaultRequestTimeout.TotalSeconds:0} s");
        }
        catch (IOException ex)
        {
            throw new RtspClientException($"cannot send {method}: {ex.Message}", 0, ex);
        }
        finally
        {
            Volatile.Write(ref _pending, null);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        string reason = "closed by the server";
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (TryHandleOne(ref buffer))
                    {
                    }

                    if (result.IsCompleted)
                    {
                        break;
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = "closed";
        }
        catch (RtspClientException ex)
        {
            reason = ex.Message;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            reason = ex.Message;
        }

        _closed.TrySetResult(reason);
    }

    private bool TryHandleOne(ref ReadOnlySequence<byte> buffer)
    {
        switch (RtspParser.Classify(ref buffer))
        {
            case RtspInputKind.NeedMoreData:
                return false;
            case RtspInputKind.InterleavedFrame:
                if (!RtspParser.TryParseInterleaved(ref buffer, out byte channel, out var payload))
                {
                    return false;
                }

                Interleaved(channel, payload);
                return true;
        }

        if (buffer.Length < 5)
        {
            return false; // not enough to tell a response ("RTSP/") from a request
        }

        if (StartsWith(buffer, "RTSP/"u8))
        {
            if (RtspParser.TryParseResponse(ref buffer, RtspLimits.Default, out var response, out var error))
            {
                if (Volatile.Read(ref _pending) is { } pending && response.CSeq == Volatile.Read(ref _pendingCSeq))
                {
                    pending.TrySetResult(response);
                }

                return true;
            }

            return error == RtspParseError.None ? false : throw new RtspClientException("malformed response: " + error);
        }

        if (RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out var requestError))
        {
            AnswerServerRequest(request);
            return true;
        }

        return requestError == RtspParseError.None ? false : throw new RtspClientException("malformed message from the server: " + requestError);
    }

    /// <summary>A server's own request (keep-alive GET_PARAMETER/OPTIONS, or something we do not do): answered without waiting.</summary>
    private void AnswerServerRequest(RtspRequest request)
    {
        int status = request.Method is "GET_PARAMETER" or "OPTIONS" or "SET_PARAMETER" ? RtspStatusCodes.Ok : RtspStatusCodes.NotImplemented;
        var response = new RtspResponse(status, request.CSeq);
        _ = Task.Run(async () =>
        {
            try
            {
                await WriteAsync(output => RtspWriter.WriteResponse(output, response), _closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or RtspClientException or InvalidOperationException)
            {
                // The connection is going away; the receive loop reports why.
            }
        });
    }

    private static bool StartsWith(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> prefix)
    {
        Span<byte> head = stackalloc byte[prefix.Length];
        buffer.Slice(0, prefix.Length).CopyTo(head);
        return head.SequenceEqual(prefix);
    }

    private static bool ValidateCertificate(X509Certificate? certificate, SslPolicyErrors errors, string? fingerprint)
    {
        if (fingerprint is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null)
        {
            return false;
        }

        byte[] expected = Convert.FromHexString(fingerprint.Replace(":", "", StringComparison.Ordinal));
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), expected);
    }
}
