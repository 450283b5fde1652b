using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EdgeBox.Protocols.Rtsp;

/// <summary><c>a=rtpmap:&lt;pt&gt; &lt;encoding&gt;/&lt;clock rate&gt;[/&lt;channels&gt;]</c> (RFC 8866 §6.6).</summary>
internal sealed record SdpRtpMap(int PayloadType, string Encoding, int ClockRate, int? Channels = null)
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out SdpRtpMap? map)
    {
        map = null;
        if (value is null)
        {
            return false;
        }

        var text = value.Trim();
        var space = text.IndexOfAny([' ', '\t']);
        if (space < 0 || !HeaderValueSyntax.TryParseInt(text[..space], 0, 127, out var pt))
        {
            return false;
        }

        var fields = text[(space + 1)..].Trim().Split('/');
        if (fields.Length is < 2 or > 3 || fields[0].Length == 0
            || !HeaderValueSyntax.TryParseInt(fields[1].Trim(), 1, int.MaxValue, out var clockRate))
        {
            return false;
        }

        int? channels = null;
        if (fields.Length == 3)
        {
            if (!HeaderValueSyntax.TryParseInt(fields[2].Trim(), 1, 255, out var parsed))
            {
                return false;
            }

            channels = parsed;
        }

        map = new SdpRtpMap(pt, fields[0], clockRate, channels);
        return true;
    }

    public override string ToString() =>
        PayloadType.ToString(CultureInfo.InvariantCulture) + " " + Encoding + "/" + ClockRate.ToString(CultureInfo.InvariantCulture)
        + (Channels is { } channels ? "/" + channels.ToString(CultureInfo.InvariantCulture) : "");
}
