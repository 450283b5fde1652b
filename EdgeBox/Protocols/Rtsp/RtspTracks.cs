using EdgeBox.Media;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Maps SDP tracks (what a publisher announces) to media tracks and back (what DESCRIBE answers).</summary>
internal static class RtspTracks
{
    /// <summary>Dynamic payload types start here (RFC 3551 §3).</summary>
    public const int FirstDynamicPayloadType = 96;

    /// <summary>The media track for an announced SDP track, or null when EdgeBox does not carry its codec.</summary>
    public static MediaTrack? ToMediaTrack(int index, SdpTrack track)
    {
        switch (track.Codec)
        {
            case CodecId.H264:
                var h264 = track.H264!;
                return new MediaTrack(index, CodecId.H264, 90000, 0,
                    ParameterSets.WithDimensions(CodecId.H264, new CodecParameters { Sps = h264.Sps, Pps = h264.Pps }));
            case CodecId.H265:
                var h265 = track.H265!;
                return new MediaTrack(index, CodecId.H265, 90000, 0,
                    ParameterSets.WithDimensions(CodecId.H265, new CodecParameters { Vps = h265.Vps, Sps = h265.Sps, Pps = h265.Pps }));
            case CodecId.Aac:
                var aac = track.Aac!;
                if (aac.Config is null || aac.SizeLength != 13)
                {
                    return null; // only AAC-hbr with a config is carried
                }

                return new MediaTrack(index, CodecId.Aac, track.ClockRate > 0 ? track.ClockRate : aac.SampleRate ?? 48000,
                    aac.ChannelConfiguration ?? Math.Max(1, track.Channels), new CodecParameters { AudioSpecificConfig = aac.Config });
            case CodecId.Opus:
                return new MediaTrack(index, CodecId.Opus, 48000, track.Channels >= 2 ? 2 : track.Opus?.Channels ?? 2, CodecParameters.None);
            case CodecId.Mjpeg or CodecId.Vp8 or CodecId.Av1:
                // VP8 has no parameters and AV1's sequence header comes in-band: the first key frame fills them in.
                return new MediaTrack(index, track.Codec.Value, 90000, 0, CodecParameters.None);
            case CodecId.Vp9:
                return new MediaTrack(index, CodecId.Vp9, 90000, 0, new CodecParameters { Profile = track.Vp9!.ProfileId });
            case CodecId.Pcmu or CodecId.Pcma:
                return new MediaTrack(index, track.Codec.Value, track.ClockRate > 0 ? track.ClockRate : 8000, Math.Max(1, track.Channels), CodecParameters.None);
            default:
                return null;
        }
    }

    /// <summary>The payload type a track is served with: G.711's static ones, else a dynamic one per track.</summary>
    public static byte PayloadType(MediaTrack track) => track.Codec switch
    {
        CodecId.Pcmu when track.ClockRate == 8000 && track.Channels == 1 => 0,
        CodecId.Pcma when track.ClockRate == 8000 && track.Channels == 1 => 8,
        CodecId.Mjpeg => 26, // static JPEG/90000 (RFC 3551 §6)
        _ => (byte)(FirstDynamicPayloadType + track.Index),
    };

    /// <summary>The SDP track that describes a media track to readers, with control <c>trackID=N</c>.</summary>
    public static SdpTrack ToSdpTrack(MediaTrack track)
    {
        int payloadType = PayloadType(track);
        var parameters = track.Parameters;
        var sdp = track.Codec switch
        {
            CodecId.H264 => SdpTrack.ForH264(payloadType, parameters.Sps ?? [], parameters.Pps ?? []),
            CodecId.H265 => SdpTrack.ForH265(payloadType, parameters.Vps ?? [], parameters.Sps ?? [], parameters.Pps ?? []),
            CodecId.Aac => SdpTrack.ForAac(payloadType, parameters.AudioSpecificConfig ?? []),
            CodecId.Opus => SdpTrack.ForOpus(payloadType, track.Channels >= 2),
            CodecId.Pcmu when payloadType == 0 => SdpTrack.ForPcmu(),
            CodecId.Pcma when payloadType == 8 => SdpTrack.ForPcma(),
            CodecId.Pcmu => new SdpTrack(payloadType, "PCMU", track.ClockRate, track.Channels, FmtpParameters.Empty, null, "audio"),
            CodecId.Pcma => new SdpTrack(payloadType, "PCMA", track.ClockRate, track.Channels, FmtpParameters.Empty, null, "audio"),
            CodecId.Vp8 => SdpTrack.ForVp8(payloadType),
            CodecId.Vp9 => SdpTrack.ForVp9(payloadType, parameters.Profile),
            CodecId.Av1 => SdpTrack.ForAv1(payloadType, parameters.SequenceHeader),
            _ => SdpTrack.ForMjpeg(),
        };
        return sdp with { Control = $"trackID={track.Index}" };
    }

    /// <summary>The track index a SETUP URL names (<c>.../trackID=N</c>), or -1.</summary>
    public static int IndexFromControl(string url, IReadOnlyList<string> announcedControls)
    {
        for (int i = 0; i < announcedControls.Count; i++)
        {
            if (string.Equals(announcedControls[i], url, StringComparison.Ordinal))
            {
                return i;
            }
        }

        int marker = url.LastIndexOf("trackID=", StringComparison.OrdinalIgnoreCase);
        if (marker >= 0 && int.TryParse(url.AsSpan(marker + 8).TrimEnd('/'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            return index;
        }

        return announcedControls.Count == 1 ? 0 : -1;
    }
}
