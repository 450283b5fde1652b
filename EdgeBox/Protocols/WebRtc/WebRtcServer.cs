using System.Collections.Concurrent;
using EdgeBox.Codecs;
using EdgeBox.Configuration;
using EdgeBox.Events;
using EdgeBox.Hosting;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtsp;
using EdgeBox.Protocols.WebRtc.Dtls;
using EdgeBox.Protocols.WebRtc.Sdp;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Protocols.WebRtc;

/// <summary>The outcome of a WHIP or WHEP offer: 201 with the answer and the session, or an HTTP status with a sentence.</summary>
internal sealed record WebRtcOfferResult(int Status, string? Answer, WebRtcSession? Session, string? Error)
{
    public static WebRtcOfferResult Refused(int status, string error) => new(status, null, null, error);
}

/// <summary>
/// Creates WHIP and WHEP sessions from offers and keeps them until they end: the DTLS certificate
/// (<c>&lt;data&gt;/webrtc/dtls.pem</c>, so the fingerprint survives restarts), the shared UDP port, and
/// what a session reaches in the media core. Sessions are listed with every other in the API.
/// </summary>
internal sealed partial class WebRtcServer(
    ServiceState state, ConfigManager config, PathManager paths, SourceSupervisor sources, AudioConverterHub audio, MediaBufferPool pool, EventBus events,
    SessionRegistry registry, WebRtcTransport transport, TimeProvider time, ILoggerFactory loggers) : IHostedService
{
    private readonly ConcurrentDictionary<string, WebRtcSession> _sessions = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggers.CreateLogger<WebRtcServer>();
    private DtlsCertificate? _certificate;
    private long _offersRefused;

    public EventBus Events => events;

    public AudioConverterHub Audio => audio;

    public WebRtcTransport Transport => transport;

    /// <summary>The DTLS certificate's fingerprint (what answers carry), once started.</summary>
    public string? Fingerprint => _certificate?.Fingerprint;

    public IReadOnlyCollection<WebRtcSession> Sessions => (IReadOnlyCollection<WebRtcSession>)_sessions.Values;

    /// <summary>Offers refused (malformed SDP, no common codec, busy path...).</summary>
    public long OffersRefused => Interlocked.Read(ref _offersRefused);

    public WebRtcSession? Find(string id) => _sessions.GetValueOrDefault(id);

    /// <summary>The <c>Link</c> headers of <c>webrtc.iceServers</c> (the validator has checked them).</summary>
    public IEnumerable<string> IceServerLinks =>
        config.Current.Config.WebRtc.IceServers.Select(s => IceServer.TryParse(s, out var server) ? server.ToLinkHeader() : null).OfType<string>();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _certificate = DtlsCertificate.LoadOrCreate(state.DataDirectory, time, out bool created);
        Log.Certificate(_logger, created ? "created" : "loaded", _certificate.Fingerprint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var session in _sessions.Values)
        {
            session.End("shutting down");
        }

        await Task.WhenAll(_sessions.Values.Select(s => s.Ended)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>WHEP: a viewer's offer for <paramref name="path"/>, already authorized.</summary>
    public async Task<WebRtcOfferResult> PlayAsync(MediaPath path, string offerText, string remote, CancellationToken cancellationToken)
    {
        if (Prepare(offerText, out string invalid) is not { } offer)
        {
            return Refuse(path.Name, remote, 400, invalid);
        }

        if (!await sources.EnsureSourceAsync(path, cancellationToken).ConfigureAwait(false) || path.State != PathState.Ready)
        {
            return Refuse(path.Name, remote, 404, PathSources.IsPulled(path.Config.Source) ? "The path's source is not ready." : "No one is publishing to this path.");
        }

        if (WebRtcNegotiation.ForPlayback(offer, path.Tracks, out string error) is not { } media)
        {
            return Refuse(path.Name, remote, 406, error);
        }

        if (path.Config.MaxReaders is > 0 and var max && path.Readers.Count >= max)
        {
            return Refuse(path.Name, remote, 503, "The path has as many readers as it allows.");
        }

        return Start(WebRtcSessionKind.Whep, path, offer, media, remote, null);
    }

    /// <summary>WHIP: a publisher's offer for <paramref name="path"/>, already authorized.</summary>
    public WebRtcOfferResult Publish(MediaPath path, string offerText, string remote)
    {
        if (PathSources.IsPulled(path.Config.Source))
        {
            return Refuse(path.Name, remote, 403, "This path pulls its source; it takes no publisher.");
        }

        if (Prepare(offerText, out string invalid) is not { } offer)
        {
            return Refuse(path.Name, remote, 400, invalid);
        }

        if (WebRtcNegotiation.ForPublish(offer, out string error) is not { } media)
        {
            return Refuse(path.Name, remote, 406, error);
        }

        var tracks = new List<(int, MediaTrack)>();
        foreach (var answer in media)
        {
            if (answer.Codec is { } codec && RtspTracks.ToMediaTrack(tracks.Count,
                new SdpTrack(codec.PayloadType, codec.Encoding, codec.ClockRate, codec.Channels, codec.Fmtp, null, answer.Offer.Kind)) is { } track)
            {
                tracks.Add((codec.PayloadType, track));
            }
        }

        return Start(WebRtcSessionKind.Whip, path, offer, media, remote, tracks);
    }

    private WebRtcOfferResult Start(WebRtcSessionKind kind, MediaPath path, WebRtcOffer offer, IReadOnlyList<WebRtcMediaAnswer> media, string remote,
        List<(int PayloadType, MediaTrack Track)>? publish)
    {
        if (!transport.Available || _certificate is null)
        {
            return Refuse(path.Name, remote, 503, "WebRTC is not available: its UDP port is not open (see webrtc.address).");
        }

        var session = new WebRtcSession(this, kind, path, offer, media, remote, _certificate, transport, config.Current.Config.WebRtc.SessionTimeout,
            time, loggers.CreateLogger<WebRtcSession>());
        if (publish is not null)
        {
            var refusal = path.TryPublish(session.Id, "webrtc publisher", publish.Select(p => p.Track).ToList(), path.Config.OverridePublisher ?? false, out var source);
            if (refusal != PublishRefusal.None)
            {
                events.Publish(EventTypes.PublisherRefused, path.Name, session.Id, $"WebRTC publisher {remote} refused: someone is already publishing");
                return Refuse(path.Name, remote, 409, "Someone is already publishing to this path.");
            }

            session.AttachSource(source!, publish, pool);
            string codecs = string.Join(", ", publish.Select(p => p.Track.Codec.Name()));
            events.Publish(EventTypes.SourceReady, path.Name, session.Id, $"WebRTC publisher {remote} is publishing {codecs}");
        }

        string answer = WebRtcAnswer.Write(offer, media, session.LocalUfrag, session.LocalPassword, _certificate.Fingerprint, session.DtlsSetup,
            transport.Candidates, (ulong)time.GetUtcNow().ToUnixTimeMilliseconds(), "edgebox");
        _sessions[session.Id] = session;
        registry.Add(session);
        transport.Register(session);
        Log.SessionStarted(_logger, session.Id, kind == WebRtcSessionKind.Whip ? "WHIP" : "WHEP", path.Name, remote);
        _ = Task.Run(session.RunAsync);
        return new WebRtcOfferResult(201, answer, session, null);
    }

    /// <summary>Called by a session that has ended and released its resources.</summary>
    internal void Forget(WebRtcSession session)
    {
        _sessions.TryRemove(new KeyValuePair<string, WebRtcSession>(session.Id, session));
        registry.Remove(session);
        paths.ReleaseIfUnused(session.PathRef);
    }

    private static WebRtcOffer? Prepare(string offerText, out string error)
    {
        if (!WebRtcOffer.TryParse(offerText, out var offer, out error))
        {
            return null;
        }

        if (!DtlsFingerprint.TryParse(offer.Fingerprint, out _))
        {
            error = $"The offer's a=fingerprint '{offer.Fingerprint}' is not a known hash with a hex value.";
            return null;
        }

        return offer;
    }

    private WebRtcOfferResult Refuse(string path, string remote, int status, string error)
    {
        Interlocked.Increment(ref _offersRefused);
        Log.OfferRefused(_logger, path, remote, status, error);
        return WebRtcOfferResult.Refused(status, error);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcCertificate, EventName = "WebRtcCertificate", Level = LogLevel.Information,
            Message = "WebRTC DTLS certificate {How}: fingerprint {Fingerprint}")]
        public static partial void Certificate(ILogger logger, string how, string fingerprint);

        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcSessionStarted, EventName = "WebRtcSessionStarted", Level = LogLevel.Information,
            Message = "WebRTC session {Session}: {Kind} on path {Path} from {Remote}")]
        public static partial void SessionStarted(ILogger logger, string session, string kind, string path, string remote);

        [LoggerMessage(EventId = Infrastructure.EventIds.WebRtcOfferRefused, EventName = "WebRtcOfferRefused", Level = LogLevel.Warning,
            Message = "WebRTC offer for path {Path} from {Remote} refused with {Status}: {Reason}")]
        public static partial void OfferRefused(ILogger logger, string path, string remote, int status, string reason);
    }
}
