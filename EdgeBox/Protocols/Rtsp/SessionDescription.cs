using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// A session description (SDP, RFC 8866): the session lines and the media sections.
/// <para>
/// Parsing is tolerant the way real cameras need: lines end in CRLF or LF, blank lines and trailing
/// spaces or NULs are skipped, session lines may come in any order, and lines that are not
/// <c>x=...</c> are skipped. What cannot be worked around is an error: no <c>v=0</c> first, an
/// <c>m=</c> line without port or protocol, or a description past the <see cref="SdpLimits"/>.
/// Everything else is kept, so <see cref="ToString"/> writes a parsed CRLF description back byte
/// for byte.
/// </para>
/// </summary>
internal sealed class SessionDescription : SdpSection
{
    public List<MediaDescription> Media { get; } = [];

    /// <summary><c>o=</c>, parsed, or null when absent or malformed.</summary>
    public SdpOrigin? Origin => SdpOrigin.Parse(GetLine('o'));

    /// <summary><c>s=</c>, or null.</summary>
    public string? SessionName => GetLine('s');

    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error) =>
        TryParse(utf8, SdpLimits.Default, out description, out error);

    public static bool TryParse(ReadOnlySpan<byte> utf8, SdpLimits limits, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        description = null;
        if (utf8.Length > limits.MaxBytes)
        {
            error = new SdpParseError(SdpErrorKind.TooLarge, 0);
            return false;
        }

        // RFC 8866 §5.3: UTF-8 unless a=charset says otherwise; an old camera's Latin-1 still parses.
        var text = Utf8.IsValid(utf8) ? Encoding.UTF8.GetString(utf8) : Encoding.Latin1.GetString(utf8);
        return TryParseText(text, limits, out description, out error);
    }

    public static bool TryParse(string text, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error) =>
        TryParse(text, SdpLimits.Default, out description, out error);

    public static bool TryParse(string text, SdpLimits limits, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        description = null;
        if (text.Length > limits.MaxBytes || Encoding.UTF8.GetByteCount(text) > limits.MaxBytes)
        {
            error = new SdpParseError(SdpErrorKind.TooLarge, 0);
            return false;
        }

        return TryParseText(text, limits, out description, out error);
    }

    private static bool TryParseText(string text, SdpLimits limits, [NotNullWhen(true)] out SessionDescription? description, out SdpParseError error)
    {
        description = null;
        var session = new SessionDescription();
        MediaDescription? media = null;
        var sawVersion = false;
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (rawLine.Length > limits.MaxLineLength)
            {
                error = new SdpParseError(SdpErrorKind.LineTooLong, lineNumber);
                return false;
            }

            var line = rawLine.TrimEnd(" \t\0");
            if (line.IsEmpty)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=' || !char.IsAsciiLetter(line[0]))
            {
                if (!sawVersion)
                {
                    error = new SdpParseError(SdpErrorKind.MissingVersion, lineNumber);
                    return false;
                }

                continue; // not an SDP line: skipped
            }

            var type = line[0];
            var value = line[2..].ToString();
            if (!sawVersion)
            {
                if (type != 'v')
                {
                    error = new SdpParseError(SdpErrorKind.MissingVersion, lineNumber);
                    return false;
                }

                if (value.Trim() != "0")
                {
                    error = new SdpParseError(SdpErrorKind.UnsupportedVersion, lineNumber);
                    return false;
                }

                sawVersion = true;
                continue;
            }

            if (type == 'v')
            {
                continue; // a repeated v=0 (seen in concatenated camera SDPs) adds nothing
            }

            if (type == 'm')
            {
                if (session.Media.Count >= limits.MaxMediaSections)
                {
                    error = new SdpParseError(SdpErrorKind.TooManyMediaSections, lineNumber);
                    return false;
                }

                if (!MediaDescription.TryParse(value, out media) || media is null)
                {
                    error = new SdpParseError(SdpErrorKind.InvalidMediaLine, lineNumber);
                    return false;
                }

                session.Media.Add(media);
                continue;
            }

            (media ?? (SdpSection)session).Lines.Add(new SdpLine(type, value));
        }

        if (!sawVersion)
        {
            error = new SdpParseError(SdpErrorKind.MissingVersion, 0);
            return false;
        }

        description = session;
        error = SdpParseError.None;
        return true;
    }

    /// <summary>The description as text: <c>v=0</c>, the session lines, then each media section; every line ends in CRLF.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("v=0\r\n");
        WriteLines(text);
        foreach (var media in Media)
        {
            text.Append("m=").Append(media.MediaLine).Append("\r\n");
            media.WriteLines(text);
        }

        return text.ToString();
    }

    public byte[] ToUtf8Bytes() => Encoding.UTF8.GetBytes(ToString());

    /// <summary>
    /// One <see cref="SdpTrack"/> per RTP media section that has a payload type, in order. Where a
    /// section offers several payload types, the first one EdgeBox has a codec for is taken (else the
    /// first). A section's direction falls back to the session's.
    /// </summary>
    public IReadOnlyList<SdpTrack> GetTracks()
    {
        var tracks = new List<SdpTrack>();
        foreach (var media in Media)
        {
            if (SdpTrack.FromMedia(media, Direction) is { } track)
            {
                tracks.Add(track);
            }
        }

        return tracks;
    }
}
