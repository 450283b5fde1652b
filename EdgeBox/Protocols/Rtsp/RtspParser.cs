using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>What the next bytes on an RTSP connection are.</summary>
internal enum RtspInputKind
{
    NeedMoreData,

    /// <summary>A <c>$</c> frame (RFC 2326 §10.12): read it with <see cref="RtspParser.TryParseInterleaved"/>.</summary>
    InterleavedFrame,

    /// <summary>A request or response: read it with <see cref="RtspParser.TryParseRequest"/> / <see cref="RtspParser.TryParseResponse"/>.</summary>
    Message,
}

/// <summary>
/// Parses RTSP messages and interleaved frames from a receive buffer, Kestrel style
/// (<c>HttpParser</c>): each <c>TryParse*</c> either takes one whole item off the front of
/// <c>buffer</c> and returns true, or returns false and leaves <c>buffer</c> untouched, with
/// <see cref="RtspParseError.None"/> when more data is needed and another error when the input is
/// bad (the connection is then closed). Limits are checked on the raw bytes before anything is
/// decoded, so a peer can never make the parser hold more than <see cref="RtspLimits"/> allows.
/// Lines end in CRLF or a bare LF (RFC 2326 §4: receivers should accept both); a bare CR is rejected.
/// Nothing here throws on bad input.
/// </summary>
internal static class RtspParser
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Dollar = (byte)'$';

    /// <summary>
    /// Drops the CR/LF some peers send between messages (RFC 2616 §4.1 tolerance, carried into
    /// RTSP), then says what comes next.
    /// </summary>
    public static RtspInputKind Classify(ref ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        reader.AdvancePastAny(Cr, Lf);
        buffer = buffer.Slice(reader.Position);
        if (!reader.TryPeek(out var first))
        {
            return RtspInputKind.NeedMoreData;
        }

        return first == Dollar ? RtspInputKind.InterleavedFrame : RtspInputKind.Message;
    }

    /// <summary>
    /// Reads one interleaved binary frame (RFC 2326 §10.12, RFC 7826 §14):
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |   '$' 0x24    |    channel    |     length (big-endian)       |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |                 length bytes of RTP or RTCP ...               |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// </code>
    /// The 16-bit length is the frame's own limit (64 KiB). <paramref name="payload"/> is a slice of
    /// <paramref name="buffer"/>, not a copy: it is valid until the reader advances past it. Returns
    /// false, consuming nothing, when the buffer does not start with <c>$</c> or the frame is incomplete.
    /// </summary>
    public static bool TryParseInterleaved(ref ReadOnlySequence<byte> buffer, out byte channel, out ReadOnlySequence<byte> payload)
    {
        channel = 0;
        payload = default;
        Span<byte> header = stackalloc byte[4];
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryCopyTo(header) || header[0] != Dollar)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        if (reader.Remaining < 4 + length)
        {
            return false;
        }

        channel = header[1];
        payload = buffer.Slice(4, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    public static bool TryParseRequest(
        ref ReadOnlySequence<byte> buffer, RtspLimits limits, [NotNullWhen(true)] out RtspRequest? request, out RtspParseError error)
    {
        request = null;
        if (!TryReadHead(buffer, limits, out var head, out error))
        {
            return false;
        }

        var startLine = AsSpan(head.StartLine);
        if (!TryParseRequestLine(startLine, out var method, out var uri, out var version, out error)
            || !TryParseHeaders(head.HeaderBlock, out var headers, out var cseq, out var contentLength, out error)
            || !TryTakeBody(buffer, head.BodyStart, contentLength, limits, out var body, out var end, out error))
        {
            return false;
        }

        if (cseq is not { } sequence)
        {
            error = RtspParseError.MissingCSeq;
            return false;
        }

        request = new RtspRequest(method, uri, sequence) { Version = version, Body = body };
        foreach (var field in headers)
        {
            request.Headers.AddParsed(field.Key, field.Value);
        }

        buffer = buffer.Slice(end);
        return true;
    }

    public static bool TryParseResponse(
        ref ReadOnlySequence<byte> buffer, RtspLimits limits, [NotNullWhen(true)] out RtspResponse? response, out RtspParseError error)
    {
        response = null;
        if (!TryReadHead(buffer, limits, out var head, out error))
        {
            return false;
        }

        var statusLine = AsSpan(head.StartLine);
        if (!TryParseStatusLine(statusLine, out var version, out var status, out var reason, out error)
            || !TryParseHeaders(head.HeaderBlock, out var headers, out var cseq, out var contentLength, out error)
            || !TryTakeBody(buffer, head.BodyStart, contentLength, limits, out var body, out var end, out error))
        {
            return false;
        }

        response = new RtspResponse(status, cseq, reason) { Version = version, Body = body };
        foreach (var field in headers)
        {
            response.Headers.AddParsed(field.Key, field.Value);
        }

        buffer = buffer.Slice(end);
        return true;
    }

    private readonly record struct Head(ReadOnlySequence<byte> StartLine, ReadOnlySequence<byte> HeaderBlock, SequencePosition BodyStart);

    /// <summary>
    /// Finds the start line and the header block, cutting the input at each limit before looking
    /// for line ends, so an endless line or header block is rejected as soon as it passes the limit.
    /// </summary>
    private static bool TryReadHead(in ReadOnlySequence<byte> buffer, RtspLimits limits, out Head head, out RtspParseError error)
    {
        head = default;
        error = RtspParseError.None;
        var reader = new SequenceReader<byte>(buffer);
        var skipped = reader.AdvancePastAny(Cr, Lf);
        if (skipped >= limits.MaxStartLineBytes)
        {
            error = RtspParseError.StartLineTooLong;
            return false;
        }

        if (!reader.TryPeek(out var first))
        {
            return false;
        }

        if (first == Dollar)
        {
            error = RtspParseError.UnexpectedInterleavedFrame;
            return false;
        }

        // Start line, LF included, within MaxStartLineBytes.
        var lineStart = reader.Position;
        var window = buffer.Slice(lineStart, Math.Min(reader.Remaining, limits.MaxStartLineBytes));
        var windowReader = new SequenceReader<byte>(window);
        if (!windowReader.TryReadTo(out ReadOnlySequence<byte> startLine, Lf))
        {
            if (reader.Remaining >= limits.MaxStartLineBytes)
            {
                error = RtspParseError.StartLineTooLong;
            }

            return false;
        }

        reader.Advance(startLine.Length + 1);

        // Header lines up to and including the empty line, within MaxHeaderBytes.
        var headersStart = reader.Position;
        window = buffer.Slice(headersStart, Math.Min(reader.Remaining, limits.MaxHeaderBytes));
        windowReader = new SequenceReader<byte>(window);
        var lines = 0;
        while (true)
        {
            if (!windowReader.TryReadTo(out ReadOnlySequence<byte> line, Lf))
            {
                if (reader.Remaining >= limits.MaxHeaderBytes)
                {
                    error = RtspParseError.HeadersTooLarge;
                }

                return false;
            }

            if (line.Length == 0 || (line.Length == 1 && line.FirstSpan[0] == Cr))
            {
                break;
            }

            if (++lines > limits.MaxHeaderCount)
            {
                error = RtspParseError.TooManyHeaders;
                return false;
            }
        }

        var headerBlock = window.Slice(0, windowReader.Position);
        head = new Head(TrimCr(startLine), headerBlock, buffer.GetPosition(headerBlock.Length, headersStart));
        return true;
    }

    private static bool TryParseRequestLine(
        ReadOnlySpan<byte> line, out string method, out string uri, out RtspVersion version, out RtspParseError error)
    {
        method = uri = "";
        version = default;
        error = RtspParseError.InvalidStartLine;
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace == firstSpace || line.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || line.Contains((byte)0x7F))
        {
            return false;
        }

        var methodBytes = line[..firstSpace];
        var uriBytes = line[(firstSpace + 1)..lastSpace];
        var versionBytes = line[(lastSpace + 1)..];
        if (!IsToken(methodBytes))
        {
            error = RtspParseError.InvalidMethod;
            return false;
        }

        if (uriBytes.IsEmpty || uriBytes.Contains((byte)' '))
        {
            error = RtspParseError.InvalidUri;
            return false;
        }

        if (!RtspVersions.TryParse(versionBytes, out version))
        {
            error = RtspParseError.UnsupportedVersion;
            return false;
        }

        method = Encoding.ASCII.GetString(methodBytes);
        uri = DecodeText(uriBytes);
        error = RtspParseError.None;
        return true;
    }

    private static bool TryParseStatusLine(
        ReadOnlySpan<byte> line, out RtspVersion version, out int status, out string reason, out RtspParseError error)
    {
        version = default;
        status = 0;
        reason = "";
        error = RtspParseError.InvalidStartLine;
        if (line.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || line.Contains((byte)0x7F))
        {
            return false;
        }

        var space = line.IndexOf((byte)' ');
        if (space <= 0)
        {
            return false;
        }

        if (!RtspVersions.TryParse(line[..space], out version))
        {
            error = RtspParseError.UnsupportedVersion;
            return false;
        }

        // RTSP/1.0 SP 3DIGIT [SP reason]; some servers leave the reason phrase (and its space) out.
        var rest = line[(space + 1)..];
        if (rest.Length < 3 || (rest.Length > 3 && rest[3] != (byte)' ') || !TryParseDigits(rest[..3], 3, out var code) || code < 100)
        {
            error = RtspParseError.InvalidStatusCode;
            return false;
        }

        status = (int)code;
        reason = rest.Length > 4 ? DecodeText(rest[4..]) : "";
        error = RtspParseError.None;
        return true;
    }

    private static bool TryParseHeaders(
        in ReadOnlySequence<byte> block, out List<KeyValuePair<string, string>> headers, out int? cseq, out long contentLength, out RtspParseError error)
    {
        headers = [];
        cseq = null;
        contentLength = 0;
        error = RtspParseError.InvalidHeader;
        long? declaredLength = null;
        var span = AsSpan(block);
        var lastWasOwned = false; // the previous line was CSeq/Content-Length, which a continuation may not extend
        while (true)
        {
            var lf = span.IndexOf(Lf);
            var line = TrimCr(span[..lf]);
            span = span[(lf + 1)..];
            if (line.IsEmpty)
            {
                break;
            }

            if (line.Contains(Cr) || line.IndexOfAnyInRange((byte)0, (byte)0x08) >= 0 || line.IndexOfAnyInRange((byte)0x0A, (byte)0x1F) >= 0
                || line.Contains((byte)0x7F))
            {
                return false;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                // obs-fold (RFC 2616 §2.2 LWS, which RTSP/1.0 inherits): the line continues the previous value.
                if (headers.Count == 0 || lastWasOwned)
                {
                    return false;
                }

                var continuation = DecodeText(Trim(line));
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value.Length == 0 ? continuation : last.Value + " " + continuation);
                continue;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                return false;
            }

            var name = Encoding.ASCII.GetString(line[..colon]);
            var value = Trim(line[(colon + 1)..]);
            lastWasOwned = true;
            if (string.Equals(name, RtspHeaderNames.CSeq, StringComparison.OrdinalIgnoreCase))
            {
                if (!TryParseDigits(value, 9, out var parsed) || (cseq is { } seen && seen != parsed))
                {
                    error = RtspParseError.InvalidCSeq;
                    return false;
                }

                cseq = (int)parsed;
            }
            else if (string.Equals(name, RtspHeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                if (!TryParseDigits(value, 18, out var parsed) || (declaredLength is { } seen && seen != parsed))
                {
                    error = RtspParseError.InvalidContentLength;
                    return false;
                }

                declaredLength = parsed;
            }
            else
            {
                headers.Add(new(name, DecodeText(value)));
                lastWasOwned = false;
            }
        }

        contentLength = declaredLength ?? 0;
        error = RtspParseError.None;
        return true;
    }

    private static bool TryTakeBody(
        in ReadOnlySequence<byte> buffer, SequencePosition bodyStart, long contentLength, RtspLimits limits,
        out ReadOnlyMemory<byte> body, out SequencePosition end, out RtspParseError error)
    {
        body = default;
        end = bodyStart;
        error = RtspParseError.None;
        if (contentLength > limits.MaxContentLength)
        {
            error = RtspParseError.ContentTooLarge;
            return false;
        }

        var rest = buffer.Slice(bodyStart);
        if (rest.Length < contentLength)
        {
            return false;
        }

        var bodyBytes = rest.Slice(0, contentLength);
        body = contentLength == 0 ? ReadOnlyMemory<byte>.Empty : bodyBytes.ToArray();
        end = bodyBytes.End;
        return true;
    }

    private static ReadOnlySpan<byte> AsSpan(in ReadOnlySequence<byte> sequence) =>
        sequence.IsSingleSegment ? sequence.FirstSpan : sequence.ToArray();

    private static ReadOnlySequence<byte> TrimCr(in ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty)
        {
            return line;
        }

        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == Cr ? line.Slice(0, line.Length - 1) : line;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == Cr ? line[..^1] : line;

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length && value[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        var end = value.Length;
        while (end > start && value[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>1 to <paramref name="maxDigits"/> ASCII digits, nothing else.</summary>
    private static bool TryParseDigits(ReadOnlySpan<byte> text, int maxDigits, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > maxDigits)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>RFC 2616 §2.2 token: visible ASCII except separators.</summary>
    internal static bool IsToken(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (b <= 0x20 || b >= 0x7F || "()<>@,;:\\\"/[]?={}"u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 7826 text is UTF-8; a value that is not valid UTF-8 (an old camera's Latin-1 Server name) is read as Latin-1 rather than refused.</summary>
    private static string DecodeText(ReadOnlySpan<byte> bytes) =>
        Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
}
