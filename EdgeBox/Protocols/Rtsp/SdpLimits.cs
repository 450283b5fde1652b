namespace EdgeBox.Protocols.Rtsp;

/// <summary>Limits the SDP parser checks before it reads anything further; a bigger description is refused, not cut.</summary>
internal sealed record SdpLimits
{
    public static SdpLimits Default { get; } = new();

    /// <summary>Largest description in bytes. Default 64 KiB: an SDP of many tracks with long parameter sets is a few KiB; this also bounds an ANNOUNCE body (<see cref="RtspLimits.MaxContentLength"/>).</summary>
    public int MaxBytes { get; init; } = 64 * 1024;

    /// <summary>Most <c>m=</c> sections. Default 64: cameras send 1 to 4 (video, audio, metadata, backchannel).</summary>
    public int MaxMediaSections { get; init; } = 64;

    /// <summary>Longest line in characters. Default 4 KiB: the longest real lines are H.265 <c>sprop-*</c> fmtp lines of a few hundred bytes.</summary>
    public int MaxLineLength { get; init; } = 4 * 1024;
}

internal enum SdpErrorKind
{
    None,

    /// <summary>Larger than <see cref="SdpLimits.MaxBytes"/>.</summary>
    TooLarge,

    /// <summary>A line is longer than <see cref="SdpLimits.MaxLineLength"/>.</summary>
    LineTooLong,

    /// <summary>More than <see cref="SdpLimits.MaxMediaSections"/> media sections.</summary>
    TooManyMediaSections,

    /// <summary>The first line is not <c>v=</c> (RFC 8866 §5: a description starts with it).</summary>
    MissingVersion,

    /// <summary><c>v=</c> is not 0, the only version there is.</summary>
    UnsupportedVersion,

    /// <summary>An <c>m=</c> line without a media type, a port (0..65535, optionally <c>/count</c>) or a protocol.</summary>
    InvalidMediaLine,
}

/// <summary>Why an SDP was refused, and on which line (1-based; 0 when it concerns the whole text).</summary>
internal readonly record struct SdpParseError(SdpErrorKind Kind, int Line)
{
    public static SdpParseError None => default;

    public override string ToString() => Line == 0 ? Kind.ToString() : $"{Kind} at line {Line}";
}

/// <summary>The direction attributes (RFC 8866 §6.7).</summary>
internal enum SdpDirection
{
    Unspecified,
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}
