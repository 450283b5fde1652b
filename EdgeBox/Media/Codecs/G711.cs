namespace EdgeBox.Media.Codecs;

/// <summary>
/// G.711 μ-law (PCMU) and A-law (PCMA) ↔ 16-bit linear PCM, bit-exact with the ITU-T reference
/// implementation (G.191 Software Tools Library, g711.c): decoding gives the segment midpoints scaled
/// to 16 bits (μ-law ±32124, A-law ±32256), encoding truncates to the 14-bit (μ-law) or 13-bit (A-law)
/// input the law defines, taking a negative sample's magnitude as its one's complement.
/// </summary>
internal static class G711
{
    private static readonly short[] MuLawTable = BuildTable(MuLawExpand);
    private static readonly short[] ALawTable = BuildTable(ALawExpand);

    public static short DecodeMuLaw(byte code) => MuLawTable[code];

    public static short DecodeALaw(byte code) => ALawTable[code];

    /// <summary>Decodes μ-law bytes into <paramref name="destination"/> (at least as long); returns the sample count.</summary>
    public static int DecodeMuLaw(ReadOnlySpan<byte> source, Span<short> destination) => Decode(MuLawTable, source, destination);

    /// <summary>Decodes A-law bytes into <paramref name="destination"/> (at least as long); returns the sample count.</summary>
    public static int DecodeALaw(ReadOnlySpan<byte> source, Span<short> destination) => Decode(ALawTable, source, destination);

    /// <summary>Encodes samples as μ-law into <paramref name="destination"/> (at least as long); returns the byte count.</summary>
    public static int EncodeMuLaw(ReadOnlySpan<short> source, Span<byte> destination)
    {
        CheckLength(source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = EncodeMuLaw(source[i]);
        }

        return source.Length;
    }

    /// <summary>Encodes samples as A-law into <paramref name="destination"/> (at least as long); returns the byte count.</summary>
    public static int EncodeALaw(ReadOnlySpan<short> source, Span<byte> destination)
    {
        CheckLength(source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = EncodeALaw(source[i]);
        }

        return source.Length;
    }

    /// <summary>G.191 ulaw_compress: the 14-bit magnitude biased by 33, its segment from the highest set bit.</summary>
    public static byte EncodeMuLaw(short sample)
    {
        int magnitude = sample < 0 ? (~sample >> 2) + 33 : (sample >> 2) + 33;
        if (magnitude > 0x1FFF)
        {
            magnitude = 0x1FFF;
        }

        // The segment is 1 for magnitudes below 64, one more per doubling (8 at most).
        int segment = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(magnitude >> 6)) + 1;
        int code = ((8 - segment) << 4) | (15 - ((magnitude >> segment) & 0xF));
        return (byte)(sample >= 0 ? code | 0x80 : code);
    }

    /// <summary>G.191 alaw_compress: the 12-bit magnitude, segment and 4-bit mantissa, even bits inverted.</summary>
    public static byte EncodeALaw(short sample)
    {
        int magnitude = sample < 0 ? ~sample >> 4 : sample >> 4;
        if (magnitude > 15)
        {
            // Segment 1 starts at 16; each later segment doubles; the mantissa drops the leading 1.
            int exponent = 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)magnitude) - 3;
            magnitude = ((magnitude >> (exponent - 1)) - 16) + (exponent << 4);
        }

        if (sample >= 0)
        {
            magnitude |= 0x80;
        }

        return (byte)(magnitude ^ 0x55);
    }

    private static int Decode(short[] table, ReadOnlySpan<byte> source, Span<short> destination)
    {
        CheckLength(source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }

        return source.Length;
    }

    private static void CheckLength(int source, int destination)
    {
        if (destination < source)
        {
            throw new ArgumentException("destination is shorter than source", nameof(destination));
        }
    }

    /// <summary>G.191 ulaw_expand.</summary>
    private static short MuLawExpand(int code)
    {
        int sign = code < 0x80 ? -1 : 1;
        int inverted = ~code;
        int exponent = (inverted >> 4) & 7;
        int mantissa = inverted & 0xF;
        int step = 4 << (exponent + 1);
        return (short)(sign * ((0x80 << exponent) + (step * mantissa) + (step / 2) - (4 * 33)));
    }

    /// <summary>G.191 alaw_expand.</summary>
    private static short ALawExpand(int code)
    {
        int x = (code ^ 0x55) & 0x7F;
        int exponent = x >> 4;
        int mantissa = x & 0xF;
        if (exponent > 0)
        {
            mantissa += 16;
        }

        mantissa = (mantissa << 4) + 8;
        if (exponent > 1)
        {
            mantissa <<= exponent - 1;
        }

        return (short)(code > 127 ? mantissa : -mantissa);
    }

    private static short[] BuildTable(Func<int, short> expand)
    {
        var table = new short[256];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = expand(i);
        }

        return table;
    }
}
