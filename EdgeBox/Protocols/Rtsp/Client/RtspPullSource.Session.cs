using System.Buffers;
using System.Net;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>One connection attempt: handshake, then media until the stream fails or the source is stopped.</summary>
internal sealed partial class RtspPullSource : IRtpTrackOwner
{
    /// <summary>Receiver reports go out this often (RFC 3550 §6.2: about every 5 s at these rates).</summary>
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    private PathSource? _source;
    private long _lastMedia;

    PathSource? IRtpTrackOwner.Source => Volatile.Read(ref _source);

    void IRtpTrackOwner.OnMediaActivity() => Volatile.Write(ref _lastMedia, _time.GetTimestamp());

    void IRtpTrackOwner.OnBadRtp(int trackIndex) => Log.BadRtp(_logger, _id, trackIndex);

    /// <summary>Runs one session; returns when the server ended the stream, throws <see cref="RtspClientException"/> when it failed.</summary>
    private async Task RunSessionAsync(CancellationToken token)
    {
        bool tcp = _preferTcp;
        var session = new SessionState();
        RtspClientConnection? connection = null;
        try
        {
            connection = await RtspClientConnection.ConnectAsync(_url, _config.SourceFingerprint, session.OnInterleaved, ConnectTimeout, token).ConfigureAwait(false);
            var options = await connection.RequestAsync("OPTIONS", _url.RequestUri, cancellationToken: token).ConfigureAwait(false);
            bool getParameter = options.Headers["Public"]?.Contains("GET_PARAMETER", StringComparison.OrdinalIgnoreCase) ?? false;

            var describe = await connection.RequestAsync("DESCRIBE", _url.RequestUri, h => h.Set("Accept", "application/sdp"), cancellationToken: token).ConfigureAwait(false);
            EnsureOk(describe, "DESCRIBE");
            if (!SessionDescription.TryParse(describe.Body.Span, out var sdp, out var sdpError))
            {
                throw new RtspClientException("the server's SDP is malformed: " + sdpError);
            }

            string baseUrl = SdpControl.ChooseBase(_url.RequestUri, describe.Headers["Content-Base"], describe.Headers["Content-Location"]);
            var tracks = new List<MediaTrack>();
            var controls = new List<string>();
            foreach (var sdpTrack in sdp.GetTracks())
            {
                if (sdpTrack.Direction == SdpDirection.RecvOnly)
                {
                    continue; // a back channel (ONVIF audio to the camera), not media from it
                }

                if (RtspTracks.ToMediaTrack(tracks.Count, sdpTrack) is { } track && RtpDepacketizers.Create(track.Codec) is { } probe)
                {
                    probe.Dispose();
                    tracks.Add(track);
                    controls.Add(sdpTrack.ResolveControl(baseUrl));
                }
                else
                {
                    Log.TrackSkipped(_logger, _id, _path.Name, sdpTrack.Encoding, sdpTrack.MediaType);
                }
            }

            if (tracks.Count == 0)
            {
                throw new RtspClientException("the stream has no track EdgeBox can carry");
            }

            session.Receivers = new RtpTrackReceiver[tracks.Count];
            for (int i = 0; i < tracks.Count; i++)
            {
                session.Receivers[i] = new RtpTrackReceiver(this, tracks[i], RtpDepacketizers.Create(tracks[i].Codec)!, _pool, _time);
                await SetupAsync(connection, session, i, controls[i], tcp, token).ConfigureAwait(false);
            }

            var play = await connection.RequestAsync("PLAY", sdp.Control is { } aggregate ? SdpControl.Resolve(aggregate, baseUrl) : baseUrl,
                h => h.Set("Range", "npt=0.000-"), cancellationToken: token).ConfigureAwait(false);
            EnsureOk(play, "PLAY");

            if (_path.TryPublish(_id, "rtsp pull", tracks, allowOverride: true, out var source) != PublishRefusal.None)
            {
                throw new RtspClientException("the path refused the source");
            }

            Volatile.Write(ref _lastMedia, _time.GetTimestamp());
            Volatile.Write(ref _source, source);
            _sessionReady = true;
            Volatile.Write(ref _failures, 0);
            Volatile.Write(ref _state, "ready");
            string codecs = string.Join(", ", tracks.Select(t => t.Codec.Name()));
            string transport = tcp ? "TCP" : "UDP";
            Log.Connected(_logger, _id, _path.Name, _url.Redacted, transport, codecs);
            _events.Publish(Events.EventTypes.SourceReady, _path.Name, _id, $"RTSP source {_url.Redacted} is ready over {transport}: {codecs}");
            _ready.TrySetResult();
            try
            {
                await WatchAsync(connection, session, source!, tcp, getParameter, token).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _source, null);
                source!.Dispose();
                _events.Publish(Events.EventTypes.SourceNotReady, _path.Name, _id, $"RTSP source {_url.Redacted} is not ready");
            }
        }
        finally
        {
            if (connection is not null)
            {
                await TeardownAsync(connection).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task SetupAsync(RtspClientConnection connection, SessionState session, int index, string control, bool tcp, CancellationToken token)
    {
        RtspClientUdpPorts? ports = null;
        RtspTransport request;
        if (tcp)
        {
            request = new RtspTransport
            {
                LowerTransport = RtspLowerTransport.Tcp,
                Delivery = RtspDelivery.Unicast,
                Interleaved = new RtspPortPair(2 * index, (2 * index) + 1),
            };
        }
        else
        {
            var local = connection.LocalEndPoint?.Address ?? IPAddress.Any;
            ports = RtspClientUdpPorts.Open(local);
            session.Ports.Add(ports);
            request = new RtspTransport { Delivery = RtspDelivery.Unicast, ClientPort = new RtspPortPair(ports.RtpPort, ports.RtcpPort) };
        }

        var response = await connection.RequestAsync("SETUP", control, h => h.Set("Transport", request.ToString()), cancellationToken: token).ConfigureAwait(false);
        if (!tcp && response.StatusCode == RtspStatusCodes.UnsupportedTransport)
        {
            throw new UdpUnavailableException("the server does not offer RTP over UDP (461)");
        }

        EnsureOk(response, "SETUP");
        if (connection.Session is null)
        {
            if (!RtspSessionHeader.TryParse(response.Headers[RtspHeaderNames.Session], out var header))
            {
                throw new RtspClientException("the SETUP response has no valid Session header");
            }

            connection.Session = header.Id;
            session.TimeoutSeconds = header.TimeoutSeconds ?? RtspSessionHeader.DefaultTimeoutSeconds;
        }

        var answers = RtspTransport.ParseList(response.Headers["Transport"]);
        var answer = answers.Count > 0 ? answers[0] : null;
        var receiver = session.Receivers[index];
        if (tcp)
        {
            var channels = answer?.Interleaved ?? request.Interleaved!.Value;
            session.Channels[(byte)channels.First] = index;
            session.Channels[(byte)channels.Rtcp] = -1 - index;
            session.RtcpChannels.Add((byte)channels.Rtcp);
        }
        else
        {
            if (answer is { IsTcp: true })
            {
                throw new UdpUnavailableException("the server answered UDP with TCP");
            }

            var server = connection.RemoteEndPoint?.Address ?? throw new RtspClientException("the connection has no remote address");
            ports!.Start(server, answer?.ServerPort?.Rtcp, receiver);
        }
    }

    /// <summary>
    /// Keeps the session alive and checks the media flows: keep-alive requests at half the session
    /// timeout, receiver reports every 5 s, and an end when the connection closes, the media stops,
    /// the path drops the source, or the source is stopped.
    /// </summary>
    private async Task WatchAsync(RtspClientConnection connection, SessionState session, PathSource source, bool tcp, bool getParameter, CancellationToken token)
    {
        var keepAlive = TimeSpan.FromSeconds(Math.Clamp(session.TimeoutSeconds / 2, 1, 30));
        long lastKeepAlive = _time.GetTimestamp();
        long lastReport = 0;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token, source.Replaced);
        while (true)
        {
            var closed = connection.Closed;
            try
            {
                await tick.WaitForNextTickAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                throw new RtspClientException("the path dropped the source");
            }

            if (closed.IsCompleted)
            {
                throw new RtspClientException("connection closed: " + await closed.ConfigureAwait(false));
            }

            var silent = _time.GetElapsedTime(Volatile.Read(ref _lastMedia));
            if (!tcp && session.Receivers.All(r => r.Packets == 0) && silent > UdpSilenceTimeout && _config.RtspTransport != Configuration.RtspTransportSetting.Udp)
            {
                throw new UdpUnavailableException($"no RTP over UDP within {UdpSilenceTimeout.TotalSeconds:0} s");
            }

            if (silent > ReadTimeout)
            {
                throw new RtspClientException($"no media for {ReadTimeout.TotalSeconds:0} s");
            }

            long now = _time.GetTimestamp();
            if (_time.GetElapsedTime(lastReport, now) >= ReportInterval)
            {
                lastReport = now;
                await SendReceiverReportsAsync(connection, session, tcp, token).ConfigureAwait(false);
            }

            if (_time.GetElapsedTime(lastKeepAlive, now) >= keepAlive)
            {
                lastKeepAlive = now;
                var response = await connection.RequestAsync(getParameter ? "GET_PARAMETER" : "OPTIONS", _url.RequestUri, cancellationToken: token).ConfigureAwait(false);
                if (response.StatusCode == RtspStatusCodes.SessionNotFound)
                {
                    throw new RtspClientException("the server forgot the session (454)");
                }
            }
        }
    }

    /// <summary>An RR per track (RFC 3550 §6.4.2); cameras that watch RTCP (over UDP) take it as liveness.</summary>
    private static async Task SendReceiverReportsAsync(RtspClientConnection connection, SessionState session, bool tcp, CancellationToken token)
    {
        byte[] packet = new byte[RtcpReceiverReport.GetSize(1)];
        for (int i = 0; i < session.Receivers.Length; i++)
        {
            var receiver = session.Receivers[i];
            if (receiver.Packets == 0)
            {
                continue;
            }

            var block = new RtcpReportBlock(receiver.Ssrc, 0, 0, receiver.LastSequence, 0, 0, 0);
            int length = RtcpReceiverReport.Write(packet, session.ReporterSsrc, [block]);
            if (tcp)
            {
                await connection.WriteInterleavedAsync(session.RtcpChannels[i], packet.AsMemory(0, length), token).ConfigureAwait(false);
            }
            else
            {
                session.Ports[i].SendRtcp(packet.AsSpan(0, length));
            }
        }
    }

    private async Task TeardownAsync(RtspClientConnection connection)
    {
        if (connection.Session is null || connection.Closed.IsCompleted)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await connection.RequestAsync("TEARDOWN", _url.RequestUri, cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RtspClientException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Best effort: the connection closes right after anyway.
        }
    }

    private static void EnsureOk(RtspResponse response, string method)
    {
        if (response.StatusCode is >= 200 and < 300)
        {
            return;
        }

        string detail = response.StatusCode == RtspStatusCodes.Unauthorized ? " (wrong or missing credentials in the source URL)" : "";
        throw new RtspClientException($"{method} answered {response.StatusCode} {response.ReasonPhrase}{detail}", response.StatusCode);
    }

    /// <summary>What one session holds: the tracks' receivers, the interleaved channel map, the UDP ports.</summary>
    private sealed class SessionState : IAsyncDisposable
    {
        public RtpTrackReceiver[] Receivers { get; set; } = [];

        /// <summary>Interleaved channel → track index for RTP, -1 - index for RTCP. Written before PLAY only.</summary>
        public Dictionary<byte, int> Channels { get; } = [];

        public List<byte> RtcpChannels { get; } = [];

        public List<RtspClientUdpPorts> Ports { get; } = [];

        public int TimeoutSeconds { get; set; } = RtspSessionHeader.DefaultTimeoutSeconds;

        public uint ReporterSsrc { get; } = (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);

        public void OnInterleaved(byte channel, ReadOnlySequence<byte> payload)
        {
            if (!Channels.TryGetValue(channel, out int index))
            {
                return;
            }

            Receivers[index < 0 ? -1 - index : index].OnInterleaved(index >= 0, payload);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var ports in Ports)
            {
                await ports.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var receiver in Receivers)
            {
                receiver?.Dispose();
            }
        }
    }
}
