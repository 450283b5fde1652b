namespace EdgeBox.Media.Codecs;

/// <summary>
/// VP9 frames and superframes (VP9 Bitstream Specification v0.6, Annex B). A superframe is several frames
/// (typically a hidden alternate reference frame and the frame shown) in one chunk, followed by an index
/// that gives their sizes:
/// <code>
/// +---------+---------+-----+--------+----------------------------+--------+
/// | frame 0 | frame 1 | ... | marker | frame sizes, little-endian | marker |
/// +---------+---------+-----+--------+----------------------------+--------+
///  marker: 0b110 | bytes_per_framesize_minus_1 (2) | frames_in_superframe_minus_1 (3)
/// </code>
/// A chunk without an index is one frame.
/// </summary>
internal static class Vp9
{
    /// <summary>A superframe holds at most 8 frames (3 bits).</summary>
    public const int MaxFramesInSuperframe = 8;

    /// <summary>
    /// True when the chunk can start decoding: its first frame (the only one, or the first of a superframe)
    /// is a key frame. show_existing_frame and intra-only frames are not key frames: the first shows a frame
    /// decoded earlier, the second needs the reference state a key frame resets.
    /// </summary>
    public static bool IsKeyframe(ReadOnlySpan<byte> chunk) =>
        Vp9FrameHeader.TryParse(FirstFrame(chunk), out var header) && header.Keyframe;

    /// <summary>The first frame of a superframe, or the whole chunk when it has no (valid) index.</summary>
    public static ReadOnlySpan<byte> FirstFrame(ReadOnlySpan<byte> chunk)
    {
        Span<int> sizes = stackalloc int[MaxFramesInSuperframe];
        int count = ReadSuperframeIndex(chunk, sizes, out _);
        return count > 0 ? chunk[..sizes[0]] : chunk;
    }

    /// <summary>
    /// Reads the superframe index at the end of <paramref name="chunk"/>: the frame sizes go to
    /// <paramref name="sizes"/> (8 entries are enough). Returns the number of frames, 0 when the chunk has
    /// no index or one whose sizes do not add up (then it is taken as one frame, as libvpx does).
    /// </summary>
    public static int ReadSuperframeIndex(ReadOnlySpan<byte> chunk, Span<int> sizes, out int indexSize)
    {
        indexSize = 0;
        if (chunk.IsEmpty)
        {
            return 0;
        }

        byte marker = chunk[^1];
        if ((marker & 0xE0) != 0xC0)
        {
            return 0;
        }

        int frames = (marker & 7) + 1;
        int magnitude = ((marker >> 3) & 3) + 1;
        int size = 2 + (magnitude * frames);
        if (chunk.Length < size || chunk[^size] != marker || sizes.Length < frames)
        {
            return 0;
        }

        long total = 0;
        var entries = chunk.Slice(chunk.Length - size + 1, magnitude * frames);
        for (int i = 0; i < frames; i++)
        {
            int frameSize = 0;
            for (int b = 0; b < magnitude; b++)
            {
                frameSize |= entries[(i * magnitude) + b] << (8 * b);
            }

            if (frameSize <= 0)
            {
                return 0;
            }

            sizes[i] = frameSize;
            total += frameSize;
        }

        if (total > chunk.Length - size)
        {
            return 0;
        }

        indexSize = size;
        return frames;
    }

    /// <summary>Bytes of the superframe index for frames of these sizes.</summary>
    public static int SuperframeIndexSize(ReadOnlySpan<int> sizes) => 2 + (MagnitudeOf(sizes) * sizes.Length);

    /// <summary>Writes the superframe index for 2 to 8 frames of these sizes; returns its length.</summary>
    public static int WriteSuperframeIndex(Span<byte> destination, ReadOnlySpan<int> sizes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizes.Length, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sizes.Length, MaxFramesInSuperframe);
        int magnitude = MagnitudeOf(sizes);
        byte marker = (byte)(0xC0 | ((magnitude - 1) << 3) | (sizes.Length - 1));
        int at = 0;
        destination[at++] = marker;
        foreach (int size in sizes)
        {
            for (int b = 0; b < magnitude; b++)
            {
                destination[at++] = (byte)(size >> (8 * b));
            }
        }

        destination[at++] = marker;
        return at;
    }

    private static int MagnitudeOf(ReadOnlySpan<int> sizes)
    {
        int largest = 0;
        foreach (int size in sizes)
        {
            largest = Math.Max(largest, size);
        }

        return largest < 1 << 8 ? 1 : largest < 1 << 16 ? 2 : largest < 1 << 24 ? 3 : 4;
    }
}

/// <summary>
/// The start of a VP9 uncompressed header (VP9 Bitstream Specification §6.2): the profile, whether the frame
/// is a key frame, and for key frames and intra-only frames the bit depth and the picture size.
/// <code>
/// frame_marker (2) = 2 | profile_low_bit | profile_high_bit | [reserved_zero, profile 3] | show_existing_frame
/// | frame_type (0 = key) | show_frame | error_resilient_mode | key: sync code 49 83 42, color_config, size - 1 (16 + 16)
/// </code>
/// </summary>
/// <param name="Profile">0 to 3: 8-bit 4:2:0; 8-bit 4:2:2/4:4:0/4:4:4; 10/12-bit 4:2:0; 10/12-bit other.</param>
/// <param name="BitDepth">8, 10 or 12 (known on key and intra-only frames; 0 otherwise).</param>
/// <param name="Width">Picture width on key and intra-only frames; 0 otherwise.</param>
internal readonly record struct Vp9FrameHeader(
    int Profile, bool ShowExistingFrame, bool Keyframe, bool ShowFrame, bool IntraOnly, int BitDepth, int Width, int Height)
{
    private const uint SyncCode = 0x498342;
    private const int ColorSpaceRgb = 7;

    /// <summary>Parses the header of one frame (not a superframe: take <see cref="Vp9.FirstFrame"/>). False when it is not VP9 or is cut short.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out Vp9FrameHeader header)
    {
        header = default;
        var bits = new BitReader(frame);
        if (bits.ReadBits(2) != 2)
        {
            return false; // frame_marker
        }

        int low = (int)bits.ReadBits(1);
        int profile = ((int)bits.ReadBits(1) << 1) | low;
        if (profile == 3 && bits.ReadFlag())
        {
            return false; // reserved_zero
        }

        if (bits.ReadFlag())
        {
            bits.Skip(3); // frame_to_show_map_idx
            header = new Vp9FrameHeader(profile, true, false, true, false, 0, 0, 0);
            return !bits.Overflowed;
        }

        bool keyframe = !bits.ReadFlag();
        bool showFrame = bits.ReadFlag();
        bool errorResilient = bits.ReadFlag();
        bool intraOnly = false;
        int bitDepth = 0;
        int width = 0;
        int height = 0;
        if (keyframe)
        {
            if (bits.ReadBits(24) != SyncCode || !TryReadColorConfig(ref bits, profile, out bitDepth))
            {
                return false;
            }

            (width, height) = ((int)bits.ReadBits(16) + 1, (int)bits.ReadBits(16) + 1);
        }
        else
        {
            intraOnly = !showFrame && bits.ReadFlag();
            if (!errorResilient)
            {
                bits.Skip(2); // reset_frame_context
            }

            if (intraOnly)
            {
                if (bits.ReadBits(24) != SyncCode)
                {
                    return false;
                }

                bitDepth = 8; // profile 0 intra-only frames are 8-bit 4:2:0 (§7.2)
                if (profile > 0 && !TryReadColorConfig(ref bits, profile, out bitDepth))
                {
                    return false;
                }

                bits.Skip(8); // refresh_frame_flags
                (width, height) = ((int)bits.ReadBits(16) + 1, (int)bits.ReadBits(16) + 1);
            }
        }

        header = new Vp9FrameHeader(profile, false, keyframe, showFrame, intraOnly, bitDepth, width, height);
        return !bits.Overflowed;
    }

    /// <summary>color_config() (§6.2.2): the bit depth, and bits skipped so the frame size can be read after it.</summary>
    private static bool TryReadColorConfig(ref BitReader bits, int profile, out int bitDepth)
    {
        bitDepth = profile >= 2 ? bits.ReadFlag() ? 12 : 10 : 8; // ten_or_twelve_bit
        bool otherSubsampling = profile is 1 or 3;
        if (bits.ReadBits(3) != ColorSpaceRgb)
        {
            bits.Skip(1); // color_range
            if (otherSubsampling)
            {
                bits.Skip(2); // subsampling_x, subsampling_y
                return !bits.ReadFlag(); // reserved_zero
            }
        }
        else if (otherSubsampling)
        {
            return !bits.ReadFlag(); // reserved_zero (RGB is 4:4:4)
        }
        else
        {
            return false; // RGB needs profile 1 or 3
        }

        return true;
    }
}
