namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Reads the elements of an RFC 8285 header extension (the data <see cref="RtpHeader.GetExtension"/>
/// returns). One-byte form, profile 0xBEDE (§4.2): a byte of ID (4 bits) and length - 1 (4 bits), then
/// 1..16 bytes; ID 0 is a padding byte, ID 15 stops processing. Two-byte form, profile 0x100X (§4.3):
/// a byte of ID, a byte of length (0..255), then the data; ID 0 is a padding byte.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ID   | len=0 |     data      |  ID   | len=1 |   data...     |   one-byte form
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      ID       |     length    |     data...                   |   two-byte form
/// </code>
/// </summary>
internal ref struct RtpHeaderExtensionReader
{
    public const ushort OneByteProfile = 0xBEDE;

    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _twoByte;
    private int _offset;

    public RtpHeaderExtensionReader(ushort profile, ReadOnlySpan<byte> data)
    {
        _data = data;
        _twoByte = (profile & 0xFFF0) == 0x1000;
        IsRfc8285 = _twoByte || profile == OneByteProfile;
        _offset = IsRfc8285 ? 0 : data.Length;
    }

    /// <summary>The profile is one of the RFC 8285 forms (another profile yields no elements).</summary>
    public bool IsRfc8285 { get; }

    /// <summary>An element ran past the end of the extension; reading stopped there.</summary>
    public bool Malformed { get; private set; }

    /// <summary>Offset in the extension data just past the element last read (so its data starts at <c>Position - value.Length</c>).</summary>
    public readonly int Position => _offset;

    /// <summary>Finds the element <paramref name="id"/> in the header extension of <paramref name="packet"/>, which <paramref name="header"/> was parsed from.</summary>
    public static bool TryFind(in RtpHeader header, ReadOnlySpan<byte> packet, byte id, out ReadOnlySpan<byte> value) =>
        TryFind(header, packet, id, out value, out _);

    /// <param name="offset">Where <paramref name="value"/> starts in <paramref name="packet"/>.</param>
    internal static bool TryFind(in RtpHeader header, ReadOnlySpan<byte> packet, byte id, out ReadOnlySpan<byte> value, out int offset)
    {
        if (header.Extension && id != 0)
        {
            var reader = new RtpHeaderExtensionReader(header.ExtensionProfile, header.GetExtension(packet));
            while (reader.TryReadNext(out byte found, out value))
            {
                if (found == id)
                {
                    offset = header.ExtensionOffset + reader.Position - value.Length;
                    return true;
                }
            }
        }

        value = default;
        offset = 0;
        return false;
    }

    public bool TryReadNext(out byte id, out ReadOnlySpan<byte> value)
    {
        while (_offset < _data.Length)
        {
            byte b = _data[_offset];
            if (b == 0)
            {
                _offset++; // padding, in both forms
                continue;
            }

            int length;
            int start;
            if (_twoByte)
            {
                if (_offset + 2 > _data.Length)
                {
                    return Stop(out id, out value, malformed: true);
                }

                id = b;
                length = _data[_offset + 1];
                start = _offset + 2;
            }
            else
            {
                id = (byte)(b >> 4);
                if (id == 15)
                {
                    return Stop(out id, out value, malformed: false);
                }

                length = (b & 0x0F) + 1;
                start = _offset + 1;
            }

            if (start + length > _data.Length)
            {
                return Stop(out id, out value, malformed: true);
            }

            value = _data.Slice(start, length);
            _offset = start + length;
            return true;
        }

        id = 0;
        value = default;
        return false;
    }

    private bool Stop(out byte id, out ReadOnlySpan<byte> value, bool malformed)
    {
        Malformed = malformed;
        _offset = _data.Length;
        id = 0;
        value = default;
        return false;
    }
}
