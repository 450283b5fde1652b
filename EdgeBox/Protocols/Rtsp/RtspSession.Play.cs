using System.Buffers;
using System.IO.Pipelines;
using EdgeBox.Configuration;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Reading: DESCRIBE (SDP out), SETUP, PLAY, then RTP out over interleaved channels.</summary>
internal sealed partial class RtspSession
{
    private bool[] _setUp = [];
    private byte[] _outputChannels = [];
    private System.Net.SocketAddress?[] _udpDestinations = [];
    private IReadOnlyList<MediaTrack> _playTracks = [];
    private PathReader? _reader;
    private Task? _playLoop;
    private bool _startPlaying;

    private async Task<RtspResponse> DescribeAsync(RtspRequest request)
    {
        if (!RtspUrl.TryGetPath(request.Uri, false, out string name))
        {
            return new RtspResponse(RtspStatusCodes.BadRequest, request.CSeq);
        }

        var path = _paths.Find(name);
        var config = path?.Config ?? _paths.Resolve(name);
        if (config is null)
        {
            return new RtspResponse(RtspStatusCodes.NotFound, request.CSeq);
        }

        if (Authenticate(request, config.ReadUser, config.ReadPass, "DESCRIBE") is { } challenge)
        {
            return challenge;
        }

        if (path is null && PathSources.IsPulled(config.Source))
        {
            path = _paths.GetOrCreate(name);
        }

        if (path is null || !await _sources.EnsureSourceAsync(path, _closing.Token).ConfigureAwait(false))
        {
            Log.NotReady(_logger, _id, name);
            return new RtspResponse(RtspStatusCodes.NotFound, request.CSeq,
                PathSources.IsPulled(config.Source) ? "The path's source is not ready" : "No one is publishing to this path");
        }

        var sdp = SdpBuilder.Build("EdgeBox", (ulong)_time.GetUtcNow().ToUnixTimeSeconds(), path.Tracks.Select(RtspTracks.ToSdpTrack).ToList());
        var response = new RtspResponse(RtspStatusCodes.Ok, request.CSeq) { Body = sdp.ToUtf8Bytes() };
        response.Headers.Set("Content-Type", "application/sdp");
        response.Headers.Set("Content-Base", request.Uri.TrimEnd('/') + "/");
        return response;
    }

    private RtspResponse Setup(RtspRequest request)
    {
        var transports = RtspTransport.ParseList(request.Headers["Transport"]);
        if (transports.Count == 0)
        {
            return new RtspResponse(RtspStatusCodes.BadRequest, request.CSeq);
        }

        // The first alternative we can serve: RTP over the RTSP connection (interleaved), or unicast UDP
        // to the client's ports from our shared server ports.
        var transport = transports.FirstOrDefault(t =>
            (t.IsTcp && t.Interleaved is not null)
            || (!t.IsTcp && t.Delivery != RtspDelivery.Multicast && t.ClientPort is not null && _udp.Available && RemoteAddress is not null));
        if (transport is null)
        {
            return new RtspResponse(RtspStatusCodes.UnsupportedTransport, request.CSeq);
        }

        if (!transport.IsTcp)
        {
            transport = transport with { ServerPort = new RtspPortPair(_udp.RtpPort, _udp.RtcpPort), Delivery = RtspDelivery.Unicast };
        }

        if (_state == SessionState.PreRecord || transport.Mode == RtspTransportMode.Record)
        {
            return _state == SessionState.PreRecord
                ? SetupRecord(request, transport)
                : new RtspResponse(RtspStatusCodes.MethodNotValidInThisState, request.CSeq);
        }

        return SetupPlay(request, transport);
    }

    private RtspResponse SetupPlay(RtspRequest request, RtspTransport transport)
    {
        if (_state is not (SessionState.Initial or SessionState.PrePlay) || !RtspUrl.TryGetPath(request.Uri, true, out string name))
        {
            return new RtspResponse(RtspStatusCodes.MethodNotValidInThisState, request.CSeq);
        }

        if (_path is null)
        {
            var path = _paths.Find(name);
            var config = path?.Config ?? _paths.Resolve(name);
            if (config is null)
            {
                return new RtspResponse(RtspStatusCodes.NotFound, request.CSeq);
            }

            if (Authenticate(request, config.ReadUser, config.ReadPass, "SETUP") is { } challenge)
            {
                return challenge;
            }

            if (path is null || path.State != PathState.Ready)
            {
                return new RtspResponse(RtspStatusCodes.NotFound, request.CSeq);
            }

            _path = path;
            _playTracks = path.Tracks;
            _setUp = new bool[_playTracks.Count];
            _outputChannels = new byte[_playTracks.Count];
            _udpDestinations = new System.Net.SocketAddress?[_playTracks.Count];
            PrepareReports(_playTracks.Count);
        }
        else if (!string.Equals(_path.Name, name, StringComparison.Ordinal))
        {
            return new RtspResponse(RtspStatusCodes.AggregateOperationNotAllowed, request.CSeq);
        }

        int index = RtspTracks.IndexFromControl(request.Uri, []);
        if ((uint)index >= (uint)_playTracks.Count)
        {
            return new RtspResponse(RtspStatusCodes.NotFound, request.CSeq);
        }

        _setUp[index] = true;
        if (transport.IsTcp)
        {
            _outputChannels[index] = (byte)transport.Interleaved!.Value.First;
            _rtcpChannels[index] = (byte)transport.Interleaved!.Value.Rtcp;
            _udpDestinations[index] = null;
        }
        else
        {
            _udpDestinations[index] = RtspUdpTransport.Destination(RemoteAddress!, transport.ClientPort!.Value.First);
            _udpRtcpDestinations[index] = RtspUdpTransport.Destination(RemoteAddress!, transport.ClientPort!.Value.Rtcp);
        }

        _state = SessionState.PrePlay;
        var response = WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq));
        response.Headers.Set("Transport", transport.ToString());
        return response;
    }

    private RtspResponse Play(RtspRequest request)
    {
        if (_state == SessionState.Recording)
        {
            return WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq)); // some publishers send PLAY as keep-alive
        }

        if (_state != SessionState.PrePlay || _path is null || !_setUp.Contains(true))
        {
            return new RtspResponse(RtspStatusCodes.MethodNotValidInThisState, request.CSeq);
        }

        _path.GetOrAddAttacher(_ => new RtpPathPacketizer(_pool));
        _reader = _path.TryAddReader("rtsp", _path.Config.MaxReaders ?? 0);
        if (_reader is null)
        {
            return new RtspResponse(RtspStatusCodes.ServiceUnavailable, request.CSeq, "Too many readers");
        }

        _state = SessionState.Playing;
        _startPlaying = true;
        var response = WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq));
        response.Headers.Set("Range", "npt=0.000-");
        string baseUrl = request.Uri.TrimEnd('/');
        response.Headers.Set("RTP-Info", RtpInfoHeader.Format(
            _setUp.Select((on, i) => (on, i)).Where(x => x.on).Select(x => new RtpInfoEntry($"{baseUrl}/trackID={x.i}"))));
        Log.Reading(_logger, _id, _path.Name);
        _events.Publish(Events.EventTypes.ReaderJoined, _path.Name, _id, $"RTSP reader {Remote} joined");
        return response;
    }

    private RtspResponse Pause(RtspRequest request)
    {
        if (_state == SessionState.Playing)
        {
            _ = StopPlayingAsync();
            _state = SessionState.PrePlay;
        }

        return WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq));
    }

    /// <summary>Starts the send loop after the PLAY response went out, so no RTP precedes it.</summary>
    private void StartPlayingIfRequested()
    {
        if (_startPlaying && _reader is not null)
        {
            _startPlaying = false;
            var reader = _reader;
            _playLoop = Task.Run(() => PlayLoopAsync(reader));
        }
    }

    private async Task PlayLoopAsync(PathReader reader)
    {
        var output = _connection.Transport.Output;
        string reason = "reader left";
        bool waitForKeyframe = false;
        try
        {
            while (await reader.Units.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
                try
                {
                    // Batch what is queued into one flush: fewer syscalls under load.
                    int batch = 0;
                    while (batch++ < 64 && reader.Units.TryRead(out var unit))
                    {
                        try
                        {
                            waitForKeyframe = Send(unit, output, waitForKeyframe);
                        }
                        finally
                        {
                            unit.Release();
                        }
                    }

                    WriteSenderReportsIfDue(output);
                    var flush = await output.FlushAsync(_closing.Token).ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        break;
                    }
                }
                finally
                {
                    _writeLock.Release();
                }
            }

            if (reader.Closed.IsCompleted)
            {
                reason = (await reader.Closed.ConfigureAwait(false)).ToString();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            reason = ex.GetType().Name;
        }

        if (!_closing.IsCancellationRequested && reader.Closed.IsCompleted)
        {
            End("reader closed: " + reason);
        }
    }

    /// <summary>
    /// Copies a unit's shared RTP packets to this reader (interleaved or UDP). Units cached before the
    /// path's packetizer existed have none: the reader then waits for the next keyframe that has them.
    /// Returns whether it is (still) waiting for a keyframe.
    /// </summary>
    private bool Send(in AccessUnit unit, System.IO.Pipelines.PipeWriter output, bool waitForKeyframe)
    {
        var packets = unit.Buffer.Attachment;
        bool video = _playTracks[unit.TrackIndex].IsVideo;
        if (packets is null)
        {
            return waitForKeyframe || video;
        }

        if (waitForKeyframe && !(video && unit.Keyframe))
        {
            return true;
        }

        if (!_setUp[unit.TrackIndex])
        {
            return false;
        }

        var destination = _udpDestinations[unit.TrackIndex];
        byte channel = _outputChannels[unit.TrackIndex];
        Interlocked.Add(ref _bytesOut, packets.Length);
        ReportBeforeFirstPacket(unit.TrackIndex, packets.Span, output);
        foreach (var packet in new RtpPathPacketizer.PacketEnumerator(packets.Span))
        {
            CountSent(unit.TrackIndex, packet);
            if (destination is not null)
            {
                _udp.SendRtp(packet, destination);
            }
            else
            {
                RtspWriter.WriteInterleaved(output, channel, packet);
            }
        }

        return false;
    }

    private async Task StopPlayingAsync()
    {
        var reader = _reader;
        _reader = null;
        reader?.Dispose();
        if (_playLoop is { } loop)
        {
            _playLoop = null;
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }
}
