namespace EdgeBox.Media.Codecs;

/// <summary>
/// What an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1) says about the stream: profile, level,
/// chroma format, bit depth, the displayed size (after frame cropping) and, when the VUI carries timing
/// information, the frame rate. Also the fields a slice header parser needs (frame_num and POC sizes).
/// </summary>
internal readonly record struct H264Sps
{
    public int ProfileIdc { get; init; }

    /// <summary>constraint_set0_flag (bit 7) to constraint_set5_flag (bit 2) and the 2 reserved bits, as the SPS stores them.</summary>
    public int ConstraintFlags { get; init; }

    /// <summary>level_idc: ten times the level (31 = level 3.1); 9 (or 11 with constraint_set3 in Baseline/Main) is level 1b.</summary>
    public int LevelIdc { get; init; }

    public int SeqParameterSetId { get; init; }

    /// <summary>0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (1 unless a High profile says otherwise).</summary>
    public int ChromaFormatIdc { get; init; }

    public bool SeparateColourPlane { get; init; }

    public int BitDepthLuma { get; init; }

    public int BitDepthChroma { get; init; }

    /// <summary>True when the SPS carries its own scaling matrices (seq_scaling_matrix_present_flag).</summary>
    public bool ScalingMatrixPresent { get; init; }

    public int Log2MaxFrameNum { get; init; }

    public int PicOrderCntType { get; init; }

    /// <summary>For <see cref="PicOrderCntType"/> 0; 0 otherwise.</summary>
    public int Log2MaxPicOrderCntLsb { get; init; }

    /// <summary>For <see cref="PicOrderCntType"/> 1.</summary>
    public bool DeltaPicOrderAlwaysZero { get; init; }

    public int MaxNumRefFrames { get; init; }

    /// <summary>False when pictures may be coded as fields (interlaced); heights in map units are then field pairs.</summary>
    public bool FrameMbsOnly { get; init; }

    public bool MbAdaptiveFrameField { get; init; }

    /// <summary>The decoded size before cropping: whole macroblocks (1920x1088 for 1080p).</summary>
    public int CodedWidth { get; init; }

    public int CodedHeight { get; init; }

    /// <summary>The displayed width: <see cref="CodedWidth"/> less the frame cropping.</summary>
    public int Width { get; init; }

    public int Height { get; init; }

    /// <summary>Sample (pixel) aspect ratio from the VUI; 0:0 when unspecified.</summary>
    public int SarWidth { get; init; }

    public int SarHeight { get; init; }

    public bool VideoFullRange { get; init; }

    /// <summary>VUI timing: a tick is NumUnitsInTick / TimeScale seconds; 0 when absent.</summary>
    public uint NumUnitsInTick { get; init; }

    public uint TimeScale { get; init; }

    public bool FixedFrameRate { get; init; }

    /// <summary>Frames per second from the VUI timing (time_scale / (2 * num_units_in_tick)); null when absent.</summary>
    public double? FrameRate => NumUnitsInTick > 0 && TimeScale > 0 ? TimeScale / (2.0 * NumUnitsInTick) : null;

    /// <summary>The RFC 6381 codec string, <c>avc1.64001f</c>.</summary>
    public string CodecString => H264.CodecString(ProfileIdc, ConstraintFlags, LevelIdc);

    /// <summary>The SDP profile-level-id, <c>64001f</c>.</summary>
    public string ProfileLevelId => CodecString[5..];

    public bool HasConstraintSet(int index) => (uint)index <= 5 && ((ConstraintFlags >> (7 - index)) & 1) != 0;

    /// <summary>
    /// Parses an SPS NAL unit (header byte first, emulation prevention bytes in place). False for anything
    /// else, a truncated SPS, or values out of the ranges H.264 allows; never throws. A VUI that is cut
    /// short or malformed is ignored (no SAR, no timing) rather than failing the SPS, as decoders do.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out H264Sps sps)
    {
        sps = default;
        if (nal.Length < 4 || (nal[0] & 0x9F) != H264.NalSps)
        {
            return false;
        }

        using var rbsp = Rbsp.Unescape(nal[1..], stackalloc byte[256]);
        var reader = new BitReader(rbsp.Span);
        return TryParseRbsp(ref reader, out sps);
    }

    private static bool TryParseRbsp(ref BitReader r, out H264Sps sps)
    {
        sps = default;
        int profileIdc = (int)r.ReadBits(8);
        int constraintFlags = (int)r.ReadBits(8);
        int levelIdc = (int)r.ReadBits(8);
        uint spsId = r.ReadUe();
        if (r.Overflowed || spsId > 31)
        {
            return false;
        }

        uint chromaFormatIdc = 1, bitDepthLuma = 8, bitDepthChroma = 8;
        bool separateColourPlane = false, scalingMatrixPresent = false;
        if (HasChromaFormat(profileIdc))
        {
            chromaFormatIdc = r.ReadUe();
            if (chromaFormatIdc > 3)
            {
                return false;
            }

            if (chromaFormatIdc == 3)
            {
                separateColourPlane = r.ReadFlag();
            }

            bitDepthLuma = r.ReadUe() + 8;
            bitDepthChroma = r.ReadUe() + 8;
            if (bitDepthLuma > 14 || bitDepthChroma > 14)
            {
                return false;
            }

            r.Skip(1); // qpprime_y_zero_transform_bypass_flag
            scalingMatrixPresent = r.ReadFlag();
            if (scalingMatrixPresent)
            {
                int lists = chromaFormatIdc != 3 ? 8 : 12;
                for (int i = 0; i < lists; i++)
                {
                    if (r.ReadFlag() && !SkipScalingList(ref r, i < 6 ? 16 : 64))
                    {
                        return false;
                    }
                }
            }
        }

        uint log2MaxFrameNum = r.ReadUe() + 4;
        uint pocType = r.ReadUe();
        if (r.Overflowed || log2MaxFrameNum > 16 || pocType > 2)
        {
            return false;
        }

        uint log2MaxPocLsb = 0;
        bool deltaPicOrderAlwaysZero = false;
        if (pocType == 0)
        {
            log2MaxPocLsb = r.ReadUe() + 4;
            if (log2MaxPocLsb > 16)
            {
                return false;
            }
        }
        else if (pocType == 1)
        {
            deltaPicOrderAlwaysZero = r.ReadFlag();
            r.ReadSe(); // offset_for_non_ref_pic
            r.ReadSe(); // offset_for_top_to_bottom_field
            uint cycle = r.ReadUe();
            if (cycle > 255)
            {
                return false;
            }

            for (int i = 0; i < cycle && !r.Overflowed; i++)
            {
                r.ReadSe(); // offset_for_ref_frame
            }
        }

        uint maxNumRefFrames = r.ReadUe();
        r.Skip(1); // gaps_in_frame_num_value_allowed_flag
        uint widthInMbs = r.ReadUe() + 1;
        uint heightInMapUnits = r.ReadUe() + 1;
        bool frameMbsOnly = r.ReadFlag();
        bool mbAdaptiveFrameField = !frameMbsOnly && r.ReadFlag();
        r.Skip(1); // direct_8x8_inference_flag
        uint cropLeft = 0, cropRight = 0, cropTop = 0, cropBottom = 0;
        if (r.ReadFlag())
        {
            cropLeft = r.ReadUe();
            cropRight = r.ReadUe();
            cropTop = r.ReadUe();
            cropBottom = r.ReadUe();
        }

        bool vuiPresent = r.ReadFlag();
        const uint maxMbs = 4096; // 65536 samples a side: far beyond any level, safe from overflow
        if (r.Overflowed || maxNumRefFrames > 16 || widthInMbs > maxMbs || heightInMapUnits > maxMbs)
        {
            return false;
        }

        int codedWidth = (int)widthInMbs * 16;
        int codedHeight = (int)heightInMapUnits * (frameMbsOnly ? 1 : 2) * 16;

        // Cropping is in chroma sample units, doubled vertically for field-coded streams (§7.4.2.1.1).
        int chromaArrayType = separateColourPlane ? 0 : (int)chromaFormatIdc;
        int cropUnitX = chromaArrayType is 1 or 2 ? 2 : 1;
        int cropUnitY = (chromaArrayType == 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
        long width = codedWidth - (((long)cropLeft + cropRight) * cropUnitX);
        long height = codedHeight - (((long)cropTop + cropBottom) * cropUnitY);
        if (width <= 0 || height <= 0)
        {
            return false;
        }

        sps = new H264Sps
        {
            ProfileIdc = profileIdc,
            ConstraintFlags = constraintFlags,
            LevelIdc = levelIdc,
            SeqParameterSetId = (int)spsId,
            ChromaFormatIdc = (int)chromaFormatIdc,
            SeparateColourPlane = separateColourPlane,
            BitDepthLuma = (int)bitDepthLuma,
            BitDepthChroma = (int)bitDepthChroma,
            ScalingMatrixPresent = scalingMatrixPresent,
            Log2MaxFrameNum = (int)log2MaxFrameNum,
            PicOrderCntType = (int)pocType,
            Log2MaxPicOrderCntLsb = (int)log2MaxPocLsb,
            DeltaPicOrderAlwaysZero = deltaPicOrderAlwaysZero,
            MaxNumRefFrames = (int)maxNumRefFrames,
            FrameMbsOnly = frameMbsOnly,
            MbAdaptiveFrameField = mbAdaptiveFrameField,
            CodedWidth = codedWidth,
            CodedHeight = codedHeight,
            Width = (int)width,
            Height = (int)height,
        };

        if (vuiPresent)
        {
            var vuiReader = r;
            if (Vui.TryParse(ref vuiReader, hevc: false, out var vui))
            {
                sps = sps with
                {
                    SarWidth = vui.SarWidth,
                    SarHeight = vui.SarHeight,
                    VideoFullRange = vui.VideoFullRange,
                    NumUnitsInTick = vui.NumUnitsInTick,
                    TimeScale = vui.TimeScale,
                    FixedFrameRate = vui.FixedFrameRate,
                };
            }
        }

        return true;
    }

    /// <summary>The profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices.</summary>
    private static bool HasChromaFormat(int profileIdc) =>
        profileIdc is 100 or 110 or 122 or 244 or 44 or 83 or 86 or 118 or 128 or 138 or 139 or 134 or 135;

    /// <summary>scaling_list() (§7.3.2.1.1.1): deltas until the list ends or a delta makes the next scale 0.</summary>
    private static bool SkipScalingList(ref BitReader r, int size)
    {
        int lastScale = 8, nextScale = 8;
        for (int j = 0; j < size; j++)
        {
            if (nextScale != 0)
            {
                int delta = r.ReadSe();
                if (r.Overflowed || delta < -128 || delta > 127)
                {
                    return false;
                }

                nextScale = (lastScale + delta + 256) % 256;
            }

            lastScale = nextScale == 0 ? lastScale : nextScale;
        }

        return !r.Overflowed;
    }
}
