using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Protocols.WebRtc.Dtls;
using EdgeBox.Protocols.WebRtc.Sdp;
using EdgeBox.Protocols.WebRtc.Srtp;

namespace EdgeBox.Protocols.WebRtc;

/// <summary>WHIP (a publisher) or WHEP (a reader).</summary>
internal enum WebRtcSessionKind
{
    Whip,
    Whep,
}

/// <summary>
/// One WHIP or WHEP session: ICE-lite connectivity on the shared port, DTLS-SRTP keys, then media —
/// a path reader packetized into SRTP (<c>WebRtcSession.Play.cs</c>) or SRTP depacketized into a path
/// source (<c>WebRtcSession.Publish.cs</c>). The session ends on DELETE, when the peer stops its consent
/// checks (RFC 7675: 30 s without a Binding request), when ICE or DTLS does not complete in time, or
/// when its path goes away. Everything it holds is released when <see cref="RunAsync"/> returns.
/// </summary>
internal sealed partial class WebRtcSession : IWebRtcPeer, IMediaSession, IDisposable
{
    /// <summary>Time from the answer to the first authenticated Binding request (ICE) and to DTLS keys.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);


    /// <summary>Largest SRTP datagram built: a 1200-byte RTP packet (<see cref="MaxRtpSize"/>) plus the GCM tag, with margin.</summary>
    private const int SendBufferSize = 1500;

    /// <summary>RTP packets are cut to 1200 bytes, like libwebrtc, so SRTP + UDP + IPv6 + a VPN stay under 1500.</summary>
    public const int MaxRtpSize = 1200;

    private readonly WebRtcServer _server;
    private readonly WebRtcTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DtlsEndpoint _dtls;
    private readonly TimeSpan _consentTimeout;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _iceChecked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _sendGate = new();
    private readonly byte[] _sendBuffer = new byte[SendBufferSize];
    private SocketAddress? _remote;
    private bool _nominated;
    private SrtpContext? _sendSrtp;
    private SrtpContext? _receiveSrtp;
    private long _lastCheck;
    private long _bytesIn;
    private long _bytesOut;
    private long _badSrtp;
    private long _rtcpSent;
    private string _state = "connecting";
    private string _endReason = "";

    public WebRtcSession(WebRtcServer server, WebRtcSessionKind kind, MediaPath path, WebRtcOffer offer, IReadOnlyList<WebRtcMediaAnswer> media,
        string remote, DtlsCertificate certificate, WebRtcTransport transport, TimeSpan consentTimeout, TimeProvider time, ILogger logger)
    {
        _consentTimeout = consentTimeout; // RFC 7675 §5.1: consent expires 30 s after the peer's last check
        _server = server;
        _transport = transport;
        _time = time;
        _logger = logger;
        Kind = kind;
        PathRef = path;
        Offer = offer;
        Media = media;
        Remote = remote;
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        LocalUfrag = IceText(8);
        LocalPassword = IceText(24);
        IceKey = Stun.StunMessage.ShortTermKey(LocalPassword);
        Created = time.GetUtcNow();
        _lastCheck = time.GetTimestamp();

        // RFC 8842 §5.3: the answerer of actpass picks; EdgeBox is the DTLS server then (and for an active
        // offerer), and the client only when the offerer insists on being passive.
        IsDtlsServer = offer.Setup != "passive";
        if (!DtlsFingerprint.TryParse(offer.Fingerprint, out var fingerprint))
        {
            throw new ArgumentException("The offer's fingerprint is not valid; WebRtcServer checks it first.", nameof(offer));
        }

        _dtls = new DtlsEndpoint(certificate, IsDtlsServer, fingerprint, SendDtls, time);
    }

    public string Id { get; }

    public WebRtcSessionKind Kind { get; }

    public WebRtcOffer Offer { get; }

    public IReadOnlyList<WebRtcMediaAnswer> Media { get; }

    public string LocalUfrag { get; }

    public string LocalPassword { get; }

    public byte[] IceKey { get; }

    public bool IsDtlsServer { get; }

    /// <summary>The answer's <c>a=setup</c>.</summary>
    public string DtlsSetup => IsDtlsServer ? "passive" : "active";

    public MediaPath PathRef { get; }

    public string Protocol => "webrtc";

    public string Remote { get; }

    public string? Path => PathRef.Name;

    public string State => Volatile.Read(ref _state);

    public DateTimeOffset Created { get; }

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>SRTP/SRTCP packets that failed authentication or replay checks.</summary>
    public long BadSrtp => Interlocked.Read(ref _badSrtp);

    /// <summary>The HTTP resource of the session: <c>/{path}/whip/{id}</c> or <c>/{path}/whep/{id}</c>.</summary>
    public string Location => $"/{PathRef.Name}/{(Kind == WebRtcSessionKind.Whip ? "whip" : "whep")}/{Id}";

    /// <summary>Completes when the session has ended and released everything.</summary>
    public Task Ended => _ended.Task;

    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Kick() => End("kicked");

    /// <summary>Ends the session (DELETE, kick, shutdown); <see cref="RunAsync"/> then cleans up.</summary>
    public void End(string reason)
    {
        if (Interlocked.CompareExchange(ref _endReason, reason, "") == "")
        {
            _closing.Cancel();
        }
    }

    /// <summary>Connects (ICE, DTLS), runs the media until the session ends, and releases everything.</summary>
    public async Task RunAsync()
    {
        var token = _closing.Token;
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(token);
            connect.CancelAfter(ConnectTimeout);
            try
            {
                await _iceChecked.Task.WaitAsync(connect.Token).ConfigureAwait(false);
                var keys = await _dtls.HandshakeAsync(connect.Token).ConfigureAwait(false);
                if (!SrtpProfiles.TryFromId(keys.ProfileId, out var profile))
                {
                    throw new CryptographicException($"DTLS negotiated SRTP profile {keys.ProfileId}, which EdgeBox does not offer");
                }

                lock (_sendGate)
                {
                    _sendSrtp = new SrtpContext(profile, keys.LocalKey, keys.LocalSalt);
                }

                Volatile.Write(ref _receiveSrtp, new SrtpContext(profile, keys.RemoteKey, keys.RemoteSalt));
                Log.Connected(_logger, Id, PathRef.Name, profile == SrtpProfile.AeadAes128Gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80");
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                End(_iceChecked.Task.IsCompleted ? "DTLS did not complete in time" : "ICE did not complete in time (no Binding request from the peer)");
                return;
            }

            Volatile.Write(ref _state, Kind == WebRtcSessionKind.Whep ? "reading" : "publishing");
            var media = Kind == WebRtcSessionKind.Whep ? PlayAsync(token) : PublishAsync(token);
            var watchdog = WatchAsync(token);
            await Task.WhenAny(media, watchdog, _dtls.Closed).ConfigureAwait(false);
            if (_dtls.Closed.IsCompleted)
            {
                End("the peer closed DTLS");
            }

            End("media ended");
            await Task.WhenAll(media, watchdog).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Ended.
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or InvalidOperationException or DtlsHandshakeException)
        {
            End("failed: " + ex.Message);
            Log.Failed(_logger, Id, PathRef.Name, ex.Message);
        }
        finally
        {
            End("ended");
            Release();
            Volatile.Write(ref _state, "closed");
            string reason = Volatile.Read(ref _endReason);
            long received = BytesIn, sent = BytesOut, refused = BadSrtp, reports = _rtcpSent;
            Log.Ended(_logger, Id, PathRef.Name, reason, received, sent, refused, reports);
            Dispose();
            _ended.TrySetResult();
        }
    }

    /// <summary>Every second: consent freshness, and the RTCP reports of the media direction.</summary>
    private async Task WatchAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            if (_time.GetElapsedTime(Interlocked.Read(ref _lastCheck)) > _consentTimeout)
            {
                End("consent expired: no ICE check from the peer within webrtc.sessionTimeout");
                return;
            }

            SendReports();
        }
    }

    public bool OnBindingRequest(SocketAddress from, bool useCandidate)
    {
        Interlocked.Exchange(ref _lastCheck, _time.GetTimestamp());
        if (_closing.IsCancellationRequested)
        {
            return false;
        }

        // ICE-lite (RFC 8445 §7.3.1.5): the controlling peer's nomination (USE-CANDIDATE) picks the
        // pair; until one is nominated the first checked address carries DTLS so it can start.
        lock (_sendGate)
        {
            if (_remote is null || (useCandidate && !_nominated && !_remote.Equals(from)))
            {
                _remote = from;
            }

            _nominated |= useCandidate;
        }

        _iceChecked.TrySetResult();
        return true;
    }

    public void OnDtls(ReadOnlySpan<byte> datagram)
    {
        Interlocked.Add(ref _bytesIn, datagram.Length);
        _dtls.Receive(datagram);
    }

    public void OnSrtp(Span<byte> datagram)
    {
        Interlocked.Add(ref _bytesIn, datagram.Length);
        if (Volatile.Read(ref _receiveSrtp) is not { } srtp || datagram.Length < 8)
        {
            return;
        }

        // RFC 5761 §4: RTCP packet types 192-223 in the second byte; RTP payload types stay below.
        if (datagram[1] is >= 192 and <= 223)
        {
            if (!srtp.TryUnprotectRtcp(datagram, out int length))
            {
                Interlocked.Increment(ref _badSrtp);
                return;
            }

            OnRtcp(datagram[..length]);
        }
        else
        {
            if (!srtp.TryUnprotectRtp(datagram, out int length))
            {
                Interlocked.Increment(ref _badSrtp);
                return;
            }

            OnRtp(datagram[..length]);
        }
    }

    private void SendDtls(ReadOnlyMemory<byte> record)
    {
        SocketAddress? remote;
        lock (_sendGate)
        {
            remote = _remote;
        }

        if (remote is not null)
        {
            Interlocked.Add(ref _bytesOut, record.Length);
            _transport.Send(record.Span, remote);
        }
    }

    /// <summary>Protects and sends one RTP packet; the caller holds <see cref="_sendGate"/>.</summary>
    private void SendRtpLocked(ReadOnlySpan<byte> packet)
    {
        if (_sendSrtp is not { } srtp || _remote is not { } remote || packet.Length + srtp.RtpOverhead > _sendBuffer.Length)
        {
            return;
        }

        packet.CopyTo(_sendBuffer);
        int length = srtp.ProtectRtp(_sendBuffer, packet.Length);
        Interlocked.Add(ref _bytesOut, length);
        _transport.Send(_sendBuffer.AsSpan(0, length), remote);
    }

    /// <summary>Protects and sends one RTCP compound packet.</summary>
    private void SendRtcp(ReadOnlySpan<byte> compound)
    {
        lock (_sendGate)
        {
            SendRtcpLocked(compound);
        }
    }

    /// <summary>As <see cref="SendRtcp"/>, the caller holding <see cref="_sendGate"/>.</summary>
    private void SendRtcpLocked(ReadOnlySpan<byte> compound)
    {
        if (_sendSrtp is not { } srtp || _remote is not { } remote || compound.Length + srtp.RtcpOverhead > _sendBuffer.Length)
        {
            return;
        }

        compound.CopyTo(_sendBuffer);
        int length = srtp.ProtectRtcp(_sendBuffer, compound.Length);
        _rtcpSent++;
        Interlocked.Add(ref _bytesOut, length);
        _transport.Send(_sendBuffer.AsSpan(0, length), remote);
    }

    private void SendReports()
    {
        if (Kind == WebRtcSessionKind.Whep)
        {
            SendPlayReports();
        }
        else
        {
            SendPublishReports();
        }
    }

    private void OnRtcp(ReadOnlySpan<byte> compound)
    {
        if (Kind == WebRtcSessionKind.Whep)
        {
            OnPlayRtcp(compound);
        }
        else
        {
            OnPublishRtcp(compound);
        }
    }

    private void ReleaseMedia()
    {
        if (Kind == WebRtcSessionKind.Whep)
        {
            ReleasePlay();
        }
        else
        {
            ReleasePublish();
        }
    }

    private void Release()
    {
        _transport.Unregister(this);
        ReleaseMedia();
        _dtls.Dispose();
        lock (_sendGate)
        {
            _sendSrtp?.Dispose();
            _sendSrtp = null;
        }

        Interlocked.Exchange(ref _receiveSrtp, null)?.Dispose();
        _server.Forget(this);
    }

    /// <summary>Frees what <see cref="Release"/> has not; <see cref="RunAsync"/> calls it last (later <see cref="End"/> calls do nothing).</summary>
    public void Dispose()
    {
        _dtls.Dispose();
        lock (_sendGate)
        {
            _sendSrtp?.Dispose();
            _sendSrtp = null;
        }

        Interlocked.Exchange(ref _receiveSrtp, null)?.Dispose();
        _closing.Dispose();
    }

    /// <summary>ICE ufrag/pwd characters (RFC 8839 §5.4 ice-char: ALPHA / DIGIT / "+" / "/").</summary>
    private static string IceText(int length) =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", length);

    private static uint ReadSsrc(ReadOnlySpan<byte> rtp) => BinaryPrimitives.ReadUInt32BigEndian(rtp[8..]);
}
