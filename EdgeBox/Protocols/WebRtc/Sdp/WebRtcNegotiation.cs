using EdgeBox.Media;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Protocols.WebRtc.Sdp;

/// <summary>What EdgeBox answers for one offered media section.</summary>
/// <param name="Codec">The payload type chosen; null when the section is refused (port 0) or inactive.</param>
/// <param name="Direction">The answer's direction: sendonly (WHEP), recvonly (WHIP) or inactive.</param>
/// <param name="TrackIndex">WHEP: the path track served in this section.</param>
/// <param name="Conversion">WHEP: the codec the path track is converted to first (AAC → Opus), or null when it is sent as it is.</param>
/// <param name="Ssrc">WHEP: the SSRC EdgeBox sends with.</param>
internal sealed record WebRtcMediaAnswer(WebRtcMediaOffer Offer, WebRtcCodec? Codec, SdpDirection Direction, int? TrackIndex = null,
    CodecId? Conversion = null, uint Ssrc = 0)
{
    /// <summary>Refused: port 0 in the answer, outside the BUNDLE group (RFC 8843 §7.3.3).</summary>
    public bool Rejected => Codec is null;

    /// <summary>The RTCP feedback EdgeBox implements, of what the offer lists for the chosen codec.</summary>
    public IEnumerable<string> Feedback => Codec is null ? [] : Codec.Feedback.Distinct(StringComparer.OrdinalIgnoreCase)
        .Where(f => f.ToLowerInvariant() is "nack" or "nack pli" or "ccm fir" or "goog-remb");
}

/// <summary>
/// Chooses codecs for an offer: for WHEP, one offered payload type per path track, in the track's own
/// codec (H.264 with packetization-mode 1 and the closest profile, VP8, VP9, AV1, H.265, Opus, G.711)
/// or, for AAC audio, Opus from the shared converter; for WHIP, the publisher's first offered codec
/// EdgeBox carries in each section it sends. A path whose video the browser cannot take is refused with
/// a sentence naming the codec (HTTP 406).
/// </summary>
internal static class WebRtcNegotiation
{
    /// <summary>Codecs a WHIP publisher may send, by media kind.</summary>
    public static readonly IReadOnlySet<CodecId> PublishVideo = new HashSet<CodecId> { CodecId.H264, CodecId.Vp8, CodecId.Vp9, CodecId.Av1, CodecId.H265 };

    public static readonly IReadOnlySet<CodecId> PublishAudio = new HashSet<CodecId> { CodecId.Opus, CodecId.Pcmu, CodecId.Pcma };

    /// <summary>WHEP: sections for the path's tracks. Null with <paramref name="error"/> when no video or audio can be served.</summary>
    public static IReadOnlyList<WebRtcMediaAnswer>? ForPlayback(WebRtcOffer offer, IReadOnlyList<MediaTrack> tracks, out string error)
    {
        var answers = new List<WebRtcMediaAnswer>();
        var used = new HashSet<int>();
        var refusals = new List<string>();
        foreach (var media in offer.Media)
        {
            if (media.Port == 0 || !(media.IsAudio || media.IsVideo) || media.Direction is SdpDirection.SendOnly or SdpDirection.Inactive)
            {
                answers.Add(Refuse(media));
                continue;
            }

            WebRtcMediaAnswer? chosen = null;
            foreach (var track in tracks)
            {
                if (used.Contains(track.Index) || track.IsVideo != media.IsVideo)
                {
                    continue;
                }

                if (Match(media, track, out var conversion) is { } codec)
                {
                    chosen = new WebRtcMediaAnswer(media, codec, SdpDirection.SendOnly, track.Index, conversion, NewSsrc());
                    used.Add(track.Index);
                    break;
                }

                refusals.Add(track.Codec.Name());
            }

            answers.Add(chosen ?? Refuse(media));
        }

        if (!answers.Any(a => a.Codec is not null))
        {
            error = refusals.Count > 0
                ? $"The client offers no codec for this path's {string.Join(" and ", refusals.Distinct())}; add a transcode profile (for example to h264) and play that path."
                : "The path has no track the client asked for.";
            return null;
        }

        error = "";
        return answers;
    }

    /// <summary>WHIP: sections the publisher sends in. Null with <paramref name="error"/> when no section has a codec EdgeBox carries.</summary>
    public static IReadOnlyList<WebRtcMediaAnswer>? ForPublish(WebRtcOffer offer, out string error)
    {
        var answers = new List<WebRtcMediaAnswer>();
        var refused = new List<string>();
        foreach (var media in offer.Media)
        {
            if (media.Port == 0 || !(media.IsAudio || media.IsVideo) || media.Direction is SdpDirection.RecvOnly or SdpDirection.Inactive)
            {
                answers.Add(Refuse(media));
                continue;
            }

            var allowed = media.IsVideo ? PublishVideo : PublishAudio;
            var codec = media.Codecs.FirstOrDefault(c => c.Codec is { } id && allowed.Contains(id) && (id != CodecId.H264 || c.PacketizationMode == 1));
            if (codec is null)
            {
                refused.AddRange(media.Codecs.Where(c => !c.IsAuxiliary).Select(c => c.Encoding).Take(3));
                answers.Add(Refuse(media));
                continue;
            }

            answers.Add(new WebRtcMediaAnswer(media, codec, SdpDirection.RecvOnly));
        }

        if (!answers.Any(a => a.Codec is not null))
        {
            error = refused.Count > 0
                ? $"None of the offered codecs ({string.Join(", ", refused.Distinct(StringComparer.OrdinalIgnoreCase))}) can be published; EdgeBox takes H264, VP8, VP9, AV1, H265, Opus, PCMU and PCMA."
                : "The offer has no audio or video section to publish.";
            return null;
        }

        error = "";
        return answers;
    }

    private static WebRtcMediaAnswer Refuse(WebRtcMediaOffer media) => new(media, null, SdpDirection.Inactive);

    /// <summary>The offered payload type that carries <paramref name="track"/>, and a conversion when one is needed.</summary>
    private static WebRtcCodec? Match(WebRtcMediaOffer media, MediaTrack track, out CodecId? conversion)
    {
        conversion = null;
        var offered = media.Codecs.Where(c => !c.IsAuxiliary).ToList();
        switch (track.Codec)
        {
            case CodecId.H264:
                return BestH264(offered, track);
            case CodecId.Vp9:
                string profile = (track.Parameters.Profile ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return offered.FirstOrDefault(c => c.Codec == CodecId.Vp9 && (c.Fmtp.Get("profile-id") ?? "0") == profile);
            case CodecId.Vp8 or CodecId.Av1 or CodecId.H265 or CodecId.Opus:
                return offered.FirstOrDefault(c => c.Codec == track.Codec);
            case CodecId.Aac or CodecId.Pcmu or CodecId.Pcma:
                // G.711 goes as it is when the browser takes it (8 kHz mono); AAC, and G.711 it does not take, as Opus.
                if (track.Codec != CodecId.Aac && track.ClockRate == 8000 && track.Channels == 1
                    && offered.FirstOrDefault(c => c.Codec == track.Codec && c.ClockRate == 8000) is { } g711)
                {
                    return g711;
                }

                conversion = CodecId.Opus;
                return offered.FirstOrDefault(c => c.Codec == CodecId.Opus);
            default:
                return null;
        }
    }

    /// <summary>
    /// H.264 with packetization-mode 1 (RFC 6184; mode 0 would need one NAL unit per packet). Browsers
    /// decode every profile they offer, so the choice only decides the fmtp echoed: the offered profile
    /// equal to the stream's (profile_idc and constraint flags), else the same profile_idc, else the first.
    /// </summary>
    private static WebRtcCodec? BestH264(List<WebRtcCodec> offered, MediaTrack track)
    {
        var candidates = offered.Where(c => c.Codec == CodecId.H264 && c.PacketizationMode == 1).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        if (track.Parameters.Sps is { Length: >= 4 } sps)
        {
            int profile = (sps[1] << 8) | sps[2];
            return candidates.FirstOrDefault(c => c.H264Profile == profile)
                ?? candidates.FirstOrDefault(c => c.H264Profile >> 8 == sps[1])
                ?? candidates[0];
        }

        return candidates[0];
    }

    private static uint NewSsrc() => (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue);
}
