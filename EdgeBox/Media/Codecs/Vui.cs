namespace EdgeBox.Media.Codecs;

/// <summary>
/// The start of the video usability information that H.264 (Annex E.1.1) and H.265 (Annex E.2.1) share,
/// read up to the timing information: sample aspect ratio, range, and the tick that gives the frame rate.
/// HRD parameters and bitstream restrictions after it are not read.
/// </summary>
internal readonly record struct Vui
{
    public int SarWidth { get; init; }

    public int SarHeight { get; init; }

    public bool VideoFullRange { get; init; }

    public uint NumUnitsInTick { get; init; }

    public uint TimeScale { get; init; }

    /// <summary>H.264 only: fixed_frame_rate_flag.</summary>
    public bool FixedFrameRate { get; init; }

    private const int ExtendedSar = 255;

    /// <summary>Table E-1: the sample aspect ratios aspect_ratio_idc 1 to 16 stand for.</summary>
    private static ReadOnlySpan<byte> SarTable =>
    [
        0, 0, 1, 1, 12, 11, 10, 11, 16, 11, 40, 33, 24, 11, 20, 11, 32, 11, 80, 33, 18, 11, 15, 11, 64, 33, 160, 99, 4, 3, 3, 2, 2, 1,
    ];

    public static bool TryParse(ref BitReader r, bool hevc, out Vui vui)
    {
        vui = default;
        int sarWidth = 0, sarHeight = 0;
        if (r.ReadFlag())
        {
            int idc = (int)r.ReadBits(8);
            if (idc == ExtendedSar)
            {
                sarWidth = (int)r.ReadBits(16);
                sarHeight = (int)r.ReadBits(16);
            }
            else if (idc * 2 < SarTable.Length)
            {
                sarWidth = SarTable[idc * 2];
                sarHeight = SarTable[(idc * 2) + 1];
            }
        }

        if (r.ReadFlag())
        {
            r.Skip(1); // overscan_appropriate_flag
        }

        bool fullRange = false;
        if (r.ReadFlag())
        {
            r.Skip(3); // video_format
            fullRange = r.ReadFlag();
            if (r.ReadFlag())
            {
                r.Skip(24); // colour_primaries, transfer_characteristics, matrix_coefficients
            }
        }

        if (r.ReadFlag())
        {
            r.ReadUe(); // chroma_sample_loc_type_top_field
            r.ReadUe(); // chroma_sample_loc_type_bottom_field
        }

        if (hevc)
        {
            r.Skip(3); // neutral_chroma_indication_flag, field_seq_flag, frame_field_info_present_flag
            if (r.ReadFlag())
            {
                // default_display_window offsets: a display hint players ignore, as FFmpeg does.
                r.ReadUe();
                r.ReadUe();
                r.ReadUe();
                r.ReadUe();
            }
        }

        uint numUnitsInTick = 0, timeScale = 0;
        bool fixedFrameRate = false;
        if (r.ReadFlag())
        {
            numUnitsInTick = r.ReadBits(32);
            timeScale = r.ReadBits(32);
            if (!hevc)
            {
                fixedFrameRate = r.ReadFlag();
            }

            if (numUnitsInTick == 0 || timeScale == 0)
            {
                numUnitsInTick = timeScale = 0;
            }
        }

        if (r.Overflowed)
        {
            return false;
        }

        vui = new Vui
        {
            SarWidth = sarWidth,
            SarHeight = sarHeight,
            VideoFullRange = fullRange,
            NumUnitsInTick = numUnitsInTick,
            TimeScale = timeScale,
            FixedFrameRate = fixedFrameRate,
        };
        return true;
    }
}
