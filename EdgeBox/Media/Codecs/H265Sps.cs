using System.Globalization;
using System.Text;

namespace EdgeBox.Media.Codecs;

/// <summary>The general part of an H.265 profile_tier_level() (§7.3.3): what a decoder must support.</summary>
internal readonly record struct H265ProfileTierLevel
{
    /// <summary>general_profile_space: 0 in every stream so far.</summary>
    public int ProfileSpace { get; init; }

    /// <summary>general_tier_flag: the High tier (higher bit rates at a level).</summary>
    public bool HighTier { get; init; }

    /// <summary>general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions (4:2:2, 4:4:4...).</summary>
    public int ProfileIdc { get; init; }

    /// <summary>general_profile_compatibility_flag[0] in bit 31 to [31] in bit 0, as stored.</summary>
    public uint CompatibilityFlags { get; init; }

    /// <summary>The 48 bits from general_progressive_source_flag (bit 47) to general_inbld_flag / reserved (bit 0).</summary>
    public ulong ConstraintFlags { get; init; }

    /// <summary>general_level_idc: 30 times the level (93 = 3.1, 120 = 4).</summary>
    public int LevelIdc { get; init; }

    public bool ProgressiveSource => (ConstraintFlags & (1UL << 47)) != 0;

    public bool InterlacedSource => (ConstraintFlags & (1UL << 46)) != 0;

    public bool IsCompatibleWith(int profileIdc) => (uint)profileIdc < 32 && (CompatibilityFlags & (1u << (31 - profileIdc))) != 0;

    /// <summary>
    /// The codec string of ISO/IEC 14496-15 Annex E (RFC 6381 CODECS), <c>hvc1.1.6.L93.B0</c>: profile space
    /// and profile, compatibility flags in reverse bit order, tier and level, then the constraint bytes
    /// with trailing zero bytes left out. <paramref name="sampleEntry"/> is <c>hvc1</c> (parameter sets in the
    /// sample entry only) or <c>hev1</c> (in band as well).
    /// </summary>
    public string CodecString(string sampleEntry = "hvc1")
    {
        var s = new StringBuilder(sampleEntry, 32).Append('.');
        if (ProfileSpace > 0)
        {
            s.Append((char)('A' + ProfileSpace - 1));
        }

        s.Append(CultureInfo.InvariantCulture, $"{ProfileIdc}.{ReverseBits(CompatibilityFlags):X}.{(HighTier ? 'H' : 'L')}{LevelIdc}");
        int bytes = 6;
        while (bytes > 0 && ((ConstraintFlags >> ((6 - bytes) * 8)) & 0xFF) == 0)
        {
            bytes--;
        }

        for (int i = 0; i < bytes; i++)
        {
            s.Append(CultureInfo.InvariantCulture, $".{(ConstraintFlags >> ((5 - i) * 8)) & 0xFF:X}");
        }

        return s.ToString();
    }

    private static uint ReverseBits(uint value)
    {
        uint result = 0;
        for (int i = 0; i < 32; i++)
        {
            result = (result << 1) | ((value >> i) & 1);
        }

        return result;
    }

    /// <summary>profile_tier_level(1, maxNumSubLayersMinus1): the general part kept, the sub-layer parts skipped.</summary>
    internal static H265ProfileTierLevel Read(ref BitReader r, int maxNumSubLayersMinus1)
    {
        var ptl = new H265ProfileTierLevel
        {
            ProfileSpace = (int)r.ReadBits(2),
            HighTier = r.ReadFlag(),
            ProfileIdc = (int)r.ReadBits(5),
            CompatibilityFlags = r.ReadBits(32),
            ConstraintFlags = r.ReadBitsLong(48),
            LevelIdc = (int)r.ReadBits(8),
        };

        Span<bool> profilePresent = stackalloc bool[8];
        Span<bool> levelPresent = stackalloc bool[8];
        for (int i = 0; i < maxNumSubLayersMinus1; i++)
        {
            profilePresent[i] = r.ReadFlag();
            levelPresent[i] = r.ReadFlag();
        }

        if (maxNumSubLayersMinus1 > 0)
        {
            r.Skip(2 * (8 - maxNumSubLayersMinus1)); // reserved_zero_2bits
        }

        for (int i = 0; i < maxNumSubLayersMinus1; i++)
        {
            if (profilePresent[i])
            {
                r.Skip(88); // sub_layer profile space, tier, profile idc, compatibility and constraint flags
            }

            if (levelPresent[i])
            {
                r.Skip(8); // sub_layer_level_idc
            }
        }

        return ptl;
    }
}

/// <summary>
/// What an H.265 sequence parameter set (§7.3.2.2) says about the stream: profile, tier and level,
/// chroma format, bit depths, the displayed size (after the conformance window) and, when the VUI
/// carries timing information, the frame rate.
/// </summary>
internal readonly record struct H265Sps
{
    public int VideoParameterSetId { get; init; }

    /// <summary>sps_max_sub_layers_minus1 + 1: temporal sub-layers in the stream.</summary>
    public int MaxSubLayers { get; init; }

    public bool TemporalIdNesting { get; init; }

    public H265ProfileTierLevel ProfileTierLevel { get; init; }

    public int SeqParameterSetId { get; init; }

    /// <summary>0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4.</summary>
    public int ChromaFormatIdc { get; init; }

    public bool SeparateColourPlane { get; init; }

    /// <summary>pic_width_in_luma_samples: the decoded width before the conformance window.</summary>
    public int CodedWidth { get; init; }

    public int CodedHeight { get; init; }

    /// <summary>The displayed width: <see cref="CodedWidth"/> less the conformance window.</summary>
    public int Width { get; init; }

    public int Height { get; init; }

    public int BitDepthLuma { get; init; }

    public int BitDepthChroma { get; init; }

    public int Log2MaxPicOrderCntLsb { get; init; }

    /// <summary>sps_max_dec_pic_buffering_minus1 + 1 of the highest sub-layer.</summary>
    public int MaxDecPicBuffering { get; init; }

    /// <summary>sps_max_num_reorder_pics of the highest sub-layer.</summary>
    public int MaxNumReorderPics { get; init; }

    public int Log2MinCodingBlockSize { get; init; }

    /// <summary>The coding tree block size (log2): 4 to 6.</summary>
    public int Log2CtbSize { get; init; }

    public bool ScalingListEnabled { get; init; }

    public int NumShortTermRefPicSets { get; init; }

    public bool LongTermRefPicsPresent { get; init; }

    /// <summary>Sample (pixel) aspect ratio from the VUI; 0:0 when unspecified.</summary>
    public int SarWidth { get; init; }

    public int SarHeight { get; init; }

    public bool VideoFullRange { get; init; }

    /// <summary>VUI timing: a picture lasts NumUnitsInTick / TimeScale seconds; 0 when absent.</summary>
    public uint NumUnitsInTick { get; init; }

    public uint TimeScale { get; init; }

    /// <summary>Pictures per second from the VUI timing (time_scale / num_units_in_tick); null when absent.</summary>
    public double? FrameRate => NumUnitsInTick > 0 && TimeScale > 0 ? (double)TimeScale / NumUnitsInTick : null;

    public int ProfileIdc => ProfileTierLevel.ProfileIdc;

    public int LevelIdc => ProfileTierLevel.LevelIdc;

    /// <summary>The ISO/IEC 14496-15 codec string, <c>hvc1.1.6.L93.B0</c> (see <see cref="H265ProfileTierLevel.CodecString"/>).</summary>
    public string CodecString(string sampleEntry = "hvc1") => ProfileTierLevel.CodecString(sampleEntry);

    private const int MaxDimension = 65536;
    private const int MaxShortTermRefPicSets = 64;

    /// <summary>
    /// Parses an SPS NAL unit (2-byte header first, emulation prevention bytes in place). False for
    /// anything else, a truncated SPS, or values out of the ranges H.265 allows; never throws. The VUI is
    /// read up to its timing information; a VUI that is cut short is ignored rather than failing the SPS.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out H265Sps sps)
    {
        sps = default;
        if (!H265NalHeader.TryParse(nal, out var header) || header.Type != H265.NalSps || nal.Length < 15)
        {
            return false;
        }

        using var rbsp = Rbsp.Unescape(nal[H265.NalHeaderSize..], stackalloc byte[256]);
        var reader = new BitReader(rbsp.Span);
        return TryParseRbsp(ref reader, out sps);
    }

    private static bool TryParseRbsp(ref BitReader r, out H265Sps sps)
    {
        sps = default;
        int vpsId = (int)r.ReadBits(4);
        int maxSubLayersMinus1 = (int)r.ReadBits(3);
        bool temporalIdNesting = r.ReadFlag();
        if (maxSubLayersMinus1 > 6)
        {
            return false;
        }

        var ptl = H265ProfileTierLevel.Read(ref r, maxSubLayersMinus1);
        uint spsId = r.ReadUe();
        uint chromaFormatIdc = r.ReadUe();
        if (r.Overflowed || spsId > 15 || chromaFormatIdc > 3)
        {
            return false;
        }

        bool separateColourPlane = chromaFormatIdc == 3 && r.ReadFlag();
        uint codedWidth = r.ReadUe();
        uint codedHeight = r.ReadUe();
        uint confLeft = 0, confRight = 0, confTop = 0, confBottom = 0;
        if (r.ReadFlag())
        {
            confLeft = r.ReadUe();
            confRight = r.ReadUe();
            confTop = r.ReadUe();
            confBottom = r.ReadUe();
        }

        uint bitDepthLuma = r.ReadUe() + 8;
        uint bitDepthChroma = r.ReadUe() + 8;
        uint log2MaxPocLsb = r.ReadUe() + 4;
        if (r.Overflowed || codedWidth is 0 or > MaxDimension || codedHeight is 0 or > MaxDimension
            || bitDepthLuma > 16 || bitDepthChroma > 16 || log2MaxPocLsb > 16)
        {
            return false;
        }

        bool orderingInfoForAll = r.ReadFlag();
        uint maxDecPicBufferingMinus1 = 0, maxNumReorder = 0;
        for (int i = orderingInfoForAll ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++)
        {
            maxDecPicBufferingMinus1 = r.ReadUe();
            maxNumReorder = r.ReadUe();
            r.ReadUe(); // sps_max_latency_increase_plus1
            if (maxDecPicBufferingMinus1 > 15)
            {
                return false;
            }
        }

        uint log2MinCb = r.ReadUe() + 3;
        uint log2Ctb = log2MinCb + r.ReadUe();
        uint log2MinTb = r.ReadUe() + 2;
        uint log2MaxTb = log2MinTb + r.ReadUe();
        r.ReadUe(); // max_transform_hierarchy_depth_inter
        r.ReadUe(); // max_transform_hierarchy_depth_intra
        if (r.Overflowed || log2Ctb > 6 || log2MaxTb > 5 || log2MinTb >= log2MinCb
            || codedWidth % (1u << (int)log2MinCb) != 0 || codedHeight % (1u << (int)log2MinCb) != 0)
        {
            return false;
        }

        bool scalingListEnabled = r.ReadFlag();
        if (scalingListEnabled && r.ReadFlag() && !SkipScalingListData(ref r))
        {
            return false;
        }

        r.Skip(2); // amp_enabled_flag, sample_adaptive_offset_enabled_flag
        if (r.ReadFlag())
        {
            r.Skip(8); // pcm_sample_bit_depth_luma_minus1, pcm_sample_bit_depth_chroma_minus1
            r.ReadUe(); // log2_min_pcm_luma_coding_block_size_minus3
            r.ReadUe(); // log2_diff_max_min_pcm_luma_coding_block_size
            r.Skip(1); // pcm_loop_filter_disabled_flag
        }

        uint numShortTermRefPicSets = r.ReadUe();
        if (r.Overflowed || numShortTermRefPicSets > MaxShortTermRefPicSets)
        {
            return false;
        }

        Span<int> numDeltaPocs = stackalloc int[MaxShortTermRefPicSets];
        for (int i = 0; i < (int)numShortTermRefPicSets; i++)
        {
            if (!SkipShortTermRefPicSet(ref r, i, numDeltaPocs))
            {
                return false;
            }
        }

        bool longTermRefPicsPresent = r.ReadFlag();
        if (longTermRefPicsPresent)
        {
            uint count = r.ReadUe();
            if (count > 32)
            {
                return false;
            }

            r.Skip(count * (log2MaxPocLsb + 1)); // lt_ref_pic_poc_lsb_sps, used_by_curr_pic_lt_sps_flag
        }

        r.Skip(2); // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
        bool vuiPresent = r.ReadFlag();
        if (r.Overflowed)
        {
            return false;
        }

        // The conformance window is in chroma sample units (§7.4.3.2.1).
        int chromaArrayType = separateColourPlane ? 0 : (int)chromaFormatIdc;
        int subWidth = chromaArrayType is 1 or 2 ? 2 : 1;
        int subHeight = chromaArrayType == 1 ? 2 : 1;
        long width = codedWidth - (((long)confLeft + confRight) * subWidth);
        long height = codedHeight - (((long)confTop + confBottom) * subHeight);
        if (width <= 0 || height <= 0)
        {
            return false;
        }

        sps = new H265Sps
        {
            VideoParameterSetId = vpsId,
            MaxSubLayers = maxSubLayersMinus1 + 1,
            TemporalIdNesting = temporalIdNesting,
            ProfileTierLevel = ptl,
            SeqParameterSetId = (int)spsId,
            ChromaFormatIdc = (int)chromaFormatIdc,
            SeparateColourPlane = separateColourPlane,
            CodedWidth = (int)codedWidth,
            CodedHeight = (int)codedHeight,
            Width = (int)width,
            Height = (int)height,
            BitDepthLuma = (int)bitDepthLuma,
            BitDepthChroma = (int)bitDepthChroma,
            Log2MaxPicOrderCntLsb = (int)log2MaxPocLsb,
            MaxDecPicBuffering = (int)maxDecPicBufferingMinus1 + 1,
            MaxNumReorderPics = (int)maxNumReorder,
            Log2MinCodingBlockSize = (int)log2MinCb,
            Log2CtbSize = (int)log2Ctb,
            ScalingListEnabled = scalingListEnabled,
            NumShortTermRefPicSets = (int)numShortTermRefPicSets,
            LongTermRefPicsPresent = longTermRefPicsPresent,
        };

        if (vuiPresent)
        {
            var vuiReader = r;
            if (Vui.TryParse(ref vuiReader, hevc: true, out var vui))
            {
                sps = sps with
                {
                    SarWidth = vui.SarWidth,
                    SarHeight = vui.SarHeight,
                    VideoFullRange = vui.VideoFullRange,
                    NumUnitsInTick = vui.NumUnitsInTick,
                    TimeScale = vui.TimeScale,
                };
            }
        }

        return true;
    }

    /// <summary>scaling_list_data() (§7.3.4).</summary>
    private static bool SkipScalingListData(ref BitReader r)
    {
        for (int sizeId = 0; sizeId < 4; sizeId++)
        {
            for (int matrixId = 0; matrixId < 6; matrixId += sizeId == 3 ? 3 : 1)
            {
                if (!r.ReadFlag())
                {
                    // scaling_list_pred_matrix_id_delta: a copy of an earlier list (or the default).
                    uint delta = r.ReadUe();
                    if (delta > (uint)(sizeId == 3 ? matrixId / 3 : matrixId))
                    {
                        return false;
                    }
                }
                else
                {
                    int coefficients = Math.Min(64, 1 << (4 + (sizeId << 1)));
                    if (sizeId > 1 && !InRange(r.ReadSe(), -7, 247))
                    {
                        return false; // scaling_list_dc_coef_minus8
                    }

                    for (int i = 0; i < coefficients; i++)
                    {
                        if (!InRange(r.ReadSe(), -128, 127))
                        {
                            return false; // scaling_list_delta_coef
                        }
                    }
                }

                if (r.Overflowed)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>st_ref_pic_set(stRpsIdx) (§7.3.7), in an SPS: records how many pictures each set names.</summary>
    private static bool SkipShortTermRefPicSet(ref BitReader r, int index, scoped Span<int> numDeltaPocs)
    {
        if (index != 0 && r.ReadFlag())
        {
            // inter_ref_pic_set_prediction_flag: derived from the previous set (delta_idx_minus1 is only
            // coded in slice headers, so the reference is index - 1).
            r.Skip(1); // delta_rps_sign
            if (r.ReadUe() > 0x7FFF)
            {
                return false; // abs_delta_rps_minus1
            }

            int count = 0;
            for (int j = 0; j <= numDeltaPocs[index - 1]; j++)
            {
                bool usedByCurrPic = r.ReadFlag();
                bool useDelta = usedByCurrPic || r.ReadFlag();
                if (useDelta)
                {
                    count++;
                }
            }

            numDeltaPocs[index] = count;
        }
        else
        {
            uint negative = r.ReadUe();
            uint positive = r.ReadUe();
            if (negative > 16 || positive > 16 || negative + positive > 16)
            {
                return false;
            }

            for (int i = 0; i < negative + positive; i++)
            {
                if (r.ReadUe() > 0x7FFF)
                {
                    return false; // delta_poc_s0_minus1 / delta_poc_s1_minus1
                }

                r.Skip(1); // used_by_curr_pic_s0_flag / s1
            }

            numDeltaPocs[index] = (int)(negative + positive);
        }

        return !r.Overflowed && numDeltaPocs[index] <= 16;
    }

    private static bool InRange(int value, int min, int max) => value >= min && value <= max;
}
