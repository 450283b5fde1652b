using System.Buffers;
using System.IO.Pipelines;
using EdgeBox.Configuration;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Reading: DESCRIBE (SDP out), SETUP, PLAY, then RTP out over interleaved channels.</summary>
internal sealed partial class RtspSession : IPathReaderListener, IRtspMediaSource
{
    private bool[] _setUp = [];
    private byte[] _outputChannels = [];
    private System.Net.SocketAddress?[] _udpDestinations = [];
    private IReadOnlyList<MediaTrack> _playTracks = [];
    private PathReader? _reader;

    /// <summary>The reader whose units <see cref="_output"/> sends: set once the PLAY response is written.</summary>
    private PathReader? _sending;
    private Task? _playLoop;
    private bool _startPlaying;
    private bool _waitForKeyframe;

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

    /// <summary>
    /// Starts sending media after the PLAY response was written, so no RTP precedes it: from now on the
    /// fan-out wakes <see cref="_output"/> on the source's thread (see <see cref="IPathReaderListener"/>).
    /// The cached GOP already in the reader's queue goes out first.
    /// </summary>
    private void StartPlayingIfRequested()
    {
        if (_startPlaying && _reader is { } reader)
        {
            _startPlaying = false;
            _waitForKeyframe = false;
            reader.Listen(this);
            Volatile.Write(ref _sending, reader);
            _output.SetMedia(this);
            _playLoop = WatchReaderAsync(reader);
        }
    }

    void IPathReaderListener.OnUnitsQueued() => _output.Kick();

    bool IRtspMediaSource.HasPendingMedia => Volatile.Read(ref _sending) is { } reader && reader.Units.Count > 0;

    /// <summary>Takes what is queued for this reader (a batch at most) into <paramref name="batch"/>; UDP tracks are sent here.</summary>
    void IRtspMediaSource.Fill(RtspOutputBatch batch)
    {
        if (Volatile.Read(ref _sending) is not { } reader)
        {
            return;
        }

        int taken = 0;
        while (taken < RtspOutput.UnitsPerWrite && reader.Units.TryRead(out var unit))
        {
            taken++;
            if (!Add(unit, batch))
            {
                unit.Release();
            }
        }

        if (taken > 0)
        {
            WriteSenderReportsIfDue(batch);
        }
    }

    /// <summary>Ends the session when the path drops this reader (too slow, tracks changed, path closed).</summary>
    private async Task WatchReaderAsync(PathReader reader)
    {
        var reason = await reader.Closed.ConfigureAwait(false);
        if (!_closing.IsCancellationRequested && reason != ReaderCloseReason.Left)
        {
            End("reader closed: " + reason);
        }
    }

    /// <summary>
    /// Adds a unit's shared RTP packets for this reader (interleaved) or sends them (UDP). Units cached
    /// before the path's packetizer existed have none: the reader then waits for the next keyframe that
    /// has them, and asks the source for one (a WebRTC publisher sends keyframes only when asked).
    /// Returns whether the batch took the unit's reference.
    /// </summary>
    private bool Add(in AccessUnit unit, RtspOutputBatch batch)
    {
        var packets = unit.Buffer.Attachment;
        bool video = _playTracks[unit.TrackIndex].IsVideo;
        if (packets is null)
        {
            if (video && !_waitForKeyframe)
            {
                _waitForKeyframe = true;
                _path?.RequestKeyframe();
            }

            return false;
        }

        if (_waitForKeyframe && !(video && unit.Keyframe))
        {
            return false;
        }

        _waitForKeyframe = false;
        if (!_setUp[unit.TrackIndex])
        {
            return false;
        }

        int track = unit.TrackIndex;
        var destination = _udpDestinations[track];
        Interlocked.Add(ref _bytesOut, packets.Length);
        ReportBeforeFirstPacket(track, packets.Span, batch);
        if (destination is not null)
        {
            foreach (var packet in new RtpPathPacketizer.PacketEnumerator(packets.Span))
            {
                CountSent(track, packet);
                _udp.SendRtp(packet, destination);
            }

            return false;
        }

        byte channel = _outputChannels[track];
        var shared = packets.Segment;
        if (channel == RtpPathPacketizer.DefaultChannel(track))
        {
            // The packets are framed for this reader's channel already: the whole unit is one range.
            foreach (var packet in new RtpPathPacketizer.PacketEnumerator(packets.Span))
            {
                CountSent(track, packet);
            }

            batch.Add(shared);
        }
        else
        {
            // Another channel (e.g. a reader that set up only the second track on 0-1): a header of
            // its own before each shared packet.
            var packet = new RtpPathPacketizer.PacketEnumerator(packets.Span);
            while (packet.MoveNext())
            {
                CountSent(track, packet.Current);
                RtspWriter.WriteInterleavedHeader(batch.Reserve(RtpPathPacketizer.HeaderSize), channel, packet.Current.Length);
                batch.Add(shared.Slice(packet.Offset, packet.Current.Length));
            }
        }

        batch.Hold(unit.Buffer);
        return true;
    }
    private async Task StopPlayingAsync()
    {
        var reader = _reader;
        _reader = null;
        Volatile.Write(ref _sending, null);
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
