using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace EdgeBox.Bench.WebRtcLoad;

/// <summary>This client's ICE credentials (RFC 8839 §5.4: ufrag 4-256, pwd 22-256 ice-chars).</summary>
internal sealed record IceCredentials(string Ufrag, string Password)
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static IceCredentials Create() => new(RandomNumberGenerator.GetString(IceChars, 8), RandomNumberGenerator.GetString(IceChars, 24));
}

/// <summary>
/// The offers the bench clients send, written the way Chromium writes them (BUNDLE, rtcp-mux, one
/// ufrag/pwd/fingerprint repeated per section) but holding only what the benchmark needs, and with
/// <c>a=setup:active</c>: the client is the DTLS client, EdgeBox the DTLS server.
/// </summary>
internal static class ClientSdp
{
    /// <summary>H.264 payload type of both offers, as Chromium numbers its constrained-baseline mode-1 entry.</summary>
    public const int H264PayloadType = 102;

    public const int OpusPayloadType = 111;

    /// <summary>A WHEP viewer: receive-only H.264 (packetization-mode 1) and Opus.</summary>
    public static string WhepOffer(IceCredentials ice, string fingerprint)
    {
        var text = Header("0 1");
        Section(text, "video", "0", "recvonly", ice, fingerprint, H264PayloadType);
        Line(text, $"a=rtpmap:{H264PayloadType} H264/90000");
        Line(text, $"a=rtcp-fb:{H264PayloadType} nack pli");
        Line(text, $"a=fmtp:{H264PayloadType} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
        Section(text, "audio", "1", "recvonly", ice, fingerprint, OpusPayloadType);
        Line(text, $"a=rtpmap:{OpusPayloadType} opus/48000/2");
        Line(text, $"a=fmtp:{OpusPayloadType} minptime=10;useinbandfec=1");
        return text.ToString();
    }

    /// <summary>A WHIP publisher: send-only H.264 (packetization-mode 1) under one SSRC, no audio.</summary>
    public static string WhipOffer(IceCredentials ice, string fingerprint, uint ssrc)
    {
        var text = Header("0");
        Section(text, "video", "0", "sendonly", ice, fingerprint, H264PayloadType);
        Line(text, $"a=rtpmap:{H264PayloadType} H264/90000");
        Line(text, $"a=rtcp-fb:{H264PayloadType} nack pli");
        Line(text, $"a=fmtp:{H264PayloadType} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
        Line(text, "a=msid:bench video0");
        Line(text, $"a=ssrc:{ssrc} cname:bench");
        return text.ToString();
    }

    private static StringBuilder Header(string bundle)
    {
        var text = new StringBuilder(1024);
        Line(text, "v=0");
        Line(text, $"o=- {RandomNumberGenerator.GetInt32(1, int.MaxValue)} 2 IN IP4 127.0.0.1");
        Line(text, "s=-");
        Line(text, "t=0 0");
        Line(text, "a=group:BUNDLE " + bundle);
        Line(text, "a=msid-semantic: WMS bench");
        return text;
    }

    private static void Section(StringBuilder text, string kind, string mid, string direction, IceCredentials ice, string fingerprint, int payloadType)
    {
        Line(text, $"m={kind} 9 UDP/TLS/RTP/SAVPF {payloadType}");
        Line(text, "c=IN IP4 0.0.0.0");
        Line(text, "a=rtcp:9 IN IP4 0.0.0.0");
        Line(text, "a=ice-ufrag:" + ice.Ufrag);
        Line(text, "a=ice-pwd:" + ice.Password);
        Line(text, "a=fingerprint:" + fingerprint);
        Line(text, "a=setup:active");
        Line(text, "a=mid:" + mid);
        Line(text, "a=" + direction);
        Line(text, "a=rtcp-mux");
        Line(text, "a=rtcp-rsize");
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append("\r\n");
}

/// <summary>What a client takes from EdgeBox's answer: its ICE credentials, DTLS fingerprint, first IPv4 host candidate and video payload type.</summary>
internal sealed record ServerAnswer(string Ufrag, string Password, string Fingerprint, IPEndPoint Candidate, int? VideoPayloadType)
{
    public static bool TryParse(string sdp, [NotNullWhen(true)] out ServerAnswer? answer, out string error)
    {
        answer = null;
        string? ufrag = null, password = null, fingerprint = null;
        IPEndPoint? candidate = null;
        int? video = null;
        foreach (string raw in sdp.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("a=ice-ufrag:", StringComparison.Ordinal))
            {
                ufrag ??= line["a=ice-ufrag:".Length..].Trim();
            }
            else if (line.StartsWith("a=ice-pwd:", StringComparison.Ordinal))
            {
                password ??= line["a=ice-pwd:".Length..].Trim();
            }
            else if (line.StartsWith("a=fingerprint:", StringComparison.Ordinal))
            {
                fingerprint ??= line["a=fingerprint:".Length..].Trim();
            }
            else if (line.StartsWith("a=candidate:", StringComparison.Ordinal))
            {
                candidate ??= ParseCandidate(line["a=candidate:".Length..]);
            }
            else if (line.StartsWith("m=video ", StringComparison.Ordinal))
            {
                // m=video <port> UDP/TLS/RTP/SAVPF <pt>: port 0 means the section was refused.
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 4 && parts[1] != "0" && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out int pt))
                {
                    video = pt;
                }
            }
        }

        error = ufrag is null || password is null ? "the answer has no a=ice-ufrag/a=ice-pwd"
            : fingerprint is null ? "the answer has no a=fingerprint"
            : candidate is null ? "the answer has no IPv4 UDP host candidate"
            : "";
        if (error.Length > 0)
        {
            return false;
        }

        answer = new ServerAnswer(ufrag!, password!, fingerprint!, candidate!, video);
        return true;
    }

    /// <summary><c>foundation component udp priority address port typ host</c> (RFC 8839 §5.1), IPv4 only.</summary>
    private static IPEndPoint? ParseCandidate(string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 6 || !parts[2].Equals("udp", StringComparison.OrdinalIgnoreCase)
            || !IPAddress.TryParse(parts[4], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            return null;
        }

        return new IPEndPoint(address, port);
    }
}
