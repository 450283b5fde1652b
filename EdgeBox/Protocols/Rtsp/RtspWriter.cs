using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Writes RTSP messages and interleaved frames into an <see cref="IBufferWriter{T}"/> (a
/// <c>PipeWriter</c>): start line, <c>CSeq</c> first, the other headers in order,
/// <c>Content-Length</c> when there is a body, the empty line, the body. Lines end in CRLF.
/// </summary>
internal static class RtspWriter
{
    public static void WriteRequest(IBufferWriter<byte> output, RtspRequest request)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(request);
        if (!RtspParser.IsToken(Encoding.ASCII.GetBytes(request.Method)) || request.Uri.Length == 0
            || request.Uri.AsSpan().IndexOfAny(" \r\n") >= 0)
        {
            throw new ArgumentException("The request line would not parse.", nameof(request));
        }

        Write(output, request.Method);
        Write(output, " ");
        Write(output, request.Uri);
        Write(output, " ");
        Write(output, request.Version.ToText());
        WriteHeadersAndBody(output, request.CSeq, request.Headers, request.Body.Span);
    }

    public static void WriteResponse(IBufferWriter<byte> output, RtspResponse response)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(response);
        if (response.StatusCode is < 100 or > 999 || response.ReasonPhrase.AsSpan().IndexOfAny("\r\n") >= 0)
        {
            throw new ArgumentException("The status line would not parse.", nameof(response));
        }

        Write(output, response.Version.ToText());
        Write(output, " ");
        Write(output, response.StatusCode.ToString(CultureInfo.InvariantCulture));
        Write(output, " ");
        Write(output, response.ReasonPhrase);
        WriteHeadersAndBody(output, response.CSeq, response.Headers, response.Body.Span);
    }

    /// <summary>Writes <c>$</c>, the channel, the big-endian length and the payload (RFC 2326 §10.12).</summary>
    public static void WriteInterleaved(IBufferWriter<byte> output, byte channel, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (payload.Length > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, "An interleaved frame carries at most 65535 bytes.");
        }

        var span = output.GetSpan(4 + payload.Length);
        WriteInterleavedHeader(span, channel, payload.Length);
        payload.CopyTo(span[4..]);
        output.Advance(4 + payload.Length);
    }

    /// <summary>Writes the 4-byte header of an interleaved frame of <paramref name="length"/> bytes.</summary>
    public static void WriteInterleavedHeader(Span<byte> destination, byte channel, int length)
    {
        if ((uint)length > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "An interleaved frame carries at most 65535 bytes.");
        }

        destination[0] = (byte)'$';
        destination[1] = channel;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
    }

    /// <summary>Rejects a header that would break the framing: a non-token name, or CR/LF in the value (header injection).</summary>
    internal static void ValidateHeader(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length == 0 || !name.All(c => c < 0x80) || !RtspParser.IsToken(Encoding.ASCII.GetBytes(name)))
        {
            throw new ArgumentException($"'{name}' is not a header name.", nameof(name));
        }

        if (value.AsSpan().IndexOfAny("\r\n\0") >= 0)
        {
            throw new ArgumentException($"The value of {name} has a line break.", nameof(value));
        }
    }

    private static void WriteHeadersAndBody(IBufferWriter<byte> output, int? cseq, RtspHeaders headers, ReadOnlySpan<byte> body)
    {
        Write(output, "\r\n");
        if (cseq is { } sequence)
        {
            Write(output, "CSeq: ");
            Write(output, sequence.ToString(CultureInfo.InvariantCulture));
            Write(output, "\r\n");
        }

        foreach (var (name, value) in headers)
        {
            // The message owns these two: CSeq above, Content-Length from the body below.
            if (string.Equals(name, RtspHeaderNames.CSeq, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, RtspHeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            Write(output, name);
            Write(output, ": ");
            Write(output, value);
            Write(output, "\r\n");
        }

        if (!body.IsEmpty)
        {
            Write(output, "Content-Length: ");
            Write(output, body.Length.ToString(CultureInfo.InvariantCulture));
            Write(output, "\r\n");
        }

        Write(output, "\r\n");
        if (!body.IsEmpty)
        {
            output.Write(body);
        }
    }

    private static void Write(IBufferWriter<byte> output, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var span = output.GetSpan(length);
        Encoding.UTF8.GetBytes(text, span);
        output.Advance(length);
    }
}
