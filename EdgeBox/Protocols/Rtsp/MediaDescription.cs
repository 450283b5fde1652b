using System.Globalization;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// One media section: <c>m=&lt;media&gt; &lt;port&gt;[/&lt;count&gt;] &lt;proto&gt; &lt;fmt&gt;...</c>
/// (RFC 8866 §5.14) and the lines under it.
/// </summary>
internal sealed class MediaDescription : SdpSection
{
    public MediaDescription(string media, int port, string protocol, IEnumerable<string> formats, int? portCount = null)
    {
        Media = media;
        Port = port;
        Protocol = protocol;
        Formats = [.. formats];
        PortCount = portCount;
    }

    /// <summary><c>video</c>, <c>audio</c>, <c>application</c>, <c>text</c>, <c>message</c>.</summary>
    public string Media { get; }

    /// <summary>0 in RTSP: the transport is negotiated by SETUP.</summary>
    public int Port { get; }

    public int? PortCount { get; }

    /// <summary><c>RTP/AVP</c>, <c>RTP/AVPF</c>, <c>RTP/SAVP</c>, <c>RTP/SAVPF</c>, <c>UDP/TLS/RTP/SAVPF</c>...</summary>
    public string Protocol { get; }

    /// <summary>For RTP profiles, the payload types in preference order, as written.</summary>
    public IReadOnlyList<string> Formats { get; }

    public bool IsRtp => Protocol.StartsWith("RTP/", StringComparison.OrdinalIgnoreCase) || Protocol.Contains("/RTP/", StringComparison.OrdinalIgnoreCase);

    /// <summary>The formats that are payload type numbers (0..127).</summary>
    public IEnumerable<int> PayloadTypes
    {
        get
        {
            foreach (var format in Formats)
            {
                if (HeaderValueSyntax.TryParseInt(format, 0, 127, out var pt))
                {
                    yield return pt;
                }
            }
        }
    }

    /// <summary>The <c>a=rtpmap</c> of that payload type, or null.</summary>
    public SdpRtpMap? GetRtpMap(int payloadType)
    {
        foreach (var value in GetAttributes("rtpmap"))
        {
            if (SdpRtpMap.TryParse(value, out var map) && map.PayloadType == payloadType)
            {
                return map;
            }
        }

        return null;
    }

    /// <summary>The <c>a=fmtp</c> parameters of that payload type (empty when there are none).</summary>
    public FmtpParameters GetFmtp(int payloadType)
    {
        foreach (var value in GetAttributes("fmtp"))
        {
            var text = value.TrimStart();
            var space = text.IndexOfAny([' ', '\t']);
            var pt = space < 0 ? text : text[..space];
            if (HeaderValueSyntax.TryParseInt(pt, 0, 127, out var parsed) && parsed == payloadType)
            {
                return FmtpParameters.Parse(space < 0 ? "" : text[(space + 1)..]);
            }
        }

        return FmtpParameters.Empty;
    }

    /// <summary>The m= line's value.</summary>
    public string MediaLine =>
        Media + " " + Port.ToString(CultureInfo.InvariantCulture)
        + (PortCount is { } count ? "/" + count.ToString(CultureInfo.InvariantCulture) : "")
        + " " + Protocol + (Formats.Count > 0 ? " " + string.Join(' ', Formats) : "");

    /// <summary>Parses an m= value; false when the media type, port or protocol is missing or malformed. A section without formats is accepted (sloppy metadata tracks) and yields no track.</summary>
    public static bool TryParse(string value, out MediaDescription? media)
    {
        media = null;
        var parts = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !parts[0].All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }

        var portText = parts[1];
        int? count = null;
        var slash = portText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!HeaderValueSyntax.TryParseInt(portText[(slash + 1)..], 1, ushort.MaxValue, out var parsedCount))
            {
                return false;
            }

            count = parsedCount;
            portText = portText[..slash];
        }

        if (!HeaderValueSyntax.TryParseInt(portText, 0, ushort.MaxValue, out var port)
            || !parts[2].All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.'))
        {
            return false;
        }

        media = new MediaDescription(parts[0], port, parts[2], parts.Skip(3), count);
        return true;
    }
}
