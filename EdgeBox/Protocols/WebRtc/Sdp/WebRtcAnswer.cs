using System.Globalization;
using System.Net;
using System.Text;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Protocols.WebRtc.Sdp;

/// <summary>A host candidate of the shared UDP port (RFC 8839 §5.1).</summary>
internal sealed record IceCandidate(IPAddress Address, int Port, uint Priority, string Foundation)
{
    /// <summary>
    /// Host candidates for <paramref name="addresses"/> in order of preference: type preference 126 for
    /// host (RFC 8445 §5.1.2.2), local preference counting down, component 1.
    /// </summary>
    public static IReadOnlyList<IceCandidate> Hosts(IReadOnlyList<IPAddress> addresses, int port)
    {
        var list = new List<IceCandidate>(addresses.Count);
        for (int i = 0; i < addresses.Count; i++)
        {
            uint localPreference = (uint)Math.Max(0, 65535 - i);
            list.Add(new IceCandidate(addresses[i], port, (126u << 24) | (localPreference << 8) | 255u, (i + 1).ToString(CultureInfo.InvariantCulture)));
        }

        return list;
    }

    /// <summary>The <c>a=candidate</c> value.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Foundation} 1 udp {Priority} {Address} {Port} typ host");
}

/// <summary>Writes the SDP answer of an ICE-lite, BUNDLE-only, rtcp-mux-only answerer (JSEP, RFC 9429 §5.3).</summary>
internal static class WebRtcAnswer
{
    /// <param name="dtlsSetup">Our role: <c>passive</c> (DTLS server) or <c>active</c> (DTLS client).</param>
    public static string Write(WebRtcOffer offer, IReadOnlyList<WebRtcMediaAnswer> media, string iceUfrag, string icePassword, string fingerprint,
        string dtlsSetup, IReadOnlyList<IceCandidate> candidates, ulong sessionId, string streamId)
    {
        var text = new StringBuilder(2048);
        // A section EdgeBox has nothing for stays in the bundle as inactive with the offer's first codec
        // (aiortc refuses an answer whose audio section is closed with port 0); only one without any
        // codec EdgeBox knows (a data channel) is closed.
        var accepted = media.Where(m => m.Codec is not null || Inactive(m.Offer) is not null).Select(m => m.Offer.Mid).ToList();
        Line(text, $"v=0");
        Line(text, $"o=- {sessionId} 1 IN IP4 127.0.0.1");
        Line(text, "s=-");
        Line(text, "t=0 0");
        Line(text, "a=ice-lite");
        Line(text, "a=group:BUNDLE " + string.Join(' ', accepted));
        Line(text, "a=msid-semantic: WMS " + streamId);
        var first = candidates.Count > 0 ? candidates[0] : null;
        foreach (var answer in media)
        {
            var offered = answer.Offer;
            if ((answer.Codec ?? Inactive(offered)) is not { } codec)
            {
                // Refused: port 0, the offer's first format, out of the bundle (RFC 8843 §7.3.3).
                Line(text, $"m={offered.Kind} 0 {offered.Protocol} {(offered.Formats.Count > 0 ? offered.Formats[0] : "0")}");
                Line(text, "c=IN IP4 0.0.0.0");
                Line(text, "a=mid:" + offered.Mid);
                Line(text, "a=inactive");
                Credentials(text, iceUfrag, icePassword, fingerprint, dtlsSetup); // aiortc checks these in every section
                Line(text, "a=rtcp-mux");
                continue;
            }

            string pt = codec.PayloadType.ToString(CultureInfo.InvariantCulture);
            Line(text, $"m={offered.Kind} {first?.Port ?? 9} UDP/TLS/RTP/SAVPF {pt}");
            Line(text, "c=IN " + (first?.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6 " : "IP4 ") + (first?.Address.ToString() ?? "0.0.0.0"));
            Line(text, "a=mid:" + offered.Mid);
            Credentials(text, iceUfrag, icePassword, fingerprint, dtlsSetup);
            Line(text, answer.Direction switch
            {
                SdpDirection.SendOnly => "a=sendonly",
                SdpDirection.RecvOnly => "a=recvonly",
                _ => "a=inactive",
            });
            Line(text, "a=rtcp-mux");
            if (offered.RtcpReducedSize)
            {
                Line(text, "a=rtcp-rsize");
            }

            string channels = codec.Channels > 1 ? "/" + codec.Channels.ToString(CultureInfo.InvariantCulture) : "";
            Line(text, $"a=rtpmap:{pt} {codec.Encoding}/{codec.ClockRate}{channels}");
            if (codec.Fmtp.Count > 0)
            {
                // Joined with ';' and no space, as browsers write it (libwebrtc splits on ';' only).
                Line(text, $"a=fmtp:{pt} {string.Join(';', codec.Fmtp.Select(p => p.Value.Length == 0 ? p.Key : p.Key + "=" + p.Value))}");
            }

            foreach (string feedback in answer.Feedback)
            {
                Line(text, $"a=rtcp-fb:{pt} {feedback}");
            }

            if (answer.Direction == SdpDirection.SendOnly)
            {
                string track = $"{offered.Kind}{answer.TrackIndex}";
                Line(text, $"a=msid:{streamId} {track}");
                Line(text, $"a=ssrc:{answer.Ssrc} cname:edgebox");
                Line(text, $"a=ssrc:{answer.Ssrc} msid:{streamId} {track}");
            }

            foreach (var candidate in candidates)
            {
                Line(text, "a=candidate:" + candidate);
            }

            Line(text, "a=end-of-candidates");
        }

        return text.ToString();
    }

    private static WebRtcCodec? Inactive(WebRtcMediaOffer offered) =>
        offered.Port == 0 || !(offered.IsAudio || offered.IsVideo) ? null : offered.Codecs.FirstOrDefault(c => c.Codec is not null);

    private static void Credentials(StringBuilder text, string iceUfrag, string icePassword, string fingerprint, string dtlsSetup)
    {
        Line(text, "a=ice-ufrag:" + iceUfrag);
        Line(text, "a=ice-pwd:" + icePassword);
        Line(text, "a=fingerprint:" + fingerprint);
        Line(text, "a=setup:" + dtlsSetup);
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append("\r\n");
}
