using EdgeBox.Media;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// One RTP track of a description, reduced to what a session needs: the payload type, the
/// encoding with its clock rate and channels (from <c>a=rtpmap</c>, or the static table of RFC 3551
/// for payload types such as 0, 8 and 26), the fmtp parameters, and the control URL. The typed
/// codec parameters read <see cref="Fmtp"/>.
/// </summary>
/// <param name="PayloadType">0..127.</param>
/// <param name="Encoding">As written (<c>H264</c>, <c>MPEG4-GENERIC</c>, <c>opus</c>...); "" for a dynamic type without rtpmap.</param>
/// <param name="ClockRate">RTP clock in Hz; 0 when unknown.</param>
/// <param name="Channels">Audio channels from the rtpmap (1 when absent); 0 for video.</param>
/// <param name="Fmtp">The fmtp parameters of this payload type, keys case-insensitive.</param>
/// <param name="Control">The <c>a=control</c> value as written, or null: resolve it with <see cref="ResolveControl"/>.</param>
/// <param name="MediaType"><c>video</c>, <c>audio</c>, <c>application</c>.</param>
internal sealed record SdpTrack(
    int PayloadType, string Encoding, int ClockRate, int Channels, IReadOnlyDictionary<string, string> Fmtp, string? Control, string MediaType)
{
    /// <summary>The section's direction attribute, else the session's.</summary>
    public SdpDirection Direction { get; init; }

    /// <summary><c>b=AS</c> of the section, in kbit/s.</summary>
    public int? BandwidthKbps { get; init; }

    /// <summary>The EdgeBox codec this track carries, or null for one EdgeBox does not handle.</summary>
    public CodecId? Codec => CodecFor(Encoding, Fmtp);

    public H264Parameters? H264 => Codec == CodecId.H264 ? H264Parameters.FromFmtp(Fmtp) : null;

    public H265Parameters? H265 => Codec == CodecId.H265 ? H265Parameters.FromFmtp(Fmtp) : null;

    public AacParameters? Aac => Codec == CodecId.Aac ? AacParameters.FromFmtp(Fmtp) : null;

    public OpusParameters? Opus => Codec == CodecId.Opus ? OpusParameters.FromFmtp(Fmtp) : null;

    public Vp9Parameters? Vp9 => Codec == CodecId.Vp9 ? Vp9Parameters.FromFmtp(Fmtp) : null;

    public Av1Parameters? Av1 => Codec == CodecId.Av1 ? Av1Parameters.FromFmtp(Fmtp) : null;

    /// <summary>The URL of this track given the description's base (see <see cref="SdpControl"/>).</summary>
    public string ResolveControl(string baseUrl) => SdpControl.Resolve(Control, baseUrl);

    public static SdpTrack ForH264(int payloadType, ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps) =>
        new(payloadType, "H264", 90000, 0, H264Parameters.FromParameterSets(sps, pps).ToFmtp(), null, "video");

    public static SdpTrack ForH265(int payloadType, ReadOnlySpan<byte> vps, ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps) =>
        new(payloadType, "H265", 90000, 0, H265Parameters.FromParameterSets(vps, sps, pps).ToFmtp(), null, "video");

    /// <summary>MPEG4-GENERIC AAC-hbr; the clock rate and channels come from the AudioSpecificConfig.</summary>
    public static SdpTrack ForAac(int payloadType, ReadOnlySpan<byte> audioSpecificConfig)
    {
        var parameters = AacParameters.FromConfig(audioSpecificConfig);
        if (parameters.SampleRate is not { } rate)
        {
            throw new ArgumentException("Not an AudioSpecificConfig.", nameof(audioSpecificConfig));
        }

        return new(payloadType, "MPEG4-GENERIC", rate, Math.Max(1, parameters.ChannelConfiguration ?? 1), parameters.ToFmtp(), null, "audio");
    }

    /// <summary>Opus is always <c>opus/48000/2</c> (RFC 7587 §7); a stereo sender says <c>sprop-stereo=1</c>.</summary>
    public static SdpTrack ForOpus(int payloadType, bool stereo) =>
        new(payloadType, "opus", 48000, 2, new OpusParameters { SpropStereo = stereo, Stereo = stereo }.ToFmtp(), null, "audio");

    /// <summary>G.711 mu-law on its static payload type 0.</summary>
    public static SdpTrack ForPcmu() => new(0, "PCMU", 8000, 1, FmtpParameters.Empty, null, "audio");

    /// <summary>G.711 A-law on its static payload type 8.</summary>
    public static SdpTrack ForPcma() => new(8, "PCMA", 8000, 1, FmtpParameters.Empty, null, "audio");

    /// <summary>Motion JPEG (RFC 2435) on its static payload type 26.</summary>
    public static SdpTrack ForMjpeg() => new(26, "JPEG", 90000, 0, FmtpParameters.Empty, null, "video");

    /// <summary><c>VP8/90000</c> (RFC 7741 §6.1); its optional max-fr and max-fs describe a receiver, so a sender writes none.</summary>
    public static SdpTrack ForVp8(int payloadType) => new(payloadType, "VP8", 90000, 0, FmtpParameters.Empty, null, "video");

    /// <summary><c>VP9/90000</c> (RFC 9628 §6.1) with <c>profile-id</c> when the profile is known.</summary>
    public static SdpTrack ForVp9(int payloadType, int? profile) =>
        new(payloadType, "VP9", 90000, 0, new Vp9Parameters { ProfileId = profile }.ToFmtp(), null, "video");

    /// <summary><c>AV1/90000</c> with profile, level-idx and tier from the sequence header OBU, when there is one.</summary>
    public static SdpTrack ForAv1(int payloadType, ReadOnlySpan<byte> sequenceHeader) =>
        new(payloadType, "AV1", 90000, 0, Av1Parameters.FromSequenceHeader(sequenceHeader).ToFmtp(), null, "video");

    internal static SdpTrack? FromMedia(MediaDescription media, SdpDirection sessionDirection)
    {
        if (!media.IsRtp)
        {
            return null;
        }

        SdpTrack? first = null;
        foreach (var pt in media.PayloadTypes)
        {
            var map = media.GetRtpMap(pt) ?? SdpStaticPayloadTypes.Get(pt);
            var fmtp = media.GetFmtp(pt);
            var audio = media.Media.Equals("audio", StringComparison.OrdinalIgnoreCase);
            var track = new SdpTrack(
                pt, map?.Encoding ?? "", map?.ClockRate ?? 0, map?.Channels ?? (audio ? 1 : 0), fmtp, media.Control, media.Media)
            {
                Direction = media.Direction is var d && d != SdpDirection.Unspecified ? d : sessionDirection,
                BandwidthKbps = media.BandwidthAs,
            };
            if (track.Codec is not null)
            {
                return track;
            }

            first ??= track;
        }

        return first;
    }

    private static CodecId? CodecFor(string encoding, IReadOnlyDictionary<string, string> fmtp)
    {
        switch (encoding.ToUpperInvariant())
        {
            case "H264":
                return CodecId.H264;
            case "H265" or "HEVC":
                return CodecId.H265;
            case "MPEG4-GENERIC":
                // RFC 3640 carries more than AAC (CELP, ...): AAC is mode AAC-hbr/AAC-lbr, or a sloppy
                // camera's missing mode with an AudioSpecificConfig.
                var mode = fmtp.TryGetValue("mode", out var m) ? m : null;
                return mode is null
                    ? fmtp.ContainsKey("config") ? CodecId.Aac : null
                    : mode.StartsWith("AAC", StringComparison.OrdinalIgnoreCase) ? CodecId.Aac : null;
            case "OPUS":
                return CodecId.Opus;
            case "PCMU":
                return CodecId.Pcmu;
            case "PCMA":
                return CodecId.Pcma;
            case "JPEG":
                return CodecId.Mjpeg;
            case "VP8":
                return CodecId.Vp8;
            case "VP9":
                return CodecId.Vp9;
            case "AV1":
                return CodecId.Av1;
            default:
                return null;
        }
    }
}
