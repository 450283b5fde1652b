using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using EdgeBox.Configuration;
using EdgeBox.Protocols.WebRtc.Sdp;
using EdgeBox.Protocols.WebRtc.Stun;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Protocols.WebRtc;

/// <summary>What the shared UDP port hands to the session a datagram belongs to. Called on the receive loop: return quickly.</summary>
internal interface IWebRtcPeer
{
    /// <summary>Our ICE ufrag: the first half of the USERNAME in the peer's Binding requests.</summary>
    string LocalUfrag { get; }

    /// <summary>The short-term credential key (our ice-pwd, RFC 8489 §9.1.1).</summary>
    byte[] IceKey { get; }

    /// <summary>
    /// A Binding request from <paramref name="from"/> passed the integrity check and was answered. Returns
    /// true when datagrams from that address now belong to this session.
    /// </summary>
    bool OnBindingRequest(SocketAddress from, bool useCandidate);

    /// <summary>A DTLS record (RFC 7983 first byte 20-63) from a checked address.</summary>
    void OnDtls(ReadOnlySpan<byte> datagram);

    /// <summary>SRTP or SRTCP (first byte 128-191) from a checked address, decrypted in place by the session.</summary>
    void OnSrtp(Span<byte> datagram);
}

/// <summary>
/// The one UDP port every WebRTC session shares (<c>webrtc.address</c>, default 8189), as an ICE-lite
/// agent (RFC 8445 §2.5): EdgeBox gathers only host candidates, never sends checks, and answers the
/// peer's Binding requests. Datagrams are told apart by their first byte (RFC 7983 §7): STUN is routed
/// by the USERNAME's ufrag and authenticated with the session's password; DTLS and SRTP by the source
/// address a check succeeded from. Unknown sources and bad messages are dropped and counted.
/// </summary>
internal sealed partial class WebRtcTransport(ConfigManager config, ILogger<WebRtcTransport> logger) : BackgroundService
{
    /// <summary>Largest datagram read. WebRTC keeps packets under ~1200 bytes; 64 KiB bounds the worst case.</summary>
    private const int MaxDatagram = 65536;

    private readonly ConcurrentDictionary<string, IWebRtcPeer> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SocketAddress, IWebRtcPeer> _byAddress = new();
    private Socket? _socket;
    private long _dropped;
    private long _badStun;

    public bool Available => _socket is not null;

    /// <summary>Host candidates: the bound address (or every interface's when bound to any) and <c>webrtc.additionalHosts</c>.</summary>
    public IReadOnlyList<IceCandidate> Candidates { get; private set; } = [];

    /// <summary>Datagrams from no session (or not STUN, DTLS or SRTP).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>STUN messages refused: malformed, unknown ufrag, bad integrity or fingerprint.</summary>
    public long BadStun => Interlocked.Read(ref _badStun);

    public void Register(IWebRtcPeer peer) => _byUfrag[peer.LocalUfrag] = peer;

    /// <summary>Forgets a session: its ufrag and every address that was checked for it.</summary>
    public void Unregister(IWebRtcPeer peer)
    {
        _byUfrag.TryRemove(new KeyValuePair<string, IWebRtcPeer>(peer.LocalUfrag, peer));
        foreach (var (address, owner) in _byAddress)
        {
            if (ReferenceEquals(owner, peer))
            {
                _byAddress.TryRemove(new KeyValuePair<SocketAddress, IWebRtcPeer>(address, owner));
            }
        }
    }

    /// <summary>Sends one datagram; a full socket buffer or an unreachable peer loses it, never blocks.</summary>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        try
        {
            _socket?.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException)
        {
            // Lost like any datagram; consent freshness ends a session whose peer is gone.
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var webrtc = config.Current.Config.WebRtc;
        if (webrtc.Enabled)
        {
            try
            {
                _socket = Rtsp.RtspUdpTransport.Bind(webrtc.Address);
                var bound = (IPEndPoint)_socket.LocalEndPoint!;
                Candidates = IceCandidate.Hosts(HostAddresses(webrtc, bound.Address), bound.Port);
                string candidates = string.Join(", ", Candidates.Select(c => c.Address));
                Log.Listening(logger, bound.Port, candidates);
            }
            catch (SocketException ex)
            {
                Log.BindFailed(logger, webrtc.Address, ex.Message);
                _socket?.Dispose();
                _socket = null;
            }
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_socket is not { } socket)
        {
            return;
        }

        byte[] receive = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var address = new IPEndPoint(IPAddress.IPv6Any, 0).Serialize();
        while (!stoppingToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await socket.ReceiveFromAsync(receive, SocketFlags.None, address, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopping (the socket is disposed first when the host fails to start)
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable from a peer that went away, and the like
            }

            try
            {
                Dispatch(receive.AsSpan(0, length), address);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A session's bug must not stop the port for every other session.
                Log.DispatchFailed(logger, ex);
            }
        }
    }

    public override void Dispose()
    {
        _socket?.Dispose();
        base.Dispose();
    }

    /// <summary>One datagram from <paramref name="from"/> (valid during the call only).</summary>
    internal void Dispatch(Span<byte> datagram, SocketAddress from)
    {
        if (datagram.IsEmpty)
        {
            return;
        }

        byte first = datagram[0];
        if (first <= 3)
        {
            OnStun(datagram, from);
        }
        else if (!_byAddress.TryGetValue(from, out var peer))
        {
            Interlocked.Increment(ref _dropped);
        }
        else if (first is >= 20 and <= 63)
        {
            peer.OnDtls(datagram);
        }
        else if (first is >= 128 and <= 191)
        {
            peer.OnSrtp(datagram);
        }
        else
        {
            Interlocked.Increment(ref _dropped); // TURN channel data or ZRTP: not used here
        }
    }

    private void OnStun(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        if (!StunMessage.IsStun(datagram) || !StunMessage.TryParse(datagram, out var message, out _))
        {
            Interlocked.Increment(ref _badStun);
            return;
        }

        if (message.Method != StunMethod.Binding || message.Class != StunClass.Request)
        {
            return; // indications (keep-alives) and responses need no answer from a lite agent
        }

        string? username = message.Username;
        int colon = username?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0 || !_byUfrag.TryGetValue(username![..colon], out var peer)
            || !message.HasMessageIntegrity || !message.VerifyIntegrity(peer.IceKey)
            || (message.HasFingerprint && !StunMessage.VerifyFingerprint(datagram)))
        {
            Interlocked.Increment(ref _badStun); // RFC 8445 §7.3: a check that fails authentication is not answered with success
            return;
        }

        var source = Rtsp.RtspUdpTransport.Normalize((IPEndPoint)new IPEndPoint(IPAddress.IPv6Any, 0).Create(from));
        Span<byte> response = stackalloc byte[StunWriter.MaxBindingSuccessSize];
        int length = StunWriter.WriteBindingSuccess(response, message.TransactionId, source, peer.IceKey);
        Send(response[..length], from);
        var key = Copy(from);
        if (peer.OnBindingRequest(key, message.UseCandidate))
        {
            _byAddress[key] = peer;
        }
    }

    private static SocketAddress Copy(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    /// <summary>
    /// The addresses to offer: the bound one, or, bound to any address, every up interface's unicast
    /// addresses (IPv4 first, link-local IPv6 left out: browsers do not pair them across hosts), then the
    /// additional hosts resolved now (a name that does not resolve is logged and skipped).
    /// </summary>
    private List<IPAddress> HostAddresses(WebRtcConfig webrtc, IPAddress bound)
    {
        var addresses = new List<IPAddress>();
        if (bound.IsIPv4MappedToIPv6)
        {
            bound = bound.MapToIPv4();
        }

        if (!bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any))
        {
            addresses.Add(bound);
        }
        else
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up))
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    var ip = unicast.Address;
                    if (ip.AddressFamily == AddressFamily.InterNetwork || (ip.AddressFamily == AddressFamily.InterNetworkV6 && !ip.IsIPv6LinkLocal))
                    {
                        addresses.Add(ip);
                    }
                }
            }

            addresses.Sort((a, b) => Rank(a).CompareTo(Rank(b)));
        }

        foreach (string host in webrtc.AdditionalHosts)
        {
            try
            {
                foreach (var ip in IPAddress.TryParse(host, out var literal) ? [literal] : Dns.GetHostAddresses(host))
                {
                    if (!addresses.Contains(ip))
                    {
                        addresses.Insert(0, ip); // a public address is what a remote browser can reach: try it first
                    }
                }
            }
            catch (SocketException ex)
            {
                Log.HostUnresolved(logger, host, ex.Message);
            }
        }

        return addresses;
    }

    /// <summary>Order of host candidates: IPv4 before IPv6, loopback last.</summary>
    private static int Rank(IPAddress ip) => (IPAddress.IsLoopback(ip) ? 2 : 0) + (ip.AddressFamily == AddressFamily.InterNetworkV6 ? 1 : 0);

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcListening, EventName = "WebRtcListening", Level = LogLevel.Information,
            Message = "Listening for WebRTC on udp port {Port}, host candidates {Candidates}")]
        public static partial void Listening(ILogger logger, int port, string candidates);

        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcBindFailed, EventName = "WebRtcBindFailed", Level = LogLevel.Error,
            Message = "Cannot bind the WebRTC UDP port {Address} ({Reason}); WHIP and WHEP are unavailable")]
        public static partial void BindFailed(ILogger logger, string address, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcHostUnresolved, EventName = "WebRtcHostUnresolved", Level = LogLevel.Warning,
            Message = "webrtc.additionalHosts: {Host} does not resolve ({Reason}); it is not offered")]
        public static partial void HostUnresolved(ILogger logger, string host, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcDispatchFailed, EventName = "WebRtcDispatchFailed", Level = LogLevel.Error,
            Message = "A WebRTC datagram could not be handled")]
        public static partial void DispatchFailed(ILogger logger, Exception exception);
    }
}
