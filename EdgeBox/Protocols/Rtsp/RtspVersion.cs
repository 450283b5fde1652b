namespace EdgeBox.Protocols.Rtsp;

/// <summary>The protocol versions EdgeBox speaks. RTSP/2.0 (RFC 7826) clients are accepted and answered in 1.0 framing, which they also parse.</summary>
internal enum RtspVersion
{
    Rtsp10,
    Rtsp20,
}

internal static class RtspVersions
{
    public static string ToText(this RtspVersion version) => version == RtspVersion.Rtsp20 ? "RTSP/2.0" : "RTSP/1.0";

    public static bool TryParse(ReadOnlySpan<byte> text, out RtspVersion version)
    {
        if (text.SequenceEqual("RTSP/1.0"u8))
        {
            version = RtspVersion.Rtsp10;
            return true;
        }

        if (text.SequenceEqual("RTSP/2.0"u8))
        {
            version = RtspVersion.Rtsp20;
            return true;
        }

        version = default;
        return false;
    }
}
