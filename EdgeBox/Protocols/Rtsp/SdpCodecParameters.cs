using System.Globalization;
using System.Text;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Decoding helpers for fmtp values, tolerant of what cameras write.</summary>
internal static class FmtpValues
{
    /// <summary>
    /// Base64 as cameras write it in <c>sprop-*</c>: padding may be missing, URL-safe letters and
    /// stray spaces occur. Null when it still does not decode.
    /// </summary>
    public static byte[]? DecodeBase64(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var clean = new StringBuilder(text.Length + 3);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            clean.Append(c switch { '-' => '+', '_' => '/', _ => c });
        }

        var trimmed = clean.ToString().TrimEnd('=');
        if (trimmed.Length % 4 == 1)
        {
            return null;
        }

        var padded = trimmed.PadRight(trimmed.Length + ((4 - (trimmed.Length % 4)) % 4), '=');
        var bytes = new byte[padded.Length / 4 * 3];
        return Convert.TryFromBase64String(padded, bytes, out var written) && written > 0 ? bytes[..written] : null;
    }

    /// <summary>The comma-separated base64 NAL units of a <c>sprop-*</c> value; entries that do not decode are left out.</summary>
    public static IReadOnlyList<byte[]> DecodeNalUnits(string? text) =>
        text is null ? [] : [.. text.Split(',').Select(DecodeBase64).OfType<byte[]>()];

    public static string EncodeNalUnits(IEnumerable<byte[]> nalUnits) => string.Join(',', nalUnits.Select(Convert.ToBase64String));

    public static byte[]? DecodeHex(string? text)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length % 2 != 0)
        {
            return null;
        }

        var bytes = new byte[text.Length / 2];
        return Convert.FromHexString(text, bytes, out _, out _) == System.Buffers.OperationStatus.Done ? bytes : null;
    }

    public static int? Int(IReadOnlyDictionary<string, string> fmtp, string key) =>
        fmtp.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static bool Flag(IReadOnlyDictionary<string, string> fmtp, string key) =>
        fmtp.TryGetValue(key, out var text) && text.Trim() == "1";
}

/// <summary>H.264 fmtp parameters (RFC 6184 §8.1).</summary>
internal sealed record H264Parameters
{
    /// <summary>0 single NAL, 1 non-interleaved (what everyone sends), 2 interleaved. Absent means 0.</summary>
    public int PacketizationMode { get; init; }

    /// <summary><c>profile-level-id</c>: 6 hex digits, profile_idc, constraint flags, level_idc.</summary>
    public string? ProfileLevelId { get; init; }

    /// <summary>The NAL units of <c>sprop-parameter-sets</c>, decoded, in order (SPS, PPS, sometimes more).</summary>
    public IReadOnlyList<byte[]> ParameterSets { get; init; } = [];

    /// <summary>The first SPS (nal_unit_type 7), or null.</summary>
    public byte[]? Sps => ParameterSets.FirstOrDefault(n => n.Length > 0 && (n[0] & 0x1F) == 7);

    /// <summary>The first PPS (nal_unit_type 8), or null.</summary>
    public byte[]? Pps => ParameterSets.FirstOrDefault(n => n.Length > 0 && (n[0] & 0x1F) == 8);

    public static H264Parameters FromFmtp(IReadOnlyDictionary<string, string> fmtp)
    {
        ArgumentNullException.ThrowIfNull(fmtp);
        return new H264Parameters
        {
            PacketizationMode = FmtpValues.Int(fmtp, "packetization-mode") ?? 0,
            ProfileLevelId = fmtp.TryGetValue("profile-level-id", out var id) ? id : null,
            ParameterSets = FmtpValues.DecodeNalUnits(fmtp.TryGetValue("sprop-parameter-sets", out var sets) ? sets : null),
        };
    }

    /// <summary>The parameters for an SPS and PPS: profile-level-id is bytes 1 to 3 of the SPS, as ffmpeg derives it.</summary>
    public static H264Parameters FromParameterSets(ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps, int packetizationMode = 1) => new()
    {
        PacketizationMode = packetizationMode,
        ProfileLevelId = sps.Length >= 4 ? Convert.ToHexString(sps[1..4]) : null,
        ParameterSets = [sps.ToArray(), pps.ToArray()],
    };

    /// <summary>The fmtp in ffmpeg's order: <c>packetization-mode=1; sprop-parameter-sets=SPS,PPS; profile-level-id=XXXXXX</c>.</summary>
    public FmtpParameters ToFmtp()
    {
        var fmtp = new FmtpParameters();
        fmtp.Add("packetization-mode", PacketizationMode.ToString(CultureInfo.InvariantCulture));
        if (ParameterSets.Count > 0)
        {
            fmtp.Add("sprop-parameter-sets", FmtpValues.EncodeNalUnits(ParameterSets));
        }

        if (ProfileLevelId is not null)
        {
            fmtp.Add("profile-level-id", ProfileLevelId);
        }

        return fmtp;
    }
}

/// <summary>H.265 fmtp parameters (RFC 7798 §7.1): the parameter sets travel in three parameters.</summary>
internal sealed record H265Parameters
{
    public IReadOnlyList<byte[]> VpsUnits { get; init; } = [];

    public IReadOnlyList<byte[]> SpsUnits { get; init; } = [];

    public IReadOnlyList<byte[]> PpsUnits { get; init; } = [];

    public byte[]? Vps => VpsUnits.Count > 0 ? VpsUnits[0] : null;

    public byte[]? Sps => SpsUnits.Count > 0 ? SpsUnits[0] : null;

    public byte[]? Pps => PpsUnits.Count > 0 ? PpsUnits[0] : null;

    /// <summary><c>sprop-max-don-diff</c>: non-zero means decoding order differs from transmission order (DONL fields present).</summary>
    public int MaxDonDiff { get; init; }

    public static H265Parameters FromFmtp(IReadOnlyDictionary<string, string> fmtp)
    {
        ArgumentNullException.ThrowIfNull(fmtp);
        return new H265Parameters
        {
            VpsUnits = FmtpValues.DecodeNalUnits(fmtp.TryGetValue("sprop-vps", out var vps) ? vps : null),
            SpsUnits = FmtpValues.DecodeNalUnits(fmtp.TryGetValue("sprop-sps", out var sps) ? sps : null),
            PpsUnits = FmtpValues.DecodeNalUnits(fmtp.TryGetValue("sprop-pps", out var pps) ? pps : null),
            MaxDonDiff = FmtpValues.Int(fmtp, "sprop-max-don-diff") ?? 0,
        };
    }

    public static H265Parameters FromParameterSets(ReadOnlySpan<byte> vps, ReadOnlySpan<byte> sps, ReadOnlySpan<byte> pps) => new()
    {
        VpsUnits = [vps.ToArray()],
        SpsUnits = [sps.ToArray()],
        PpsUnits = [pps.ToArray()],
    };

    /// <summary>The fmtp in ffmpeg's order: <c>sprop-vps=..; sprop-sps=..; sprop-pps=..</c>.</summary>
    public FmtpParameters ToFmtp()
    {
        var fmtp = new FmtpParameters();
        if (VpsUnits.Count > 0)
        {
            fmtp.Add("sprop-vps", FmtpValues.EncodeNalUnits(VpsUnits));
        }

        if (SpsUnits.Count > 0)
        {
            fmtp.Add("sprop-sps", FmtpValues.EncodeNalUnits(SpsUnits));
        }

        if (PpsUnits.Count > 0)
        {
            fmtp.Add("sprop-pps", FmtpValues.EncodeNalUnits(PpsUnits));
        }

        return fmtp;
    }
}

/// <summary>
/// MPEG4-GENERIC AAC fmtp parameters (RFC 3640 §4.1): the AudioSpecificConfig in <c>config</c>
/// (hex) and the AU-header sizes, which for <c>mode=AAC-hbr</c> are 13/3/3.
/// </summary>
internal sealed record AacParameters
{
    /// <summary>The AudioSpecificConfig (ISO 14496-3 §1.6.2.1), or null when absent or not hex.</summary>
    public byte[]? Config { get; init; }

    /// <summary><c>AAC-hbr</c>, <c>AAC-lbr</c>...</summary>
    public string? Mode { get; init; }

    public int SizeLength { get; init; }

    public int IndexLength { get; init; }

    public int IndexDeltaLength { get; init; }

    public string? ProfileLevelId { get; init; }

    /// <summary>audioObjectType from <see cref="Config"/> (2 = AAC LC), or null.</summary>
    public int? AudioObjectType => ReadConfig()?.ObjectType;

    /// <summary>The sampling frequency from <see cref="Config"/>, or null.</summary>
    public int? SampleRate => ReadConfig()?.SampleRate;

    /// <summary>channelConfiguration from <see cref="Config"/> (1 mono, 2 stereo...), or null.</summary>
    public int? ChannelConfiguration => ReadConfig()?.Channels;

    public static AacParameters FromFmtp(IReadOnlyDictionary<string, string> fmtp)
    {
        ArgumentNullException.ThrowIfNull(fmtp);
        return new AacParameters
        {
            Config = FmtpValues.DecodeHex(fmtp.TryGetValue("config", out var config) ? config : null),
            Mode = fmtp.TryGetValue("mode", out var mode) ? mode : null,
            SizeLength = FmtpValues.Int(fmtp, "sizelength") ?? 0,
            IndexLength = FmtpValues.Int(fmtp, "indexlength") ?? 0,
            IndexDeltaLength = FmtpValues.Int(fmtp, "indexdeltalength") ?? 0,
            ProfileLevelId = fmtp.TryGetValue("profile-level-id", out var profile) ? profile : null,
        };
    }

    /// <summary>AAC-hbr parameters for an AudioSpecificConfig, as ffmpeg writes them.</summary>
    public static AacParameters FromConfig(ReadOnlySpan<byte> audioSpecificConfig) => new()
    {
        Config = audioSpecificConfig.ToArray(),
        Mode = "AAC-hbr",
        SizeLength = 13,
        IndexLength = 3,
        IndexDeltaLength = 3,
        ProfileLevelId = "1",
    };

    /// <summary>The fmtp in ffmpeg's order: <c>profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; indexdeltalength=3; config=HEX</c>.</summary>
    public FmtpParameters ToFmtp()
    {
        var fmtp = new FmtpParameters();
        if (ProfileLevelId is not null)
        {
            fmtp.Add("profile-level-id", ProfileLevelId);
        }

        if (Mode is not null)
        {
            fmtp.Add("mode", Mode);
        }

        fmtp.Add("sizelength", SizeLength.ToString(CultureInfo.InvariantCulture));
        fmtp.Add("indexlength", IndexLength.ToString(CultureInfo.InvariantCulture));
        fmtp.Add("indexdeltalength", IndexDeltaLength.ToString(CultureInfo.InvariantCulture));
        if (Config is not null)
        {
            fmtp.Add("config", Convert.ToHexString(Config));
        }

        return fmtp;
    }

    private static readonly int[] SampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    private (int ObjectType, int SampleRate, int Channels)? ReadConfig()
    {
        if (Config is not { Length: >= 2 } config)
        {
            return null;
        }

        var bits = new BitReader(config);
        var objectType = bits.Read(5);
        if (objectType == 31)
        {
            objectType = 32 + bits.Read(6);
        }

        var frequencyIndex = bits.Read(4);
        int sampleRate;
        if (frequencyIndex == 15)
        {
            sampleRate = bits.Read(24);
        }
        else if (frequencyIndex < SampleRates.Length)
        {
            sampleRate = SampleRates[frequencyIndex];
        }
        else
        {
            return null;
        }

        var channels = bits.Read(4);
        return bits.Overrun ? null : (objectType, sampleRate, channels);
    }

    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Overrun { get; private set; }

        public int Read(int count)
        {
            var value = 0;
            for (var i = 0; i < count; i++, _position++)
            {
                if (_position >> 3 >= _data.Length)
                {
                    Overrun = true;
                    return 0;
                }

                value = (value << 1) | ((_data[_position >> 3] >> (7 - (_position & 7))) & 1);
            }

            return value;
        }
    }
}

/// <summary>
/// Opus fmtp parameters (RFC 7587 §6.1). The rtpmap is always <c>opus/48000/2</c>; whether the
/// sender sends stereo is <c>sprop-stereo</c>, whether the receiver wants it is <c>stereo</c>.
/// </summary>
internal sealed record OpusParameters
{
    public bool SpropStereo { get; init; }

    public bool Stereo { get; init; }

    public int? MaxPlaybackRate { get; init; }

    public bool UseInbandFec { get; init; }

    /// <summary>The channels the sender is likely to send: 2 with sprop-stereo=1, else 1.</summary>
    public int Channels => SpropStereo ? 2 : 1;

    public static OpusParameters FromFmtp(IReadOnlyDictionary<string, string> fmtp)
    {
        ArgumentNullException.ThrowIfNull(fmtp);
        return new OpusParameters
        {
            SpropStereo = FmtpValues.Flag(fmtp, "sprop-stereo"),
            Stereo = FmtpValues.Flag(fmtp, "stereo"),
            MaxPlaybackRate = FmtpValues.Int(fmtp, "maxplaybackrate"),
            UseInbandFec = FmtpValues.Flag(fmtp, "useinbandfec"),
        };
    }

    public FmtpParameters ToFmtp()
    {
        var fmtp = new FmtpParameters();
        if (SpropStereo)
        {
            fmtp.Add("sprop-stereo", "1");
        }

        if (Stereo)
        {
            fmtp.Add("stereo", "1");
        }

        if (MaxPlaybackRate is { } rate)
        {
            fmtp.Add("maxplaybackrate", rate.ToString(CultureInfo.InvariantCulture));
        }

        if (UseInbandFec)
        {
            fmtp.Add("useinbandfec", "1");
        }

        return fmtp;
    }
}

/// <summary>VP9 fmtp parameters (RFC 9628 §6.1): <c>profile-id</c>, 0 to 3, 0 when absent.</summary>
internal sealed record Vp9Parameters
{
    public int? ProfileId { get; init; }

    public static Vp9Parameters FromFmtp(IReadOnlyDictionary<string, string> fmtp)
    {
        ArgumentNullException.ThrowIfNull(fmtp);
        return new Vp9Parameters { ProfileId = FmtpValues.Int(fmtp, "profile-id") is { } id and >= 0 and <= 3 ? id : null };
    }

    public FmtpParameters ToFmtp()
    {
        var fmtp = new FmtpParameters();
        if (ProfileId is { } id)
        {
            fmtp.Add("profile-id", id.ToString(CultureInfo.InvariantCulture));
        }

        return fmtp;
    }
}

/// <summary>
/// AV1 fmtp parameters (AOMedia "RTP Payload Format for AV1" §7.2): <c>profile</c> (seq_profile, 0 when
/// absent), <c>level-idx</c> (seq_level_idx, 5 when absent) and <c>tier</c> (seq_tier, 0 when absent) of
/// operating point 0. The sequence header itself travels in-band only.
/// </summary>
internal sealed record Av1Parameters
{
    public int? Profile { get; init; }

    public int? LevelIdx { get; init; }

    public int? Tier { get; init; }

    public static Av1Parameters FromFmtp(IReadOnlyDictionary<string, string> fmtp)
    {
        ArgumentNullException.ThrowIfNull(fmtp);
        return new Av1Parameters
        {
            Profile = FmtpValues.Int(fmtp, "profile") is { } profile and >= 0 and <= 2 ? profile : null,
            LevelIdx = FmtpValues.Int(fmtp, "level-idx") is { } level and >= 0 and <= 31 ? level : null,
            Tier = FmtpValues.Int(fmtp, "tier") is { } tier and >= 0 and <= 1 ? tier : null,
        };
    }

    /// <summary>The parameters of a sequence header OBU; none when it does not parse.</summary>
    public static Av1Parameters FromSequenceHeader(ReadOnlySpan<byte> sequenceHeaderObu) =>
        Media.Codecs.Av1SequenceHeader.TryParse(sequenceHeaderObu, out var header)
            ? new Av1Parameters { Profile = header.Profile, LevelIdx = header.Level, Tier = header.Tier }
            : new Av1Parameters();

    /// <summary>The fmtp in the specification's order: <c>profile=0; level-idx=8; tier=0</c>.</summary>
    public FmtpParameters ToFmtp()
    {
        var fmtp = new FmtpParameters();
        if (Profile is { } profile)
        {
            fmtp.Add("profile", profile.ToString(CultureInfo.InvariantCulture));
        }

        if (LevelIdx is { } level)
        {
            fmtp.Add("level-idx", level.ToString(CultureInfo.InvariantCulture));
        }

        if (Tier is { } tier)
        {
            fmtp.Add("tier", tier.ToString(CultureInfo.InvariantCulture));
        }

        return fmtp;
    }
}
