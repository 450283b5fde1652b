using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Sends a baseline JPEG image as RTP/JPEG (RFC 2435): the image's markers are read (DQT, SOF0, DRI,
/// SOS), and only its entropy-coded scan goes on the wire, behind the main header (Q = 255 with the
/// image's own quantization tables in the first packet) and, with restart markers, the restart header.
/// What RFC 2435 cannot describe is refused: progressive or 12-bit JPEGs, other than three components
/// with 4:2:2 or 4:2:0 sampling, 16-bit tables, and sizes over 2040 pixels. Huffman tables are assumed
/// standard, as the RFC requires (FFmpeg: <c>-huffman default</c>).
/// </summary>
internal sealed class MjpegPacketizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize)
    : RtpPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize)
{
    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!JpegImage.TryParse(accessUnit, out var image))
        {
            return false;
        }

        Span<byte> headers = stackalloc byte[8 + 4 + 4 + 128];
        var scan = image.Scan;
        int offset = 0;
        while (offset < scan.Length || offset == 0)
        {
            int at = 0;
            headers[at++] = 0;
            headers[at++] = (byte)(offset >> 16);
            headers[at++] = (byte)(offset >> 8);
            headers[at++] = (byte)offset;
            headers[at++] = (byte)(image.Type + (image.RestartInterval > 0 ? 64 : 0));
            headers[at++] = 255;
            headers[at++] = (byte)(image.Width / 8);
            headers[at++] = (byte)(image.Height / 8);
            if (image.RestartInterval > 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(headers[at..], (ushort)image.RestartInterval);
                BinaryPrimitives.WriteUInt16BigEndian(headers[(at + 2)..], 0xFFFF); // F=1, L=1, count 0x3FFF: whole scan
                at += 4;
            }

            if (offset == 0)
            {
                headers[at++] = 0;
                headers[at++] = 0; // 8-bit tables
                BinaryPrimitives.WriteUInt16BigEndian(headers[at..], 128);
                at += 2;
                image.Luma.CopyTo(headers[at..]);
                image.Chroma.CopyTo(headers[(at + 64)..]);
                at += 128;
            }

            int take = Math.Min(MaxPayloadSize - at, scan.Length - offset);
            if (take <= 0)
            {
                return false; // a packet too small for the headers
            }

            bool last = offset + take >= scan.Length;
            Send(sink, timestamp, last, headers[..at], scan.Slice(offset, take));
            offset += take;
        }

        return true;
    }
}

/// <summary>The parts of a baseline JPEG that RTP/JPEG carries.</summary>
internal readonly ref struct JpegImage
{
    /// <summary>0: 4:2:2, 1: 4:2:0 (RFC 2435 §4.1).</summary>
    public int Type { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    public int RestartInterval { get; init; }

    /// <summary>Quantization tables in zigzag order, as DQT holds them.</summary>
    public ReadOnlySpan<byte> Luma { get; init; }

    public ReadOnlySpan<byte> Chroma { get; init; }

    /// <summary>The entropy-coded data after SOS, up to (not including) EOI.</summary>
    public ReadOnlySpan<byte> Scan { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> data, out JpegImage image)
    {
        image = default;
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            return false;
        }

        Span<int> tableOffsets = [-1, -1, -1, -1];
        int type = -1, width = 0, height = 0, restart = 0;
        Span<int> componentTables = [0, 0, 0];
        int at = 2;
        while (at + 4 <= data.Length)
        {
            if (data[at] != 0xFF)
            {
                return false;
            }

            byte marker = data[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (length < 2 || at + 2 + length > data.Length)
            {
                return false;
            }

            var body = data.Slice(at + 4, length - 2);
            switch (marker)
            {
                case 0xDB: // DQT: one or more tables
                    for (int i = 0; i < body.Length;)
                    {
                        int precision = body[i] >> 4, id = body[i] & 0x0F;
                        if (precision != 0 || id > 3 || i + 65 > body.Length)
                        {
                            return false;
                        }

                        tableOffsets[id] = at + 4 + i + 1;
                        i += 65;
                    }

                    break;
                case 0xC0: // SOF0 baseline
                    if (body.Length < 15 || body[0] != 8 || body[5] != 3)
                    {
                        return false;
                    }

                    height = BinaryPrimitives.ReadUInt16BigEndian(body[1..]);
                    width = BinaryPrimitives.ReadUInt16BigEndian(body[3..]);
                    byte luma = body[7];
                    if (body[10] != 0x11 || body[13] != 0x11)
                    {
                        return false;
                    }

                    type = luma == 0x21 ? 0 : luma == 0x22 ? 1 : -1;
                    componentTables[0] = body[8];
                    componentTables[1] = body[11];
                    componentTables[2] = body[14];
                    break;
                case 0xC1 or 0xC2 or 0xC3 or 0xC5 or 0xC6 or 0xC7 or 0xC9 or 0xCA or 0xCB or 0xCD or 0xCE or 0xCF:
                    return false; // not baseline
                case 0xDD:
                    if (body.Length < 2)
                    {
                        return false;
                    }

                    restart = BinaryPrimitives.ReadUInt16BigEndian(body);
                    break;
                case 0xDA: // SOS: the scan runs to EOI
                    int start = at + 2 + length;
                    int end = data.Length;
                    if (end - start >= 2 && data[end - 2] == 0xFF && data[end - 1] == 0xD9)
                    {
                        end -= 2;
                    }

                    int lumaTable = tableOffsets[Math.Min(componentTables[0], 3)];
                    int chromaTable = tableOffsets[Math.Min(componentTables[1], 3)];
                    if (type < 0 || width is 0 or > 2040 || height is 0 or > 2040 || width % 8 != 0 || height % 8 != 0
                        || lumaTable < 0 || chromaTable < 0 || end <= start)
                    {
                        return false;
                    }

                    image = new JpegImage
                    {
                        Type = type,
                        Width = width,
                        Height = height,
                        RestartInterval = restart,
                        Luma = data.Slice(lumaTable, 64),
                        Chroma = data.Slice(chromaTable, 64),
                        Scan = data[start..end],
                    };
                    return true;
            }

            at += 2 + length;
        }

        return false;
    }
}
