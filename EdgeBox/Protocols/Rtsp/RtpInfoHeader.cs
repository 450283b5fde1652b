using System.Globalization;
using System.Text;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>One stream of an <c>RTP-Info</c> header: its URL and the RTP sequence number and timestamp of the first packet after PLAY.</summary>
internal sealed record RtpInfoEntry(string Url, ushort? Sequence = null, uint? RtpTime = null);

/// <summary>
/// <c>RTP-Info: url=rtsp://h/p/trackID=0;seq=1;rtptime=0,url=...</c> (RFC 2326 §12.33), which a
/// PLAY response carries so clients can map RTP timestamps to the range start.
/// </summary>
internal static class RtpInfoHeader
{
    public static string Format(IEnumerable<RtpInfoEntry> entries)
    {
        var text = new StringBuilder();
        foreach (var entry in entries)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append("url=").Append(entry.Url);
            if (entry.Sequence is { } seq)
            {
                text.Append(";seq=").Append(seq.ToString(CultureInfo.InvariantCulture));
            }

            if (entry.RtpTime is { } rtptime)
            {
                text.Append(";rtptime=").Append(rtptime.ToString(CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>The entries that have a url; a seq or rtptime that is not a number is left out of its entry.</summary>
    public static IReadOnlyList<RtpInfoEntry> Parse(string? value)
    {
        var entries = new List<RtpInfoEntry>();
        if (value is null)
        {
            return entries;
        }

        foreach (var item in HeaderValueSyntax.Split(value, ','))
        {
            string? url = null;
            ushort? seq = null;
            uint? rtptime = null;
            foreach (var parameter in HeaderValueSyntax.Split(item, ';'))
            {
                var (name, text) = HeaderValueSyntax.SplitParameter(parameter);
                if (name.Equals("url", StringComparison.OrdinalIgnoreCase))
                {
                    url = text;
                }
                else if (name.Equals("seq", StringComparison.OrdinalIgnoreCase)
                    && ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                {
                    seq = s;
                }
                else if (name.Equals("rtptime", StringComparison.OrdinalIgnoreCase)
                    && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                {
                    rtptime = t;
                }
            }

            if (!string.IsNullOrEmpty(url))
            {
                entries.Add(new RtpInfoEntry(url, seq, rtptime));
            }
        }

        return entries;
    }
}
