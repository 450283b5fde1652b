using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>
/// The UDP port pair of one pulled track (<c>client_port=even-odd</c>, RFC 2326 §12.39, RFC 3550 §11):
/// RTP on the even port, RTCP on the next. Only datagrams from the server's address are taken; RTP
/// goes to the track's receiver (which reorders it), RTCP to its sender-report handling. One receive
/// loop per socket.
/// </summary>
internal sealed class RtspClientUdpPorts : IAsyncDisposable
{
    private const int MaxDatagram = 65536;
    private const int BindAttempts = 50;

    private readonly Socket _rtp;
    private readonly Socket _rtcp;
    private readonly CancellationTokenSource _closing = new();
    private Task? _rtpLoop;
    private Task? _rtcpLoop;
    private IPEndPoint? _serverRtcp;

    private RtspClientUdpPorts(Socket rtp, Socket rtcp)
    {
        _rtp = rtp;
        _rtcp = rtcp;
        RtpPort = ((IPEndPoint)rtp.LocalEndPoint!).Port;
    }

    public int RtpPort { get; }

    public int RtcpPort => RtpPort + 1;

    /// <summary>Binds an even/odd pair on the local address the RTSP connection uses.</summary>
    public static RtspClientUdpPorts Open(IPAddress local)
    {
        for (int attempt = 0; attempt < BindAttempts; attempt++)
        {
            var rtp = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            Socket? rtcp = null;
            try
            {
                rtp.Bind(new IPEndPoint(local, 0));
                int port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
                if (port % 2 == 0 && port < 65535)
                {
                    rtcp = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                    rtcp.Bind(new IPEndPoint(local, port + 1));
                    rtp.ReceiveBufferSize = 1024 * 1024; // a 1080p keyframe is hundreds of packets in one burst
                    return new RtspClientUdpPorts(rtp, rtcp);
                }
            }
            catch (SocketException)
            {
                // The odd port is taken: try another pair.
            }

            rtp.Dispose();
            rtcp?.Dispose();
        }

        throw new RtspClientException("cannot bind a free even/odd UDP port pair for RTP/RTCP");
    }

    /// <summary>Starts receiving from <paramref name="server"/> (its address; any port, as NATs may change it).</summary>
    public void Start(IPAddress server, int? serverRtcpPort, RtpTrackReceiver receiver)
    {
        if (serverRtcpPort is { } port)
        {
            _serverRtcp = new IPEndPoint(server, port);
        }

        receiver.UseReorderBuffer();
        _rtpLoop = Task.Run(() => ReceiveAsync(_rtp, server, (data, length) => receiver.OnRtp(data, length), takesOwnership: true));
        _rtcpLoop = Task.Run(() => ReceiveAsync(_rtcp, server, (data, length) => receiver.OnRtcp(data.AsSpan(0, length)), takesOwnership: false));
    }

    /// <summary>Sends an RTCP packet (a receiver report) to the server's RTCP port; lost like any datagram on error.</summary>
    public void SendRtcp(ReadOnlySpan<byte> packet)
    {
        if (_serverRtcp is null)
        {
            return;
        }

        try
        {
            _rtcp.SendTo(packet, SocketFlags.None, _serverRtcp);
        }
        catch (SocketException)
        {
            // The server's port is closed: the RTSP connection will notice.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        _rtp.Dispose();
        _rtcp.Dispose();
        foreach (var loop in new[] { _rtpLoop, _rtcpLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }

        _closing.Dispose();
    }

    private async Task ReceiveAsync(Socket socket, IPAddress server, Action<byte[], int> deliver, bool takesOwnership)
    {
        var from = new SocketAddress(socket.AddressFamily);
        var expected = new IPEndPoint(server.AddressFamily == socket.AddressFamily ? server : server.MapToIPv6(), 0).Serialize();
        while (!_closing.IsCancellationRequested)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
            bool handedOver = false;
            try
            {
                int length = await socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _closing.Token).ConfigureAwait(false);
                if (IsFrom(from, expected))
                {
                    deliver(buffer, length);
                    handedOver = takesOwnership;
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                // ICMP port unreachable from an earlier send: keep receiving.
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            finally
            {
                if (!handedOver)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    /// <summary>
    /// Compares the address part of two socket addresses of one family without allocating: sockaddr_in
    /// holds it at bytes 4..8, sockaddr_in6 at 8..24 (family and port come first, then IPv6's flow info).
    /// </summary>
    private static bool IsFrom(SocketAddress from, SocketAddress expected)
    {
        var (start, length) = from.Family == AddressFamily.InterNetworkV6 ? (8, 16) : (4, 4);
        return from.Size >= start + length && expected.Size >= start + length
            && from.Buffer.Span.Slice(start, length).SequenceEqual(expected.Buffer.Span.Slice(start, length));
    }
}
