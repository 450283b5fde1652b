using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace EdgeBox.Protocols.Rtsp;

internal enum RtspLowerTransport
{
    Udp,
    Tcp,
}

internal enum RtspDelivery
{
    Unspecified,
    Unicast,
    Multicast,
}

/// <summary>Which way the media flows: PLAY (server to client, the default) or RECORD (client to server).</summary>
internal enum RtspTransportMode
{
    Play,
    Record,
}

/// <summary>A port or channel pair such as <c>client_port=5000-5001</c> or <c>interleaved=0-1</c>; a single value has no <see cref="Second"/>.</summary>
internal readonly record struct RtspPortPair(int First, int? Second = null)
{
    /// <summary>The RTCP port or channel: the second value, or the first plus one (RFC 3550 §11).</summary>
    public int Rtcp => Second ?? First + 1;

    public override string ToString() =>
        Second is { } second
            ? First.ToString(CultureInfo.InvariantCulture) + "-" + second.ToString(CultureInfo.InvariantCulture)
            : First.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, int max, out RtspPortPair pair)
    {
        pair = default;
        if (text is null)
        {
            return false;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            if (!HeaderValueSyntax.TryParseInt(text, 0, max, out var single))
            {
                return false;
            }

            pair = new RtspPortPair(single);
            return true;
        }

        if (!HeaderValueSyntax.TryParseInt(text[..dash], 0, max, out var first)
            || !HeaderValueSyntax.TryParseInt(text[(dash + 1)..], 0, max, out var second))
        {
            return false;
        }

        pair = new RtspPortPair(first, second);
        return true;
    }
}

/// <summary>
/// One transport-spec of a <c>Transport</c> header (RFC 2326 §12.39, RFC 7826 §18.54):
/// <c>RTP/AVP[/UDP|/TCP];unicast|multicast;destination=..;interleaved=a-b;client_port=a-b;server_port=a-b;ssrc=HEX;mode=..</c>.
/// A client offers several, comma-separated, in preference order; the server answers with the one it took.
/// </summary>
internal sealed record RtspTransport
{
    /// <summary><c>RTP</c> (or <c>RAW</c> for live555's raw UDP).</summary>
    public string Protocol { get; init; } = "RTP";

    /// <summary><c>AVP</c>, <c>AVPF</c>, <c>SAVP</c>, <c>SAVPF</c>.</summary>
    public string Profile { get; init; } = "AVP";

    public RtspLowerTransport LowerTransport { get; init; } = RtspLowerTransport.Udp;

    /// <summary>Whether the lower transport was written out (<c>RTP/AVP/UDP</c>) rather than implied (<c>RTP/AVP</c>); kept so a parsed spec formats back the same.</summary>
    public bool LowerTransportWritten { get; init; }

    public RtspDelivery Delivery { get; init; } = RtspDelivery.Unspecified;

    public string? Destination { get; init; }

    public string? Source { get; init; }

    public int? Ttl { get; init; }

    /// <summary>Multicast RTP/RTCP ports (<c>port=</c>).</summary>
    public RtspPortPair? Port { get; init; }

    public RtspPortPair? ClientPort { get; init; }

    public RtspPortPair? ServerPort { get; init; }

    /// <summary>Interleaved channels over the RTSP connection (<c>interleaved=</c>), 0..255.</summary>
    public RtspPortPair? Interleaved { get; init; }

    public uint? Ssrc { get; init; }

    public RtspTransportMode Mode { get; init; } = RtspTransportMode.Play;

    /// <summary>Parameters this type does not model (<c>append</c>, <c>layers</c>, <c>RTCP-mux</c>...), as written, in order.</summary>
    public IReadOnlyList<string> OtherParameters { get; init; } = [];

    public bool IsTcp => LowerTransport == RtspLowerTransport.Tcp;

    /// <summary>
    /// Parses a whole <c>Transport</c> header: the alternatives that parse, in order. An alternative
    /// with a malformed known parameter (<c>client_port=abc</c>) is left out, so the server can still
    /// take a later one; the list is empty when none parses.
    /// </summary>
    public static IReadOnlyList<RtspTransport> ParseList(string? value)
    {
        var list = new List<RtspTransport>();
        if (value is null)
        {
            return list;
        }

        foreach (var spec in HeaderValueSyntax.Split(value, ','))
        {
            if (TryParse(spec, out var transport))
            {
                list.Add(transport);
            }
        }

        return list;
    }

    public static string FormatList(IEnumerable<RtspTransport> transports) => string.Join(",", transports);

    /// <summary>Parses one transport-spec.</summary>
    public static bool TryParse(string? spec, [NotNullWhen(true)] out RtspTransport? transport)
    {
        transport = null;
        if (spec is null)
        {
            return false;
        }

        var parts = HeaderValueSyntax.Split(spec, ';');
        if (parts.Count == 0)
        {
            return false;
        }

        var protocol = parts[0].Split('/');
        if (protocol.Length is < 2 or > 3 || protocol.Any(p => p.Length == 0 || !p.All(char.IsAsciiLetterOrDigit)))
        {
            return false;
        }

        var lower = RtspLowerTransport.Udp;
        if (protocol.Length == 3)
        {
            if (string.Equals(protocol[2], "TCP", StringComparison.OrdinalIgnoreCase))
            {
                lower = RtspLowerTransport.Tcp;
            }
            else if (!string.Equals(protocol[2], "UDP", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        var result = new RtspTransport
        {
            Protocol = protocol[0].ToUpperInvariant(),
            Profile = protocol[1].ToUpperInvariant(),
            LowerTransport = lower,
            LowerTransportWritten = protocol.Length == 3,
        };
        var others = new List<string>();
        foreach (var parameter in parts.Skip(1))
        {
            var (name, value) = HeaderValueSyntax.SplitParameter(parameter);
            switch (name.ToLowerInvariant())
            {
                case "unicast" when value is null:
                    result = result with { Delivery = RtspDelivery.Unicast };
                    break;
                case "multicast" when value is null:
                    result = result with { Delivery = RtspDelivery.Multicast };
                    break;
                case "destination":
                    result = result with { Destination = value };
                    break;
                case "source":
                    result = result with { Source = value };
                    break;
                case "ttl":
                    if (!HeaderValueSyntax.TryParseInt(value, 0, 255, out var ttl))
                    {
                        return false;
                    }

                    result = result with { Ttl = ttl };
                    break;
                case "port":
                    if (!RtspPortPair.TryParse(value, ushort.MaxValue, out var port))
                    {
                        return false;
                    }

                    result = result with { Port = port };
                    break;
                case "client_port":
                    if (!RtspPortPair.TryParse(value, ushort.MaxValue, out var clientPort))
                    {
                        return false;
                    }

                    result = result with { ClientPort = clientPort };
                    break;
                case "server_port":
                    if (!RtspPortPair.TryParse(value, ushort.MaxValue, out var serverPort))
                    {
                        return false;
                    }

                    result = result with { ServerPort = serverPort };
                    break;
                case "interleaved":
                    if (!RtspPortPair.TryParse(value, byte.MaxValue, out var channels))
                    {
                        return false;
                    }

                    result = result with { Interleaved = channels };
                    break;
                case "ssrc":
                    // RFC 2326: 8*8(HEX); RFC 7826 lists several separated by '/': the first is ours.
                    var ssrc = value?.Split('/')[0];
                    if (ssrc is not { Length: > 0 and <= 8 }
                        || !uint.TryParse(ssrc, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var parsedSsrc))
                    {
                        return false;
                    }

                    result = result with { Ssrc = parsedSsrc };
                    break;
                case "mode":
                    // mode=record, mode="RECORD" (GStreamer), mode=receive (live555 for DSS), mode="PLAY,RECORD" (RFC 7826 list).
                    var modes = (value ?? "").Split(',', StringSplitOptions.TrimEntries);
                    result = result with
                    {
                        Mode = modes.Any(m => m.Equals("record", StringComparison.OrdinalIgnoreCase) || m.Equals("receive", StringComparison.OrdinalIgnoreCase))
                            ? RtspTransportMode.Record
                            : RtspTransportMode.Play,
                    };
                    break;
                default:
                    others.Add(parameter);
                    break;
            }
        }

        transport = result with { OtherParameters = others };
        return true;
    }

    /// <summary>Formats the spec the way ffmpeg and gortsplib write it, <c>mode=record</c> only for RECORD.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Protocol).Append('/').Append(Profile);
        if (IsTcp)
        {
            text.Append("/TCP");
        }
        else if (LowerTransportWritten)
        {
            text.Append("/UDP");
        }

        if (Delivery != RtspDelivery.Unspecified)
        {
            text.Append(Delivery == RtspDelivery.Unicast ? ";unicast" : ";multicast");
        }

        AppendIf(text, "destination", Destination);
        AppendIf(text, "source", Source);
        AppendIf(text, "ttl", Ttl?.ToString(CultureInfo.InvariantCulture));
        AppendIf(text, "port", Port?.ToString());
        AppendIf(text, "interleaved", Interleaved?.ToString());
        AppendIf(text, "client_port", ClientPort?.ToString());
        AppendIf(text, "server_port", ServerPort?.ToString());
        AppendIf(text, "ssrc", Ssrc?.ToString("X8", CultureInfo.InvariantCulture));
        if (Mode == RtspTransportMode.Record)
        {
            text.Append(";mode=record");
        }

        foreach (var other in OtherParameters)
        {
            text.Append(';').Append(other);
        }

        return text.ToString();
    }

    private static void AppendIf(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(';').Append(name).Append('=').Append(value);
        }
    }
}
