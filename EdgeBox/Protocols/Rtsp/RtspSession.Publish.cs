using System.Buffers;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Publishing: ANNOUNCE (SDP in), SETUP with mode=record, RECORD, then RTP over interleaved channels.</summary>
internal sealed partial class RtspSession : IRtpTrackOwner
{
    private List<MediaTrack>? _announcedTracks;
    private List<string>? _announcedControls;
    private PathSource? _source;
    private RtpTrackReceiver?[] _inputs = [];
    private readonly List<System.Net.IPEndPoint> _udpSources = [];

    /// <summary>Interleaved RTP channel → track index (RTCP channels map to -1 - index).</summary>
    private readonly Dictionary<byte, int> _channels = [];

    private RtspResponse Announce(RtspRequest request)
    {
        if (_state != SessionState.Initial || !RtspUrl.TryGetPath(request.Uri, false, out string name))
        {
            return new RtspResponse(RtspStatusCodes.BadRequest, request.CSeq);
        }

        var path = _paths.GetOrCreate(name);
        if (path is null)
        {
            Log.NoSuchPath(_logger, _id, name);
            return new RtspResponse(RtspStatusCodes.NotFound, request.CSeq);
        }

        if (Authenticate(request, path.Config.PublishUser, path.Config.PublishPass, "ANNOUNCE") is { } challenge)
        {
            return challenge;
        }

        if (Configuration.PathSources.IsPulled(path.Config.Source))
        {
            Log.PublishRefused(_logger, _id, path.Name, PublishRefusal.NotPublisherPath.ToString());
            _events.Publish(Events.EventTypes.PublisherRefused, path.Name, _id, $"RTSP publisher {Remote} refused: the path pulls its own source");
            return new RtspResponse(RtspStatusCodes.Forbidden, request.CSeq, "This path pulls its source; it takes no publisher");
        }

        if (!SessionDescription.TryParse(request.Body.Span, out var sdp, out var error))
        {
            Log.BadSdp(_logger, _id, error.ToString());
            return new RtspResponse(RtspStatusCodes.BadRequest, request.CSeq);
        }

        var tracks = new List<MediaTrack>();
        var controls = new List<string>();
        string baseUrl = request.Uri.TrimEnd('/') + "/";
        foreach (var sdpTrack in sdp.GetTracks())
        {
            if (RtspTracks.ToMediaTrack(tracks.Count, sdpTrack) is { } track)
            {
                tracks.Add(track);
                controls.Add(sdpTrack.ResolveControl(baseUrl));
            }
            else
            {
                Log.TrackSkipped(_logger, _id, sdpTrack.Encoding, sdpTrack.MediaType);
            }
        }

        if (tracks.Count == 0)
        {
            return new RtspResponse(RtspStatusCodes.UnsupportedMediaType, request.CSeq);
        }

        _path = path;
        _announcedTracks = tracks;
        _announcedControls = controls;
        _inputs = new RtpTrackReceiver?[tracks.Count];
        _state = SessionState.PreRecord;
        return WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq));
    }

    private RtspResponse SetupRecord(RtspRequest request, RtspTransport transport)
    {
        int index = RtspTracks.IndexFromControl(request.Uri, _announcedControls!);
        if ((uint)index >= (uint)_announcedTracks!.Count || _inputs[index] is not null)
        {
            return new RtspResponse(RtspStatusCodes.BadRequest, request.CSeq);
        }

        var track = _announcedTracks[index];
        var depacketizer = RtpDepacketizers.Create(track.Codec);
        if (depacketizer is null)
        {
            return new RtspResponse(RtspStatusCodes.UnsupportedMediaType, request.CSeq);
        }

        var input = new RtpTrackReceiver(this, track, depacketizer, _pool, _time);
        if (transport.IsTcp && transport.Interleaved is { } channels)
        {
            _channels[(byte)channels.First] = index;
            _channels[(byte)channels.Rtcp] = -1 - index;
        }
        else if (!transport.IsTcp && transport.ClientPort is { } ports)
        {
            // RTP from the client's port reaches the shared server socket; over UDP it may arrive out of order.
            var source = new System.Net.IPEndPoint(RemoteAddress!, ports.First);
            input.UseReorderBuffer();
            _udp.Register(source, input);
            _udpSources.Add(source);
            transport = transport with { ServerPort = new RtspPortPair(_udp.RtpPort, _udp.RtcpPort), Delivery = RtspDelivery.Unicast };
        }
        else
        {
            depacketizer.Dispose();
            return new RtspResponse(RtspStatusCodes.UnsupportedTransport, request.CSeq);
        }

        _inputs[index] = input;
        var response = WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq));
        response.Headers.Set("Transport", transport.ToString());
        return response;
    }

    private RtspResponse Record(RtspRequest request)
    {
        if (_state != SessionState.PreRecord || _path is null || _inputs.Any(i => i is null))
        {
            return new RtspResponse(RtspStatusCodes.MethodNotValidInThisState, request.CSeq);
        }

        var refusal = _path.TryPublish(_id, "rtsp publisher", _announcedTracks!, _path.Config.OverridePublisher ?? false, out var source);
        if (refusal != PublishRefusal.None)
        {
            Log.PublishRefused(_logger, _id, _path.Name, refusal.ToString());
            _events.Publish(Events.EventTypes.PublisherRefused, _path.Name, _id, $"RTSP publisher {Remote} refused: someone is already publishing");
            return new RtspResponse(RtspStatusCodes.BadRequest, request.CSeq, "Someone is already publishing to this path");
        }

        _source = source;
        source!.Replaced.Register(() => End("another publisher took over the path"));
        _state = SessionState.Recording;
        string codecs = string.Join(", ", _announcedTracks!.Select(t => t.Codec.Name()));
        Log.Publishing(_logger, _id, _path.Name, codecs);
        _events.Publish(Events.EventTypes.SourceReady, _path.Name, _id, $"RTSP publisher {Remote} is publishing {codecs}");
        return WithSession(new RtspResponse(RtspStatusCodes.Ok, request.CSeq));
    }

    private void OnInterleaved(byte channel, ReadOnlySequence<byte> payload)
    {
        if (_state != SessionState.Recording || !_channels.TryGetValue(channel, out int index))
        {
            return; // RTCP from players, or frames before RECORD: ignored
        }

        _inputs[index < 0 ? -1 - index : index]!.OnInterleaved(index >= 0, payload);
    }

    private void ReleasePublisher()
    {
        foreach (var source in _udpSources)
        {
            _udp.Unregister(source);
        }

        _source?.Dispose();
        _source = null;
        foreach (var input in _inputs)
        {
            input?.Dispose();
        }
    }

    PathSource? IRtpTrackOwner.Source => _source;

    void IRtpTrackOwner.OnMediaActivity() => Volatile.Write(ref _lastActivity, _time.GetTimestamp()); // UDP media is activity too

    void IRtpTrackOwner.OnBadRtp(int trackIndex) => Log.BadRtp(_logger, _id, trackIndex);
}
