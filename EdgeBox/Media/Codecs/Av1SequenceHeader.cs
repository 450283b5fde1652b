namespace EdgeBox.Media.Codecs;

/// <summary>
/// What EdgeBox reads of an AV1 sequence header OBU (AV1 specification §5.5): the profile, the level and tier
/// of operating point 0, the largest frame size, and the color configuration the <c>av1C</c> record repeats.
/// </summary>
/// <param name="Profile">seq_profile: 0 Main (4:2:0, 4:0:0), 1 High (4:4:4), 2 Professional.</param>
/// <param name="Level">seq_level_idx[0]: 0 is level 2.0, 8 is 4.0, 31 means no level constraint.</param>
/// <param name="Tier">seq_tier[0] (only levels above 3.3 have a high tier).</param>
/// <param name="Width">max_frame_width_minus_1 + 1.</param>
/// <param name="Height">max_frame_height_minus_1 + 1.</param>
/// <param name="ChromaSamplePosition">0 unknown, 1 vertical, 2 colocated (4:2:0 only).</param>
internal readonly record struct Av1SequenceHeader(
    int Profile, int Level, int Tier, int Width, int Height, bool ReducedStillPictureHeader,
    int BitDepth, bool Monochrome, bool SubsamplingX, bool SubsamplingY, int ChromaSamplePosition)
{
    private const int ColorPrimariesBt709 = 1;
    private const int TransferSrgb = 13;
    private const int MatrixIdentity = 0;

    /// <summary>Parses a sequence header OBU (its header included, with or without <c>obu_size</c>). False for any other OBU or one cut short.</summary>
    public static bool TryParse(ReadOnlySpan<byte> obu, out Av1SequenceHeader header)
    {
        header = default;
        return Av1Obu.TryRead(obu, out var parsed, out _) && parsed.Type == Av1Obu.SequenceHeader && TryParsePayload(parsed.Payload, out header);
    }

    /// <summary>sequence_header_obu() (§5.5.1) up to and including color_config().</summary>
    public static bool TryParsePayload(ReadOnlySpan<byte> payload, out Av1SequenceHeader header)
    {
        header = default;
        var bits = new BitReader(payload);
        int profile = (int)bits.ReadBits(3);
        bits.Skip(1); // still_picture
        bool reduced = bits.ReadFlag();
        int level;
        int tier = 0;
        if (reduced)
        {
            level = (int)bits.ReadBits(5);
        }
        else if (!TryReadOperatingPoints(ref bits, out level, out tier))
        {
            return false;
        }

        int widthBits = (int)bits.ReadBits(4) + 1;
        int heightBits = (int)bits.ReadBits(4) + 1;
        int width = (int)bits.ReadBits(widthBits) + 1;
        int height = (int)bits.ReadBits(heightBits) + 1;
        SkipCodingTools(ref bits, reduced);
        if (profile > 2 || bits.Overflowed || !TryReadColorConfig(ref bits, profile, out var color))
        {
            return false;
        }

        header = new Av1SequenceHeader(profile, level, tier, width, height, reduced,
            color.BitDepth, color.Monochrome, color.SubsamplingX, color.SubsamplingY, color.ChromaSamplePosition);
        return true;
    }

    /// <summary>timing_info, decoder_model_info and the operating points (§5.5.1); level and tier of the first.</summary>
    private static bool TryReadOperatingPoints(ref BitReader bits, out int level, out int tier)
    {
        level = tier = 0;
        bool decoderModelInfo = false;
        int bufferDelayLength = 0;
        if (bits.ReadFlag()) // timing_info_present_flag
        {
            bits.Skip(64); // num_units_in_display_tick, time_scale
            if (bits.ReadFlag() && !TrySkipUvlc(ref bits)) // equal_picture_interval: num_ticks_per_picture_minus_1
            {
                return false;
            }

            decoderModelInfo = bits.ReadFlag();
            if (decoderModelInfo)
            {
                bufferDelayLength = (int)bits.ReadBits(5) + 1;
                bits.Skip(32 + 5 + 5); // num_units_in_decoding_tick, buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
            }
        }

        bool initialDisplayDelay = bits.ReadFlag();
        int count = (int)bits.ReadBits(5) + 1;
        for (int i = 0; i < count && !bits.Overflowed; i++)
        {
            bits.Skip(12); // operating_point_idc
            int pointLevel = (int)bits.ReadBits(5);
            int pointTier = pointLevel > 7 ? (int)bits.ReadBits(1) : 0;
            if (decoderModelInfo && bits.ReadFlag())
            {
                bits.Skip((2 * bufferDelayLength) + 1); // decoder_buffer_delay, encoder_buffer_delay, low_delay_mode_flag
            }

            if (initialDisplayDelay && bits.ReadFlag())
            {
                bits.Skip(4); // initial_display_delay_minus_1
            }

            if (i == 0)
            {
                (level, tier) = (pointLevel, pointTier);
            }
        }

        return !bits.Overflowed;
    }

    /// <summary>The flags between the frame size and color_config() (§5.5.1).</summary>
    private static void SkipCodingTools(ref BitReader bits, bool reduced)
    {
        if (!reduced && bits.ReadFlag()) // frame_id_numbers_present_flag
        {
            bits.Skip(4 + 3); // delta_frame_id_length_minus_2, additional_frame_id_length_minus_1
        }

        bits.Skip(3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
        if (!reduced)
        {
            bits.Skip(4); // enable_interintra_compound, enable_masked_compound, enable_warped_motion, enable_dual_filter
            bool orderHint = bits.ReadFlag();
            if (orderHint)
            {
                bits.Skip(2); // enable_jnt_comp, enable_ref_frame_mvs
            }

            // seq_choose_screen_content_tools, else seq_force_screen_content_tools; when not 0, the integer mv pair.
            bool screenContentTools = bits.ReadFlag() || bits.ReadFlag();
            if (screenContentTools && !bits.ReadFlag())
            {
                bits.Skip(1); // seq_force_integer_mv
            }

            if (orderHint)
            {
                bits.Skip(3); // order_hint_bits_minus_1
            }
        }

        bits.Skip(3); // enable_superres, enable_cdef, enable_restoration
    }

    /// <summary>color_config() (§5.5.2), up to chroma_sample_position.</summary>
    private static bool TryReadColorConfig(ref BitReader bits, int profile, out (int BitDepth, bool Monochrome, bool SubsamplingX, bool SubsamplingY, int ChromaSamplePosition) color)
    {
        bool highBitdepth = bits.ReadFlag();
        int bitDepth = profile == 2 && highBitdepth ? bits.ReadFlag() ? 12 : 10 : highBitdepth ? 10 : 8;
        bool monochrome = profile != 1 && bits.ReadFlag();
        int primaries = 2, transfer = 2, matrix = 2; // unspecified
        if (bits.ReadFlag()) // color_description_present_flag
        {
            (primaries, transfer, matrix) = ((int)bits.ReadBits(8), (int)bits.ReadBits(8), (int)bits.ReadBits(8));
        }

        bool x, y;
        int position = 0;
        if (monochrome)
        {
            bits.Skip(1); // color_range
            (x, y) = (true, true);
        }
        else if (primaries == ColorPrimariesBt709 && transfer == TransferSrgb && matrix == MatrixIdentity)
        {
            (x, y) = (false, false); // sRGB: 4:4:4, full range, nothing more coded
        }
        else
        {
            bits.Skip(1); // color_range
            if (profile == 0)
            {
                (x, y) = (true, true);
            }
            else if (profile == 1)
            {
                (x, y) = (false, false);
            }
            else if (bitDepth == 12)
            {
                x = bits.ReadFlag();
                y = x && bits.ReadFlag();
            }
            else
            {
                (x, y) = (true, false);
            }

            if (x && y)
            {
                position = (int)bits.ReadBits(2);
            }
        }

        color = (bitDepth, monochrome, x, y, position);
        return !bits.Overflowed;
    }

    /// <summary>uvlc() (§4.10.3): leading zeros, a one, then as many value bits.</summary>
    private static bool TrySkipUvlc(ref BitReader bits)
    {
        int zeros = 0;
        while (!bits.ReadFlag())
        {
            if (bits.Overflowed || ++zeros > 32)
            {
                return false;
            }
        }

        if (zeros < 32)
        {
            bits.Skip(zeros);
        }

        return !bits.Overflowed;
    }
}
