using System.Globalization;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Builds the description a server answers DESCRIBE with (or a client ANNOUNCEs): the session
/// lines, then per track <c>m=</c>, <c>a=rtpmap</c>, <c>a=fmtp</c> and <c>a=control:trackID=N</c>.
/// <code>
/// v=0
/// o=- 1234 1234 IN IP4 127.0.0.1
/// s=cam
/// c=IN IP4 0.0.0.0
/// t=0 0
/// a=control:*
/// m=video 0 RTP/AVP 96
/// a=rtpmap:96 H264/90000
/// a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAC9oF...,aM4PyA==; profile-level-id=42C00B
/// a=control:trackID=0
/// </code>
/// </summary>
internal static class SdpBuilder
{
    /// <param name="sessionName">The <c>s=</c> line (the path name); empty becomes <c>-</c> (RFC 8866 §5.3).</param>
    /// <param name="sessionId">The <c>o=</c> session id and version; an NTP-like number that changes when the tracks do.</param>
    /// <param name="tracks">Track N gets <c>a=control:trackID=N</c>; their own <see cref="SdpTrack.Control"/> is not used.</param>
    /// <param name="originAddress">The address in <c>o=</c>.</param>
    public static SessionDescription Build(string sessionName, ulong sessionId, IReadOnlyList<SdpTrack> tracks, string originAddress = "127.0.0.1")
    {
        ArgumentNullException.ThrowIfNull(sessionName);
        ArgumentNullException.ThrowIfNull(tracks);
        var id = sessionId.ToString(CultureInfo.InvariantCulture);
        var sdp = new SessionDescription();
        sdp.AddLine('o', $"- {id} {id} IN IP4 {originAddress}");
        sdp.AddLine('s', sessionName.Length == 0 ? "-" : sessionName);
        sdp.AddLine('c', "IN IP4 0.0.0.0");
        sdp.AddLine('t', "0 0");
        sdp.AddAttribute("control", "*");
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            var pt = track.PayloadType.ToString(CultureInfo.InvariantCulture);
            var media = new MediaDescription(track.MediaType, 0, "RTP/AVP", [pt]);
            if (track.BandwidthKbps is { } kbps)
            {
                media.AddLine('b', "AS:" + kbps.ToString(CultureInfo.InvariantCulture));
            }

            // Mono on a static type (PCMU/8000) stays short; dynamic audio says its channels (MPEG4-GENERIC/48000/1, opus/48000/2).
            var audio = track.MediaType.Equals("audio", StringComparison.OrdinalIgnoreCase);
            int? channels = audio && track.Channels > 0 && !(track.Channels == 1 && track.PayloadType < 96) ? track.Channels : null;
            media.AddAttribute("rtpmap", new SdpRtpMap(track.PayloadType, track.Encoding, track.ClockRate, channels).ToString());
            if (track.Fmtp.Count > 0)
            {
                media.AddAttribute("fmtp", pt + " " + (track.Fmtp as FmtpParameters ?? new FmtpParameters(track.Fmtp)));
            }

            media.AddAttribute("control", "trackID=" + i.ToString(CultureInfo.InvariantCulture));
            if (track.Direction != SdpDirection.Unspecified)
            {
                media.AddAttribute(track.Direction switch
                {
                    SdpDirection.SendRecv => "sendrecv",
                    SdpDirection.SendOnly => "sendonly",
                    SdpDirection.RecvOnly => "recvonly",
                    _ => "inactive",
                });
            }

            sdp.Media.Add(media);
        }

        return sdp;
    }
}
