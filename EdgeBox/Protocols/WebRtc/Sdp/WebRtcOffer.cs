using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Protocols.WebRtc.Sdp;

/// <summary>One payload type a WebRTC peer offers in a media section, with its fmtp and RTCP feedback.</summary>
/// <param name="Feedback">The <c>a=rtcp-fb</c> values for this payload type (and <c>*</c>): "nack", "nack pli", "ccm fir", "goog-remb", "transport-cc".</param>
internal sealed record WebRtcCodec(int PayloadType, string Encoding, int ClockRate, int Channels, FmtpParameters Fmtp, IReadOnlyList<string> Feedback)
{
    /// <summary>The EdgeBox codec, or null for one EdgeBox does not carry (rtx, red, ulpfec, telephone-event...).</summary>
    public CodecId? Codec => IsAuxiliary ? null : new SdpTrack(PayloadType, Encoding, ClockRate, Channels, Fmtp, null, "").Codec;

    /// <summary>Payload types that are not media of their own (RFC 4588 rtx, RFC 2198 red, FEC, DTMF).</summary>
    public bool IsAuxiliary => Encoding.ToUpperInvariant() is "RTX" or "RED" or "ULPFEC" or "FLEXFEC-03" or "TELEPHONE-EVENT" or "CN";

    /// <summary>H.264's <c>packetization-mode</c> (0 when absent, RFC 6184 §8.1).</summary>
    public int PacketizationMode => int.TryParse(Fmtp.Get("packetization-mode"), NumberStyles.None, CultureInfo.InvariantCulture, out int mode) ? mode : 0;

    /// <summary>H.264's profile_idc and constraint flags from <c>profile-level-id</c> (the first two bytes), or null.</summary>
    public int? H264Profile => Fmtp.Get("profile-level-id") is { Length: 6 } id
        && int.TryParse(id.AsSpan(0, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int profile) ? profile : null;

    public bool HasFeedback(string value) => Feedback.Contains(value, StringComparer.OrdinalIgnoreCase);
}

/// <summary>One media section of an offer.</summary>
/// <param name="Index">Position in the offer (the answer keeps the order).</param>
/// <param name="Kind"><c>audio</c>, <c>video</c> or <c>application</c>.</param>
/// <param name="Extensions">RTP header extensions offered (<c>a=extmap</c>): id and URI.</param>
/// <param name="Ssrc">The first <c>a=ssrc</c> the offerer will send with, when it says.</param>
internal sealed record WebRtcMediaOffer(
    int Index, string Kind, string Mid, string Protocol, int Port, SdpDirection Direction, IReadOnlyList<WebRtcCodec> Codecs,
    IReadOnlyList<(int Id, string Uri)> Extensions, uint? Ssrc, IReadOnlyList<string> Formats, bool RtcpReducedSize)
{
    public bool IsVideo => Kind.Equals("video", StringComparison.OrdinalIgnoreCase);

    public bool IsAudio => Kind.Equals("audio", StringComparison.OrdinalIgnoreCase);

    /// <summary>The RTX payload type (RFC 4588) that protects <paramref name="payloadType"/>, if offered.</summary>
    public int? RtxFor(int payloadType) => Codecs.FirstOrDefault(c => c.Encoding.Equals("rtx", StringComparison.OrdinalIgnoreCase)
        && c.Fmtp.Get("apt") == payloadType.ToString(CultureInfo.InvariantCulture))?.PayloadType;

    /// <summary>The id the offer gives a header extension URI, or null.</summary>
    public int? ExtensionId(string uri) => Extensions.FirstOrDefault(e => e.Uri == uri) is { Uri: not null } e ? e.Id : null;
}

/// <summary>
/// A WebRTC SDP offer (JSEP, RFC 9429) as a WHIP or WHEP client sends it, reduced to what an ICE-lite
/// answerer needs: ICE credentials, the DTLS fingerprint and role, and per media section the mid, the
/// direction and the codecs. EdgeBox only does BUNDLE with rtcp-mux (RFC 9143, RFC 5761), as every
/// browser does; an offer without either is refused with the reason.
/// </summary>
internal sealed class WebRtcOffer
{
    /// <summary>Largest offer accepted: Chromium's offers are 3-8 KB; 64 KiB leaves room for many codecs.</summary>
    public const int MaxBytes = 64 * 1024;

    private WebRtcOffer(string iceUfrag, string icePassword, string fingerprint, string setup, IReadOnlyList<WebRtcMediaOffer> media,
        IReadOnlyList<string> bundle, IReadOnlyList<string> candidates)
    {
        IceUfrag = iceUfrag;
        IcePassword = icePassword;
        Fingerprint = fingerprint;
        Setup = setup;
        Media = media;
        BundleMids = bundle;
        Candidates = candidates;
    }

    public string IceUfrag { get; }

    public string IcePassword { get; }

    /// <summary>The <c>a=fingerprint</c> value: "sha-256 AB:CD:...".</summary>
    public string Fingerprint { get; }

    /// <summary><c>actpass</c>, <c>active</c> or <c>passive</c> (RFC 4145 / RFC 8842).</summary>
    public string Setup { get; }

    public IReadOnlyList<WebRtcMediaOffer> Media { get; }

    /// <summary>The mids of the <c>a=group:BUNDLE</c> line.</summary>
    public IReadOnlyList<string> BundleMids { get; }

    /// <summary>Candidates written in the offer (non-trickle clients), as <c>a=candidate</c> values.</summary>
    public IReadOnlyList<string> Candidates { get; }

    /// <summary>
    /// Parses and checks an offer. Returns false with a sentence for the client (the HTTP 400 body) when
    /// it is not SDP, lacks ICE credentials or a fingerprint, or does not bundle with rtcp-mux.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out WebRtcOffer? offer, out string error)
    {
        offer = null;
        if (!SessionDescription.TryParse(text, new SdpLimits { MaxBytes = MaxBytes, MaxMediaSections = 16 }, out var sdp, out var parseError))
        {
            error = $"The offer is not valid SDP ({parseError}).";
            return false;
        }

        if (sdp.Media.Count == 0)
        {
            error = "The offer has no media section.";
            return false;
        }

        string? sessionUfrag = sdp.GetAttribute("ice-ufrag"), sessionPassword = sdp.GetAttribute("ice-pwd");
        string? sessionFingerprint = sdp.GetAttribute("fingerprint"), sessionSetup = sdp.GetAttribute("setup");
        var bundle = sdp.GetAttributes("group").Select(g => g.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(g => g.Length > 1 && g[0].Equals("BUNDLE", StringComparison.OrdinalIgnoreCase))?.Skip(1).ToList() ?? [];
        string? ufrag = null, password = null, fingerprint = null, setup = null;
        var media = new List<WebRtcMediaOffer>();
        var candidates = new List<string>();
        for (int i = 0; i < sdp.Media.Count; i++)
        {
            var section = sdp.Media[i];
            string mid = section.GetAttribute("mid")?.Trim() ?? i.ToString(CultureInfo.InvariantCulture);
            bool rejected = section.Port == 0 && !section.Attributes.Any(a => a.Name.Equals("bundle-only", StringComparison.OrdinalIgnoreCase));
            if (!rejected)
            {
                ufrag ??= section.GetAttribute("ice-ufrag")?.Trim();
                password ??= section.GetAttribute("ice-pwd")?.Trim();
                fingerprint ??= section.GetAttribute("fingerprint")?.Trim();
                setup ??= section.GetAttribute("setup")?.Trim();
                if (section.IsRtp && !section.Attributes.Any(a => a.Name.Equals("rtcp-mux", StringComparison.OrdinalIgnoreCase)))
                {
                    error = $"Media section {mid} does not offer rtcp-mux; EdgeBox needs RTP and RTCP on one port (RFC 8834 §4.5).";
                    return false;
                }
            }

            candidates.AddRange(section.GetAttributes("candidate"));
            media.Add(ReadMedia(i, mid, section, rejected, sdp.Direction));
        }

        ufrag ??= sessionUfrag?.Trim();
        password ??= sessionPassword?.Trim();
        fingerprint ??= sessionFingerprint?.Trim();
        setup ??= sessionSetup?.Trim() ?? "actpass";
        if (string.IsNullOrEmpty(ufrag) || string.IsNullOrEmpty(password))
        {
            error = "The offer has no a=ice-ufrag or a=ice-pwd.";
            return false;
        }

        if (ufrag.Length is < 4 or > 256 || password.Length is < 22 or > 256)
        {
            error = "The offer's ICE credentials are out of range (RFC 8839 §5.4: ufrag 4-256, pwd 22-256 characters).";
            return false;
        }

        if (string.IsNullOrEmpty(fingerprint))
        {
            error = "The offer has no a=fingerprint; DTLS-SRTP needs one (RFC 8842).";
            return false;
        }

        if (setup is not ("actpass" or "active" or "passive"))
        {
            error = $"The offer's a=setup:{setup} is not actpass, active or passive.";
            return false;
        }

        if (media.Count(m => m.Port != 0 || bundle.Contains(m.Mid)) > 1 && bundle.Count == 0)
        {
            error = "The offer has several media sections but no a=group:BUNDLE; EdgeBox serves every track on one transport (RFC 9143).";
            return false;
        }

        candidates.AddRange(sdp.GetAttributes("candidate"));
        offer = new WebRtcOffer(ufrag, password, fingerprint, setup, media, bundle, candidates);
        error = "";
        return true;
    }

    private static WebRtcMediaOffer ReadMedia(int index, string mid, MediaDescription section, bool rejected, SdpDirection sessionDirection)
    {
        var wildcardFeedback = FeedbackFor(section, "*");
        var codecs = new List<WebRtcCodec>();
        bool audio = section.Media.Equals("audio", StringComparison.OrdinalIgnoreCase);
        if (section.IsRtp)
        {
            foreach (int pt in section.PayloadTypes)
            {
                var map = section.GetRtpMap(pt) ?? SdpStaticPayloadTypes.Get(pt);
                if (map is null)
                {
                    continue;
                }

                var feedback = FeedbackFor(section, pt.ToString(CultureInfo.InvariantCulture)).Concat(wildcardFeedback).ToList();
                codecs.Add(new WebRtcCodec(pt, map.Encoding, map.ClockRate, map.Channels ?? (audio ? 1 : 0), section.GetFmtp(pt), feedback));
            }
        }

        var extensions = new List<(int, string)>();
        foreach (string extmap in section.GetAttributes("extmap"))
        {
            // a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285 §8)
            var parts = extmap.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && int.TryParse(parts[0].Split('/')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id is >= 1 and <= 255)
            {
                extensions.Add((id, parts[1]));
            }
        }

        uint? ssrc = null;
        foreach (string line in section.GetAttributes("ssrc"))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (uint.TryParse(space < 0 ? line : line[..space], NumberStyles.None, CultureInfo.InvariantCulture, out uint value))
            {
                ssrc = value;
                break;
            }
        }

        var direction = section.Direction is var d && d != SdpDirection.Unspecified ? d : sessionDirection;
        if (direction == SdpDirection.Unspecified)
        {
            direction = SdpDirection.SendRecv;
        }

        bool reduced = section.Attributes.Any(a => a.Name.Equals("rtcp-rsize", StringComparison.OrdinalIgnoreCase));
        return new WebRtcMediaOffer(index, section.Media, mid, section.Protocol, rejected ? 0 : Math.Max(section.Port, 1), direction, codecs, extensions, ssrc,
            section.Formats, reduced);
    }

    private static IEnumerable<string> FeedbackFor(MediaDescription section, string payloadType)
    {
        foreach (string value in section.GetAttributes("rtcp-fb"))
        {
            int space = value.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && value.AsSpan(0, space).SequenceEqual(payloadType))
            {
                yield return value[(space + 1)..].Trim();
            }
        }
    }
}
