namespace EdgeBox.Media.Codecs;

/// <summary>
/// Emulation prevention in H.264/H.265 NAL units (H.264 §7.4.1, H.265 §7.4.2): an encoder inserts 0x03
/// after any two zero bytes that would otherwise be followed by 0x00-0x03, so no start code appears
/// inside a NAL unit. Parsers read the RBSP, with those bytes removed.
/// </summary>
internal static class EmulationPrevention
{
    private static ReadOnlySpan<byte> Pattern => [0, 0, 3];

    /// <summary>
    /// Copies <paramref name="source"/> (a NAL unit or part of one) to <paramref name="destination"/>
    /// without its emulation prevention bytes (each 0x03 of 0x00 0x00 0x03) and returns the length
    /// written. <paramref name="destination"/> must hold <c>source.Length</c> bytes; it may be the same
    /// memory as <paramref name="source"/> (in-place removal).
    /// </summary>
    public static int Remove(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("destination is shorter than source", nameof(destination));
        }

        int read = 0, written = 0;
        while (true)
        {
            int found = source[read..].IndexOf(Pattern);
            if (found < 0)
            {
                break;
            }

            // Keep the two zeros, drop the 0x03; the zero run starts again after it.
            int keep = found + 2;
            source.Slice(read, keep).CopyTo(destination[written..]);
            written += keep;
            read += keep + 1;
        }

        int rest = source.Length - read;
        source[read..].CopyTo(destination[written..]);
        return written + rest;
    }

    /// <summary>True when <paramref name="source"/> holds no emulation prevention byte (nothing to remove).</summary>
    public static bool IsAbsent(ReadOnlySpan<byte> source) => source.IndexOf(Pattern) < 0;
}
