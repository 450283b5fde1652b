namespace EdgeBox.Media.Codecs;

/// <summary>H.265/HEVC NAL unit types (ITU-T H.265 Table 7-1) and access unit helpers.</summary>
internal static class H265
{
    public const int NalTrailN = 0;
    public const int NalTrailR = 1;
    public const int NalRaslN = 8;
    public const int NalRaslR = 9;
    public const int NalBlaWLp = 16;
    public const int NalBlaWRadl = 17;
    public const int NalBlaNLp = 18;
    public const int NalIdrWRadl = 19;
    public const int NalIdrNLp = 20;
    public const int NalCra = 21;

    /// <summary>The last IRAP type (22 and 23 are reserved IRAP types).</summary>
    public const int NalIrapLast = 23;
    public const int NalVps = 32;
    public const int NalSps = 33;
    public const int NalPps = 34;
    public const int NalAud = 35;
    public const int NalEndOfSequence = 36;
    public const int NalEndOfBitstream = 37;
    public const int NalFiller = 38;
    public const int NalSeiPrefix = 39;
    public const int NalSeiSuffix = 40;

    /// <summary>RTP aggregation packet (RFC 7798 §4.4.2); never inside a bitstream.</summary>
    public const int RtpAp = 48;

    /// <summary>RTP fragmentation unit (RFC 7798 §4.4.3); never inside a bitstream.</summary>
    public const int RtpFu = 49;

    /// <summary>The size of the NAL unit header.</summary>
    public const int NalHeaderSize = 2;

    /// <summary>nal_unit_type of <paramref name="nal"/> (header first), -1 when empty.</summary>
    public static int NalType(ReadOnlySpan<byte> nal) => nal.IsEmpty ? -1 : (nal[0] >> 1) & 0x3F;

    /// <summary>nal_unit_type from the first header byte.</summary>
    public static int NalType(byte firstHeaderByte) => (firstHeaderByte >> 1) & 0x3F;

    /// <summary>Intra random access point types (16-23: BLA, IDR, CRA): decoding can start there.</summary>
    public static bool IsIrap(int nalType) => nalType is >= NalBlaWLp and <= NalIrapLast;

    public static bool IsIdr(int nalType) => nalType is NalIdrWRadl or NalIdrNLp;

    /// <summary>VPS, SPS, PPS.</summary>
    public static bool IsParameterSet(int nalType) => nalType is NalVps or NalSps or NalPps;

    /// <summary>Coded slice segment types (0-31).</summary>
    public static bool IsVcl(int nalType) => nalType is >= 0 and < NalVps;

    /// <summary>True when the canonical (length-prefixed) access unit holds an IRAP picture's slice.</summary>
    public static bool IsKeyframe(ReadOnlySpan<byte> accessUnit)
    {
        foreach (var nal in LengthPrefixed.Enumerate(accessUnit))
        {
            if (IsIrap((nal[0] >> 1) & 0x3F))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the canonical (length-prefixed) access unit holds a NAL unit of <paramref name="nalType"/>.</summary>
    public static bool Contains(ReadOnlySpan<byte> accessUnit, int nalType)
    {
        foreach (var nal in LengthPrefixed.Enumerate(accessUnit))
        {
            if (((nal[0] >> 1) & 0x3F) == nalType)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The 2-byte H.265 NAL unit header (§7.3.1.2).</summary>
internal readonly record struct H265NalHeader(int Type, int LayerId, int TemporalId)
{
    /// <summary>False when <paramref name="nal"/> is shorter than 2 bytes, has forbidden_zero_bit set or nuh_temporal_id_plus1 = 0.</summary>
    public static bool TryParse(ReadOnlySpan<byte> nal, out H265NalHeader header)
    {
        header = default;
        if (nal.Length < H265.NalHeaderSize || (nal[0] & 0x80) != 0)
        {
            return false;
        }

        int temporalIdPlus1 = nal[1] & 7;
        if (temporalIdPlus1 == 0)
        {
            return false;
        }

        header = new H265NalHeader((nal[0] >> 1) & 0x3F, ((nal[0] & 1) << 5) | (nal[1] >> 3), temporalIdPlus1 - 1);
        return true;
    }
}
