using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EdgeBox.Protocols.WebRtc.Dtls;
using EdgeBox.Protocols.WebRtc.Srtp;
using EdgeBox.Protocols.WebRtc.Stun;

namespace EdgeBox.Bench.WebRtcLoad;

/// <summary>What a client does with the media it decrypted; called on its receive loop, one packet at a time.</summary>
internal interface IMediaReceiver
{
    /// <param name="packet">The RTP packet, decrypted (valid during the call only).</param>
    /// <param name="receivedAt">Stopwatch timestamp of the datagram's arrival.</param>
    void OnRtp(ReadOnlySpan<byte> packet, long receivedAt);

    /// <param name="compound">The RTCP compound packet, decrypted (valid during the call only).</param>
    void OnRtcp(ReadOnlySpan<byte> compound);
}

/// <summary>An offer EdgeBox refused (<see cref="Status"/> is the HTTP status), or an answer the client cannot use (0).</summary>
internal sealed class WebRtcClientException(string message, int status = 0) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// One lightweight WebRTC peer of an ICE-lite server: POSTs its offer (WHIP or WHEP), then on one UDP
/// socket of its own sends STUN Binding requests as the controlling agent (USERNAME, ICE-CONTROLLING,
/// USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY with the server's password, FINGERPRINT) until one is
/// answered and every 2 s after that (consent freshness, RFC 7675: EdgeBox ends a session 30 s after the
/// last check), runs the DTLS client handshake with EdgeBox's own <see cref="DtlsEndpoint"/>, and from
/// then on decrypts every SRTP and SRTCP packet with EdgeBox's <see cref="SrtpContext"/>. One receive
/// loop per socket (awaited <c>ReceiveFromAsync</c>), no thread of its own; counters are read from any thread.
/// </summary>
internal sealed class WebRtcClient : IDisposable
{
    /// <summary>Binding requests before the first answer: often, so ICE does not add to the connect time.</summary>
    private static readonly TimeSpan CheckRetry = TimeSpan.FromMilliseconds(50);

    /// <summary>Consent freshness once connected: RFC 7675 §5.1 asks for a check every 5 s or less; Chromium uses about 2 s.</summary>
    private static readonly TimeSpan ConsentInterval = TimeSpan.FromSeconds(2);

    /// <summary>Host-candidate priority (RFC 8445 §5.1.2.1: type preference 126, local preference 65535, component 1).</summary>
    private const uint HostPriority = (126u << 24) | (65535u << 8) | 255u;

    /// <summary>Receive buffer: SRTP stays under 1300 bytes; DTLS flights from EdgeBox are cut to 1200.</summary>
    private const int ReceiveBufferSize = 16384;

    private readonly HttpClient _http;
    private readonly DtlsCertificate _certificate;
    private readonly IMediaReceiver? _receiver;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _iceConnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ulong _tieBreaker = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly Lock _sendGate = new();
    private readonly byte[] _sendBuffer = new byte[2048];
    private Socket? _socket;
    private SocketAddress? _server;
    private byte[] _serverKey = [];
    private string _username = "";
    private DtlsEndpoint? _dtls;
    private SrtpContext? _receiveSrtp;
    private SrtpContext? _sendSrtp;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _checkLoop = Task.CompletedTask;
    private long _packets;
    private long _bytes;
    private long _badPackets;
    private long _rtcpPackets;
    private long _frames;
    private int _videoPayloadType = -1;
    private long _lastPacketAt;
    private long _checksAnswered;
    private long _checksSent;
    private int _disposed;

    public WebRtcClient(HttpClient http, IMediaReceiver? receiver = null)
    {
        _http = http;
        _receiver = receiver;
        _certificate = DtlsCertificate.CreateEphemeral(TimeProvider.System);
        Ice = IceCredentials.Create();
    }

    public IceCredentials Ice { get; }

    /// <summary>"sha-256 AB:CD:..." of this client's ephemeral certificate, for its offer.</summary>
    public string Fingerprint => _certificate.Fingerprint;

    /// <summary>The session's resource (the answer's <c>Location</c>), for DELETE.</summary>
    public Uri? Location { get; private set; }

    public ServerAnswer? Answer { get; private set; }

    /// <summary>Milliseconds from the POST to its 201, to the first answered Binding request, and to the SRTP keys.</summary>
    public double PostMs { get; private set; }

    public double IceMs { get; private set; }

    public double DtlsMs { get; private set; }

    public bool Connected => Volatile.Read(ref _receiveSrtp) is not null;

    /// <summary>Completes when the server ended DTLS (close_notify, for instance when it ended the session).</summary>
    public Task DtlsClosed => _dtls?.Closed ?? Task.CompletedTask;

    /// <summary>SRTP packets that authenticated (RTP only).</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>UDP payload bytes of those packets, SRTP tag included: what EdgeBox delivered.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>SRTP and SRTCP packets that failed authentication or the replay check.</summary>
    public long BadPackets => Interlocked.Read(ref _badPackets);

    public long RtcpPackets => Interlocked.Read(ref _rtcpPackets);

    /// <summary>Video frames: RTP packets of the answer's video payload type with the marker bit (the last of a frame, RFC 6184 §5.1).</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Stopwatch timestamp of the last good RTP packet, 0 before the first.</summary>
    public long LastPacketAt => Interlocked.Read(ref _lastPacketAt);

    public long ChecksSent => Interlocked.Read(ref _checksSent);

    public long ChecksAnswered => Interlocked.Read(ref _checksAnswered);

    /// <summary>
    /// POSTs <paramref name="offer"/> to <paramref name="endpoint"/> and connects: ICE, then the DTLS
    /// handshake. Throws <see cref="WebRtcClientException"/> when the offer is refused, and
    /// <see cref="TimeoutException"/> when ICE does not complete within <paramref name="timeout"/>.
    /// </summary>
    public async Task ConnectAsync(Uri endpoint, string offer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        using var content = new StringContent(offer, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
        using (var response = await _http.PostAsync(endpoint, content, cancellationToken).ConfigureAwait(false))
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new WebRtcClientException($"POST {endpoint.AbsolutePath}: {(int)response.StatusCode} {body.Trim()}", (int)response.StatusCode);
            }

            Location = response.Headers.Location is { } location ? new Uri(endpoint, location) : null;
            if (!ServerAnswer.TryParse(body, out var answer, out string error))
            {
                throw new WebRtcClientException(error);
            }

            if (!DtlsFingerprint.TryParse(answer.Fingerprint, out var fingerprint))
            {
                throw new WebRtcClientException($"the answer's fingerprint '{answer.Fingerprint}' does not parse");
            }

            Answer = answer;
            _videoPayloadType = answer.VideoPayloadType ?? -1;
            _server = answer.Candidate.Serialize();
            _serverKey = StunMessage.ShortTermKey(answer.Password);
            _username = answer.Ufrag + ":" + Ice.Ufrag;
            _dtls = new DtlsEndpoint(_certificate, isServer: false, fingerprint, SendDatagram, TimeProvider.System);
        }

        PostMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _receiveLoop = ReceiveLoopAsync(_socket, _stopping.Token);
        _checkLoop = CheckLoopAsync(_stopping.Token);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        deadline.CancelAfter(timeout);
        try
        {
            await _iceConnected.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no Binding success response within {timeout.TotalSeconds:0} s ({ChecksSent} checks sent)");
        }

        IceMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var keys = await _dtls.HandshakeAsync(deadline.Token).ConfigureAwait(false);
        if (!SrtpProfiles.TryFromId(keys.ProfileId, out var profile))
        {
            throw new WebRtcClientException($"DTLS negotiated SRTP profile {keys.ProfileId}");
        }

        lock (_sendGate)
        {
            _sendSrtp = new SrtpContext(profile, keys.LocalKey, keys.LocalSalt);
        }

        Volatile.Write(ref _receiveSrtp, new SrtpContext(profile, keys.RemoteKey, keys.RemoteSalt));
        DtlsMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>Protects one RTP packet and sends it; false before the keys or when it does not fit.</summary>
    public bool SendRtp(ReadOnlySpan<byte> packet)
    {
        lock (_sendGate)
        {
            if (_sendSrtp is not { } srtp || packet.Length + srtp.RtpOverhead > _sendBuffer.Length)
            {
                return false;
            }

            packet.CopyTo(_sendBuffer);
            int length = srtp.ProtectRtp(_sendBuffer, packet.Length);
            SendDatagram(_sendBuffer.AsSpan(0, length));
            return true;
        }
    }

    /// <summary>DELETEs the session resource; null on a 2xx, else what went wrong.</summary>
    public async Task<string?> DeleteAsync(CancellationToken cancellationToken)
    {
        if (Location is not { } location)
        {
            return "no Location to DELETE";
        }

        try
        {
            using var response = await _http.DeleteAsync(location, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"DELETE: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"DELETE: {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>Stops the loops and closes DTLS (close_notify), the socket and the SRTP contexts.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _dtls?.Dispose(); // sends close_notify through the socket, so before it closes
        _socket?.Dispose();
        lock (_sendGate)
        {
            _sendSrtp?.Dispose();
            _sendSrtp = null;
        }

        _stopping.Dispose();
    }

    /// <summary>Waits for both loops to end after <see cref="Dispose"/> (they never fault).</summary>
    public Task Stopped => Task.WhenAll(_receiveLoop, _checkLoop);

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken token)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        var from = new SocketAddress(AddressFamily.InterNetwork);
        try
        {
            while (!token.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue; // ICMP port unreachable after the server closed the session, and the like
                }

                Dispatch(buffer.AsSpan(0, length), Stopwatch.GetTimestamp());
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Stopped.
        }
        finally
        {
            Volatile.Read(ref _receiveSrtp)?.Dispose();
        }
    }

    /// <summary>RFC 7983 §7: STUN 0-3, DTLS 20-63, SRTP/SRTCP 128-191 (RFC 5761 §4: RTCP types 192-223 in the second byte).</summary>
    private void Dispatch(Span<byte> datagram, long receivedAt)
    {
        if (datagram.IsEmpty)
        {
            return;
        }

        byte first = datagram[0];
        if (first <= 3)
        {
            OnStun(datagram);
        }
        else if (first is >= 20 and <= 63)
        {
            _dtls?.Receive(datagram);
        }
        else if (first is >= 128 and <= 191 && datagram.Length >= 8 && Volatile.Read(ref _receiveSrtp) is { } srtp)
        {
            if (datagram[1] is >= 192 and <= 223)
            {
                if (!srtp.TryUnprotectRtcp(datagram, out int length))
                {
                    Interlocked.Increment(ref _badPackets);
                    return;
                }

                Interlocked.Increment(ref _rtcpPackets);
                _receiver?.OnRtcp(datagram[..length]);
            }
            else
            {
                int received = datagram.Length;
                if (!srtp.TryUnprotectRtp(datagram, out int length))
                {
                    Interlocked.Increment(ref _badPackets);
                    return;
                }

                Interlocked.Increment(ref _packets);
                Interlocked.Add(ref _bytes, received);
                if ((datagram[1] & 0x80) != 0 && (datagram[1] & 0x7F) == _videoPayloadType)
                {
                    Interlocked.Increment(ref _frames);
                }

                Interlocked.Exchange(ref _lastPacketAt, receivedAt);
                _receiver?.OnRtp(datagram[..length], receivedAt);
            }
        }
    }

    /// <summary>A Binding success response authenticated with the server's password completes ICE (and refreshes consent).</summary>
    private void OnStun(ReadOnlySpan<byte> datagram)
    {
        if (StunMessage.IsStun(datagram) && StunMessage.TryParse(datagram, out var message, out _)
            && message.Method == StunMethod.Binding && message.Class == StunClass.SuccessResponse
            && StunMessage.VerifyIntegrity(datagram, _serverKey))
        {
            Interlocked.Increment(ref _checksAnswered);
            _iceConnected.TrySetResult();
        }
    }

    private async Task CheckLoopAsync(CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                SendBindingRequest();
                await Task.Delay(_iceConnected.Task.IsCompleted ? ConsentInterval : CheckRetry, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void SendBindingRequest()
    {
        Span<byte> transaction = stackalloc byte[StunMessage.TransactionIdSize];
        StunWriter.NewTransactionId(transaction);
        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, transaction);
        writer.AddUsername(_username);
        writer.AddPriority(HostPriority);
        writer.AddIceControlling(_tieBreaker);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(_serverKey);
        writer.AddFingerprint();
        Interlocked.Increment(ref _checksSent);
        SendDatagram(writer.Written);
    }

    private void SendDatagram(ReadOnlyMemory<byte> datagram) => SendDatagram(datagram.Span);

    private void SendDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_socket is not { } socket || _server is not { } server)
        {
            return;
        }

        try
        {
            socket.SendTo(datagram, SocketFlags.None, server);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Lost like any datagram; the caller's timeouts notice.
        }
    }
}
