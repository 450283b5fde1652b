using System.Globalization;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// The lines of the session part or of one media section, in order. Everything is kept, unknown
/// attributes and line types included, so a description writes back as it came; the typed
/// properties read the lines.
/// </summary>
internal abstract class SdpSection
{
    public List<SdpLine> Lines { get; } = [];

    public IEnumerable<SdpAttribute> Attributes =>
        Lines.Where(l => l.Type == 'a').Select(l => SdpAttribute.Parse(l.Value));

    /// <summary><c>c=</c>, or null.</summary>
    public SdpConnection? Connection => SdpConnection.Parse(GetLine('c'));

    /// <summary><c>a=control:</c>, trimmed, or null.</summary>
    public string? Control => GetAttribute("control")?.Trim();

    /// <summary>The first of <c>a=sendrecv|sendonly|recvonly|inactive</c>, or <see cref="SdpDirection.Unspecified"/>.</summary>
    public SdpDirection Direction
    {
        get
        {
            foreach (var attribute in Attributes)
            {
                switch (attribute.Name.ToLowerInvariant())
                {
                    case "sendrecv": return SdpDirection.SendRecv;
                    case "sendonly": return SdpDirection.SendOnly;
                    case "recvonly": return SdpDirection.RecvOnly;
                    case "inactive": return SdpDirection.Inactive;
                }
            }

            return SdpDirection.Unspecified;
        }
    }

    /// <summary><c>b=AS:kbps</c> (application-specific maximum, RFC 8866 §5.8), or null.</summary>
    public int? BandwidthAs
    {
        get
        {
            foreach (var line in Lines)
            {
                if (line.Type == 'b' && line.Value.StartsWith("AS:", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(line.Value.AsSpan(3).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var kbps))
                {
                    return kbps;
                }
            }

            return null;
        }
    }

    /// <summary>The value of the first line of that type, or null.</summary>
    public string? GetLine(char type)
    {
        foreach (var line in Lines)
        {
            if (line.Type == type)
            {
                return line.Value;
            }
        }

        return null;
    }

    /// <summary>The value of the first attribute of that name (case-insensitive): "" for a property attribute, null when absent.</summary>
    public string? GetAttribute(string name)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return attribute.Value ?? "";
            }
        }

        return null;
    }

    public IEnumerable<string> GetAttributes(string name) =>
        Attributes.Where(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(a => a.Value ?? "");

    public void AddLine(char type, string value)
    {
        if (value.AsSpan().IndexOfAny("\r\n") >= 0)
        {
            throw new ArgumentException("An SDP line cannot contain a line break.", nameof(value));
        }

        Lines.Add(new SdpLine(type, value));
    }

    public void AddAttribute(string name, string? value = null) =>
        AddLine('a', value is null ? name : name + ":" + value);

    internal void WriteLines(System.Text.StringBuilder text)
    {
        foreach (var line in Lines)
        {
            text.Append(line.Type).Append('=').Append(line.Value).Append("\r\n");
        }
    }
}
