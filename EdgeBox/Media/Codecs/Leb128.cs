namespace EdgeBox.Media.Codecs;

/// <summary>
/// The unsigned little-endian base-128 numbers of AV1 (AV1 specification §4.10.5, <c>leb128()</c>): seven
/// bits a byte, low group first, the top bit set on every byte but the last. Used for <c>obu_size</c> and for
/// the OBU element lengths of the AV1 RTP payload format.
/// </summary>
internal static class Leb128
{
    /// <summary>The specification reads at most 8 bytes.</summary>
    public const int MaxBytes = 8;

    /// <summary>
    /// Reads one number. False when <paramref name="data"/> ends inside it, when it runs past 8 bytes, or when
    /// the value exceeds 2^32 - 1 (a conformance requirement of §4.10.5).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out uint value, out int length)
    {
        ulong result = 0;
        for (int i = 0; i < MaxBytes && i < data.Length; i++)
        {
            byte b = data[i];
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (result > uint.MaxValue)
                {
                    break;
                }

                value = (uint)result;
                length = i + 1;
                return true;
            }
        }

        value = 0;
        length = 0;
        return false;
    }

    /// <summary>Bytes of the shortest encoding of <paramref name="value"/> (1 to 5).</summary>
    public static int Size(uint value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    /// <summary>Writes the shortest encoding of <paramref name="value"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
