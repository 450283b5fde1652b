namespace EdgeBox.Media.Codecs;

/// <summary>H.264/AVC NAL unit types (ITU-T H.264 Table 7-1) and access unit helpers.</summary>
internal static class H264
{
    public const int NalSlice = 1;
    public const int NalSliceDataA = 2;
    public const int NalSliceDataB = 3;
    public const int NalSliceDataC = 4;
    public const int NalIdr = 5;
    public const int NalSei = 6;
    public const int NalSps = 7;
    public const int NalPps = 8;
    public const int NalAud = 9;
    public const int NalEndOfSequence = 10;
    public const int NalEndOfStream = 11;
    public const int NalFiller = 12;
    public const int NalSpsExtension = 13;
    public const int NalPrefix = 14;
    public const int NalSubsetSps = 15;

    /// <summary>RTP aggregation packet (RFC 6184 §5.7.1); never inside a bitstream.</summary>
    public const int RtpStapA = 24;

    /// <summary>RTP fragmentation unit (RFC 6184 §5.8); never inside a bitstream.</summary>
    public const int RtpFuA = 28;

    /// <summary>nal_unit_type: the low 5 bits of the NAL header byte.</summary>
    public static int NalType(byte header) => header & 0x1F;

    /// <summary>The type of <paramref name="nal"/> (header byte first), -1 when empty.</summary>
    public static int NalType(ReadOnlySpan<byte> nal) => nal.IsEmpty ? -1 : nal[0] & 0x1F;

    /// <summary>nal_ref_idc: 0 for a NAL unit no other picture refers to.</summary>
    public static int NalRefIdc(byte header) => (header >> 5) & 3;

    /// <summary>True for the parameter set types: SPS, PPS, SPS extension, subset SPS.</summary>
    public static bool IsParameterSet(int nalType) => nalType is NalSps or NalPps or NalSpsExtension or NalSubsetSps;

    /// <summary>True for coded slice types (1-5): the NAL units that carry the picture.</summary>
    public static bool IsVcl(int nalType) => nalType is >= NalSlice and <= NalIdr;

    /// <summary>True when the canonical (length-prefixed) access unit holds an IDR slice: decoding can start there.</summary>
    public static bool IsKeyframe(ReadOnlySpan<byte> accessUnit) => Contains(accessUnit, NalIdr);

    /// <summary>True when the canonical (length-prefixed) access unit holds a NAL unit of <paramref name="nalType"/>.</summary>
    public static bool Contains(ReadOnlySpan<byte> accessUnit, int nalType)
    {
        foreach (var nal in LengthPrefixed.Enumerate(accessUnit))
        {
            if ((nal[0] & 0x1F) == nalType)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The SDP profile-level-id (RFC 6184 §8.1) of an SPS NAL unit: its profile_idc, constraint flags
    /// byte and level_idc as 6 hex digits (<c>42e01f</c>), or null when <paramref name="sps"/> is not an SPS.
    /// </summary>
    public static string? ProfileLevelId(ReadOnlySpan<byte> sps)
    {
        if (sps.Length < 4 || (sps[0] & 0x9F) != NalSps)
        {
            return null;
        }

        // Three bytes after the header, with any emulation prevention byte removed.
        Span<byte> head = stackalloc byte[8];
        var source = sps.Slice(1, Math.Min(sps.Length - 1, head.Length));
        int length = EmulationPrevention.Remove(source, head);
        return length < 3 ? null : FormatProfileLevel(head[0], head[1], head[2]);
    }

    /// <summary>The RFC 6381 codec string, <c>avc1.64001f</c>: profile_idc, constraint flags and level_idc in hex.</summary>
    public static string CodecString(int profileIdc, int constraintFlags, int levelIdc) =>
        "avc1." + FormatProfileLevel(profileIdc, constraintFlags, levelIdc);

    private static string FormatProfileLevel(int profileIdc, int constraintFlags, int levelIdc) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{profileIdc & 0xFF:x2}{constraintFlags & 0xFF:x2}{levelIdc & 0xFF:x2}");
}
