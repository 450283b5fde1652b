using System.Buffers;
using System.Buffers.Binary;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Reassembles RTP/JPEG (RFC 2435) into complete JFIF images. Every packet starts with the main JPEG
/// header; types 64-127 add a restart marker header; the first packet of an image with Q ≥ 128 carries
/// the quantization tables (otherwise they follow from Q, Appendix A):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Type-specific |              Fragment Offset                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Type     |       Q       |     Width     |     Height    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       Restart Interval        |F|L|       Restart Count       |  (types 64-127)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      MBZ      |   Precision   |             Length            |  (Q ≥ 128, offset 0)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The scan data of each packet goes at its fragment offset; an image with a gap (a lost packet) is
/// dropped whole. The rebuilt image has SOI, DQT, SOF0 (4:2:2 for types 0/64, 4:2:0 for 1/65), DRI,
/// the standard DHT, SOS, the scan and EOI, which every decoder accepts.
/// </summary>
internal sealed class MjpegDepacketizer : IRtpDepacketizer
{
    /// <summary>Largest image accepted (a 4K JPEG at high quality is a few MB).</summary>
    public const int MaxImageBytes = 8 * 1024 * 1024;

    private const int MainHeaderSize = 8;

    private readonly ArrayBufferWriter<byte> _scan = new(64 * 1024);
    private readonly byte[] _luma = new byte[64];
    private readonly byte[] _chroma = new byte[64];
    private readonly Dictionary<int, byte[]> _tablesByQ = [];
    private bool _active;
    private uint _timestamp;
    private int _type;
    private int _width;
    private int _height;
    private int _restartInterval;
    private long _dropped;

    public long DroppedUnits => _dropped;

    public void Push(in RtpHeader header, ReadOnlySpan<byte> payload, IAccessUnitSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (payload.Length < MainHeaderSize)
        {
            Drop();
            return;
        }

        int offset = (payload[1] << 16) | (payload[2] << 8) | payload[3];
        int type = payload[4], q = payload[5], width = payload[6] * 8, height = payload[7] * 8;
        var rest = payload[MainHeaderSize..];
        int restartInterval = 0;
        if (type is >= 64 and <= 127)
        {
            if (rest.Length < 4)
            {
                Drop();
                return;
            }

            restartInterval = BinaryPrimitives.ReadUInt16BigEndian(rest);
            rest = rest[4..];
        }

        if ((type & 0x3F) > 1 || width == 0 || height == 0)
        {
            Drop(); // only types 0/1 (and 64/65) are defined with the standard tables
            return;
        }

        if (offset == 0)
        {
            if (_active)
            {
                Drop(); // the previous image never got its marker
            }

            if (!TryTakeTables(q, ref rest))
            {
                Drop();
                return;
            }

            _active = true;
            _timestamp = header.Timestamp;
            (_type, _width, _height, _restartInterval) = (type & 0x3F, width, height, restartInterval);
            _scan.ResetWrittenCount();
        }
        else if (!_active || header.Timestamp != _timestamp || offset != _scan.WrittenCount)
        {
            Drop(); // a fragment of an image whose start (or a middle packet) was lost
            return;
        }

        if (_scan.WrittenCount + rest.Length > MaxImageBytes)
        {
            Drop();
            return;
        }

        _scan.Write(rest);
        if (header.Marker)
        {
            Emit(sink);
        }
    }

    public void Reset()
    {
        _active = false;
        _scan.ResetWrittenCount();
    }

    public void Dispose() => Reset();

    private bool TryTakeTables(int q, ref ReadOnlySpan<byte> rest)
    {
        if (q < 128)
        {
            if (q == 0)
            {
                return false; // Q 0 is reserved
            }

            JpegTables.MakeQuantizationTables(q, _luma, _chroma);
            return true;
        }

        if (rest.Length < 4)
        {
            return false;
        }

        int precision = rest[1];
        int length = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
        rest = rest[4..];
        if (length == 0)
        {
            // Tables sent once for this Q and reused (§4.2); EdgeBox keeps the last ones per Q.
            if (!_tablesByQ.TryGetValue(q, out var cached))
            {
                return false;
            }

            cached.AsSpan(0, 64).CopyTo(_luma);
            cached.AsSpan(64, 64).CopyTo(_chroma);
            return true;
        }

        // 8-bit tables only (precision bits 0): 16-bit tables cannot go into a baseline DQT. One table
        // (FFmpeg sends one when luma and chroma share it) serves both.
        if (precision != 0 || (length != 64 && length != 128) || rest.Length < length)
        {
            return false;
        }

        rest[..64].CopyTo(_luma);
        rest.Slice(length - 64, 64).CopyTo(_chroma);
        if (!_tablesByQ.TryGetValue(q, out var known) || !known.AsSpan(0, 64).SequenceEqual(_luma) || !known.AsSpan(64).SequenceEqual(_chroma))
        {
            _tablesByQ[q] = [.. _luma, .. _chroma]; // only when they change: senders repeat them every image
        }

        rest = rest[length..];
        return true;
    }

    private void Emit(IAccessUnitSink sink)
    {
        _active = false;
        var scan = _scan.WrittenSpan;
        bool endsWithEoi = scan.Length >= 2 && scan[^2] == 0xFF && scan[^1] == 0xD9;
        int headerSize = JfifHeader.Size(_restartInterval > 0);
        byte[] image = ArrayPool<byte>.Shared.Rent(headerSize + scan.Length + 2);
        try
        {
            int written = JfifHeader.Write(image, _type, _width, _height, _restartInterval, _luma, _chroma);
            scan.CopyTo(image.AsSpan(written));
            written += scan.Length;
            if (!endsWithEoi)
            {
                image[written++] = 0xFF;
                image[written++] = 0xD9;
            }

            sink.OnAccessUnit(_timestamp, true, image.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(image);
            _scan.ResetWrittenCount();
        }
    }

    private void Drop()
    {
        if (_active)
        {
            _dropped++;
        }

        Reset();
    }
}

/// <summary>Writes the JFIF headers RFC 2435 Appendix B describes (SOI through SOS) for an RTP/JPEG image.</summary>
internal static class JfifHeader
{
    private static readonly int HuffmanSize =
        2 + (4 * 17) + JpegTables.DcValues.Length + JpegTables.DcValues.Length + JpegTables.AcLuminanceValues.Length + JpegTables.AcChrominanceValues.Length;

    public static int Size(bool restart) => 2 + (4 + 130) + (2 + 17) + (restart ? 6 : 0) + (2 + HuffmanSize) + (2 + 12);

    /// <param name="type">0: 4:2:2 (Y 2x1), 1: 4:2:0 (Y 2x2).</param>
    public static int Write(Span<byte> output, int type, int width, int height, int restartInterval, ReadOnlySpan<byte> luma, ReadOnlySpan<byte> chroma)
    {
        int at = 0;
        Marker(output, ref at, 0xD8);

        Marker(output, ref at, 0xDB);
        UInt16(output, ref at, 2 + (2 * 65));
        output[at++] = 0;
        luma.CopyTo(output[at..]);
        at += 64;
        output[at++] = 1;
        chroma.CopyTo(output[at..]);
        at += 64;

        Marker(output, ref at, 0xC0);
        UInt16(output, ref at, 17);
        output[at++] = 8;
        UInt16(output, ref at, height);
        UInt16(output, ref at, width);
        output[at++] = 3;
        output[at++] = 1;
        output[at++] = (byte)(type == 0 ? 0x21 : 0x22);
        output[at++] = 0;
        output[at++] = 2;
        output[at++] = 0x11;
        output[at++] = 1;
        output[at++] = 3;
        output[at++] = 0x11;
        output[at++] = 1;

        if (restartInterval > 0)
        {
            Marker(output, ref at, 0xDD);
            UInt16(output, ref at, 4);
            UInt16(output, ref at, restartInterval);
        }

        Marker(output, ref at, 0xC4);
        UInt16(output, ref at, HuffmanSize);
        Table(output, ref at, 0x00, JpegTables.DcLuminanceBits, JpegTables.DcValues);
        Table(output, ref at, 0x01, JpegTables.DcChrominanceBits, JpegTables.DcValues);
        Table(output, ref at, 0x10, JpegTables.AcLuminanceBits, JpegTables.AcLuminanceValues);
        Table(output, ref at, 0x11, JpegTables.AcChrominanceBits, JpegTables.AcChrominanceValues);

        Marker(output, ref at, 0xDA);
        UInt16(output, ref at, 12);
        output[at++] = 3;
        output[at++] = 1;
        output[at++] = 0x00;
        output[at++] = 2;
        output[at++] = 0x11;
        output[at++] = 3;
        output[at++] = 0x11;
        output[at++] = 0;
        output[at++] = 63;
        output[at++] = 0;
        return at;
    }

    private static void Table(Span<byte> output, ref int at, byte id, ReadOnlySpan<byte> bits, ReadOnlySpan<byte> values)
    {
        output[at++] = id;
        bits.CopyTo(output[at..]);
        at += 16;
        values.CopyTo(output[at..]);
        at += values.Length;
    }

    private static void Marker(Span<byte> output, ref int at, byte marker)
    {
        output[at++] = 0xFF;
        output[at++] = marker;
    }

    private static void UInt16(Span<byte> output, ref int at, int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(output[at..], (ushort)value);
        at += 2;
    }
}
