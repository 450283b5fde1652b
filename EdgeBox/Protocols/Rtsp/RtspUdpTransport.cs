using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EdgeBox.Configuration;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Takes the RTP packets one UDP publisher track sends; owns the rented array it is given.</summary>
internal interface IUdpRtpReceiver
{
    void OnRtp(byte[] rented, int length);
}

/// <summary>
/// The two UDP sockets every RTSP session shares for RTP and RTCP over UDP (RFC 2326 §12.39
/// <c>server_port</c>), like MediaMTX's 8000/8001. Incoming RTP is handed to the publisher track
/// registered for its source address and port; outgoing RTP to readers is sent from the RTP socket.
/// One receive loop per socket; sends are non-blocking datagram writes.
/// </summary>
internal sealed partial class RtspUdpTransport(ConfigManager config, ILogger<RtspUdpTransport> logger) : BackgroundService
{
    /// <summary>Largest datagram accepted (RTP over UDP stays under the path MTU; 64 KiB bounds the worst case).</summary>
    private const int MaxDatagram = 65536;

    private readonly ConcurrentDictionary<IPEndPoint, IUdpRtpReceiver> _receivers = new();
    private Socket? _rtp;
    private Socket? _rtcp;

    public bool Available => _rtp is not null && _rtcp is not null;

    public int RtpPort { get; private set; }

    public int RtcpPort { get; private set; }

    public void Register(IPEndPoint source, IUdpRtpReceiver receiver) => _receivers[source] = receiver;

    public void Unregister(IPEndPoint source) => _receivers.TryRemove(source, out _);

    /// <summary>Sends one RTP packet to a reader; a full socket buffer drops the packet (UDP semantics), never blocks.</summary>
    public void SendRtp(ReadOnlySpan<byte> packet, SocketAddress destination)
    {
        try
        {
            _rtp?.SendTo(packet, SocketFlags.None, destination);
        }
        catch (SocketException)
        {
            // The reader's port is closed or the buffer is full: lost like any UDP packet.
        }
    }

    /// <summary>Sends one RTCP packet (a sender report) to a reader's RTCP port, from the RTCP socket.</summary>
    public void SendRtcp(ReadOnlySpan<byte> packet, SocketAddress destination)
    {
        try
        {
            _rtcp?.SendTo(packet, SocketFlags.None, destination);
        }
        catch (SocketException)
        {
            // As for RTP: lost like any datagram.
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var rtsp = config.Current.Config.Rtsp;
        if (rtsp.Enabled)
        {
            try
            {
                _rtp = Bind(rtsp.RtpAddress);
                _rtcp = Bind(rtsp.RtcpAddress);
                RtpPort = ((IPEndPoint)_rtp.LocalEndPoint!).Port;
                RtcpPort = ((IPEndPoint)_rtcp.LocalEndPoint!).Port;
                string rtpEndpoint = _rtp.LocalEndPoint!.ToString()!, rtcpEndpoint = _rtcp.LocalEndPoint!.ToString()!;
                Log.Listening(logger, rtpEndpoint, rtcpEndpoint);
            }
            catch (SocketException ex)
            {
                // TCP transport keeps working; UDP SETUPs get 461 and clients fall back to TCP.
                Log.BindFailed(logger, rtsp.RtpAddress, rtsp.RtcpAddress, ex.Message);
                _rtp?.Dispose();
                _rtcp?.Dispose();
                _rtp = _rtcp = null;
            }
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_rtp is null || _rtcp is null)
        {
            return;
        }

        await Task.WhenAll(ReceiveRtpAsync(_rtp, stoppingToken), DrainAsync(_rtcp, stoppingToken)).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _rtp?.Dispose();
        _rtcp?.Dispose();
        base.Dispose();
    }

    private async Task ReceiveRtpAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] receive = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var from = new IPEndPoint(IPAddress.IPv6Any, 0);
        var address = from.Serialize();
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await socket.ReceiveFromAsync(receive, SocketFlags.None, address, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopping (the socket is disposed first when the host fails to start)
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable from a reader that went away, and the like
            }

            var source = Normalize((IPEndPoint)from.Create(address));
            if (!_receivers.TryGetValue(source, out var receiver))
            {
                continue; // not a publisher's track (e.g. a reader's NAT-opening packet)
            }

            byte[] packet = ArrayPool<byte>.Shared.Rent(length);
            receive.AsSpan(0, length).CopyTo(packet);
            receiver.OnRtp(packet, length);
        }
    }

    /// <summary>RTCP receiver reports from readers and sender reports from publishers are read and dropped for now.</summary>
    private static async Task DrainAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] receive = new byte[MaxDatagram];
        var from = new IPEndPoint(IPAddress.IPv6Any, 0);
        var address = from.Serialize();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await socket.ReceiveFromAsync(receive, SocketFlags.None, address, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopping (the socket is disposed first when the host fails to start)
            }
            catch (SocketException)
            {
                // Keep reading.
            }
        }
    }

    /// <summary>The key for a client's address: IPv4 addresses seen through a dual-mode socket are mapped back to IPv4.</summary>
    public static IPEndPoint Normalize(IPEndPoint endpoint) =>
        endpoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port) : endpoint;

    /// <summary>The socket address to send a reader's RTP to.</summary>
    public static SocketAddress Destination(IPAddress client, int port)
    {
        var address = client.AddressFamily == AddressFamily.InterNetwork ? client.MapToIPv6() : client;
        return new IPEndPoint(address, port).Serialize();
    }

    /// <summary>A dual-mode UDP socket bound to <paramref name="address"/> (host:port) with 4 MiB buffers; the WebRTC port uses it too.</summary>
    internal static Socket Bind(string address)
    {
        if (!ConfigValidator.TryParseAddress(address, out string host, out int port))
        {
            throw new SocketException((int)SocketError.AddressNotAvailable);
        }

        var ip = IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed : IPAddress.Any;
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
        socket.ReceiveBufferSize = 4 * 1024 * 1024;
        socket.SendBufferSize = 4 * 1024 * 1024;
        socket.Bind(new IPEndPoint(ip.AddressFamily == AddressFamily.InterNetwork ? ip.MapToIPv6() : ip, port));
        return socket;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.RtspListening, EventName = "RtspUdpListening", Level = LogLevel.Information,
            Message = "Listening for RTP on udp {Rtp} and RTCP on udp {Rtcp}")]
        public static partial void Listening(ILogger logger, string rtp, string rtcp);

        [LoggerMessage(EventId = Infrastructure.EventIds.RtspUdpBindFailed, EventName = "RtspUdpBindFailed", Level = LogLevel.Error,
            Message = "Cannot bind the RTSP UDP ports {Rtp} / {Rtcp} ({Reason}); RTSP works over TCP only")]
        public static partial void BindFailed(ILogger logger, string rtp, string rtcp, string reason);
    }
}
