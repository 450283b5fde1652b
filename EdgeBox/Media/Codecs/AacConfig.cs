namespace EdgeBox.Media.Codecs;

/// <summary>MPEG-4 audio object types (ISO/IEC 14496-3 Table 1.1); the ones AAC streams use are named.</summary>
internal enum AacObjectType
{
    None = 0,
    Main = 1,
    Lc = 2,
    Ssr = 3,
    Ltp = 4,

    /// <summary>Spectral band replication: HE-AAC (v1).</summary>
    Sbr = 5,
    Scalable = 6,
    ErLc = 17,
    ErLtp = 19,
    ErScalable = 20,
    ErBsac = 22,
    ErLd = 23,

    /// <summary>Parametric stereo: HE-AAC v2.</summary>
    Ps = 29,

    /// <summary>The escape value: the object type follows as 32 + 6 bits.</summary>
    Escape = 31,
    ErEld = 39,
    Usac = 42,
}

/// <summary>
/// An AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): what an MP4 esds, RTP/SDP <c>config=</c> or FLV
/// sequence header says about an AAC stream. <see cref="ObjectType"/> is the core coder (LC for HE-AAC);
/// SBR and PS, signalled explicitly (object type 5/29) or backward-compatibly (sync extension 0x2b7),
/// show in <see cref="Sbr"/>, <see cref="Ps"/> and the output rate.
/// </summary>
internal readonly record struct AacConfig
{
    public AacObjectType ObjectType { get; init; }

    /// <summary>0-12 index into the standard rates, or 15 when the rate is written out (24 bits).</summary>
    public int SamplingFrequencyIndex { get; init; }

    /// <summary>The core coder's sample rate.</summary>
    public int SampleRate { get; init; }

    /// <summary>channelConfiguration: 1-7 and 11-14 name layouts; 0 means a program config element gives them.</summary>
    public int ChannelConfiguration { get; init; }

    /// <summary>Channel count from the configuration (or the program config element); 0 when unknown.</summary>
    public int Channels { get; init; }

    /// <summary>frameLengthFlag: 960-sample frames instead of 1024.</summary>
    public bool FrameLengthFlag { get; init; }

    public bool Sbr { get; init; }

    public bool Ps { get; init; }

    /// <summary>The SBR output rate (index as <see cref="SamplingFrequencyIndex"/>); meaningful when <see cref="Sbr"/>.</summary>
    public int ExtensionSamplingFrequencyIndex { get; init; }

    /// <summary>The SBR output rate; 0 when not signalled.</summary>
    public int ExtensionSampleRate { get; init; }

    /// <summary>The decoded rate: the SBR rate when SBR is signalled, else the core rate.</summary>
    public int OutputSampleRate => Sbr && ExtensionSampleRate > 0 ? ExtensionSampleRate : SampleRate;

    /// <summary>The decoded channel count: parametric stereo turns a mono core into stereo.</summary>
    public int OutputChannels => Ps && Channels == 1 ? 2 : Channels;

    /// <summary>Core samples per channel in one access unit (one raw_data_block): 1024, or 960.</summary>
    public int SamplesPerFrame => FrameLengthFlag ? 960 : 1024;

    /// <summary>The standard rates, by sampling frequency index (13 and 14 reserved, 15 escape).</summary>
    public static ReadOnlySpan<int> SampleRates => [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

    private const int ExplicitFrequency = 15;
    private const int SyncExtensionSbr = 0x2b7;
    private const int SyncExtensionPs = 0x548;

    /// <summary>The index of a standard rate, or -1.</summary>
    public static int GetSamplingFrequencyIndex(int sampleRate) => SampleRates.IndexOf(sampleRate);

    /// <summary>Channels for a channelConfiguration (ISO/IEC 23001-8 for 11-14); 0 for 0 (program config element) and reserved values.</summary>
    public static int ChannelsFor(int channelConfiguration) => channelConfiguration switch
    {
        >= 1 and <= 6 => channelConfiguration,
        7 or 12 or 14 => 8,
        11 => 7,
        13 => 24,
        _ => 0,
    };

    /// <summary>
    /// A plain configuration (AAC-LC by default) for <paramref name="sampleRate"/> (a standard rate gets its
    /// index, any other is written out) and a channelConfiguration 1-15 (ADTS can carry 1-7).
    /// </summary>
    public static AacConfig Create(int sampleRate, int channelConfiguration, AacObjectType objectType = AacObjectType.Lc)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRate, 0xFFFFFF);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channelConfiguration);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channelConfiguration, 15);
        int index = GetSamplingFrequencyIndex(sampleRate);
        return new AacConfig
        {
            ObjectType = objectType,
            SamplingFrequencyIndex = index < 0 ? ExplicitFrequency : index,
            SampleRate = sampleRate,
            ChannelConfiguration = channelConfiguration,
            Channels = ChannelsFor(channelConfiguration),
        };
    }

    /// <summary>
    /// Parses an AudioSpecificConfig. False when it is truncated or names a reserved rate; never throws.
    /// The general audio object types (Main, LC, SSR, LTP, scalable, the ER variants) are read whole;
    /// others (USAC, ELD...) parse to their type, rate and channels only. A damaged backward-compatible
    /// extension after the config is ignored.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> asc, out AacConfig config)
    {
        config = default;
        var r = new BitReader(asc);
        var objectType = ReadObjectType(ref r);
        if (!TryReadSampleRate(ref r, out int sfi, out int sampleRate))
        {
            return false;
        }

        int channelConfiguration = (int)r.ReadBits(4);
        bool sbr = false, ps = false;
        int extensionSfi = 0, extensionRate = 0;
        if (objectType is AacObjectType.Sbr or AacObjectType.Ps)
        {
            // Explicit hierarchical signalling: the SBR rate, then the core object type.
            sbr = true;
            ps = objectType == AacObjectType.Ps;
            if (!TryReadSampleRate(ref r, out extensionSfi, out extensionRate))
            {
                return false;
            }

            objectType = ReadObjectType(ref r);
            if (objectType == AacObjectType.ErBsac)
            {
                r.Skip(4); // extensionChannelConfiguration
            }
        }

        if (r.Overflowed)
        {
            return false;
        }

        int channels = ChannelsFor(channelConfiguration);
        bool frameLengthFlag = false;
        bool configUnderstood = false;
        if (IsGeneralAudio(objectType))
        {
            frameLengthFlag = r.ReadFlag();
            if (r.ReadFlag())
            {
                r.Skip(14); // coreCoderDelay
            }

            bool extensionFlag = r.ReadFlag();
            if (channelConfiguration == 0)
            {
                channels = ReadProgramConfigElementChannels(ref r);
            }

            if (objectType is AacObjectType.Scalable or AacObjectType.ErScalable)
            {
                r.Skip(3); // layerNr
            }

            if (extensionFlag)
            {
                if (objectType == AacObjectType.ErBsac)
                {
                    r.Skip(16); // numOfSubFrame, layer_length
                }

                if (objectType is AacObjectType.ErLc or AacObjectType.ErLtp or AacObjectType.ErScalable or AacObjectType.ErLd)
                {
                    r.Skip(3); // section, scalefactor and spectral data resilience flags
                }

                r.Skip(1); // extensionFlag3
            }

            // epConfig for the error resilient types; the error protection config (epConfig 2, 3) is not read.
            uint epConfig = IsErrorResilient(objectType) ? r.ReadBits(2) : 0;
            if (r.Overflowed)
            {
                return false;
            }

            configUnderstood = epConfig < 2;
        }

        config = new AacConfig
        {
            ObjectType = objectType,
            SamplingFrequencyIndex = sfi,
            SampleRate = sampleRate,
            ChannelConfiguration = channelConfiguration,
            Channels = channels,
            FrameLengthFlag = frameLengthFlag,
            Sbr = sbr,
            Ps = ps,
            ExtensionSamplingFrequencyIndex = extensionSfi,
            ExtensionSampleRate = extensionRate,
        };

        if (!sbr && configUnderstood && !r.Overflowed && r.BitsRemaining >= 16)
        {
            var extension = r;
            if (TryReadSyncExtension(ref extension, config, out var extended))
            {
                config = extended;
            }
        }

        return true;
    }

    /// <summary>The backward-compatible SBR/PS signalling after a plain config (§1.6.5.2: syncExtensionType 0x2b7).</summary>
    private static bool TryReadSyncExtension(ref BitReader r, AacConfig config, out AacConfig extended)
    {
        extended = config;
        if (r.ReadBits(11) != SyncExtensionSbr)
        {
            return false;
        }

        var extensionType = ReadObjectType(ref r);
        if (extensionType == AacObjectType.Sbr)
        {
            if (!r.ReadFlag())
            {
                return !r.Overflowed; // sbrPresentFlag = 0: explicitly plain AAC
            }

            if (!TryReadSampleRate(ref r, out int sfi, out int rate))
            {
                return false;
            }

            bool ps = r.BitsRemaining >= 12 && r.ReadBits(11) == SyncExtensionPs && r.ReadFlag();
            if (r.Overflowed)
            {
                return false;
            }

            extended = config with { Sbr = true, Ps = ps, ExtensionSamplingFrequencyIndex = sfi, ExtensionSampleRate = rate };
            return true;
        }

        return false;
    }

    private static AacObjectType ReadObjectType(ref BitReader r)
    {
        int type = (int)r.ReadBits(5);
        return (AacObjectType)(type == (int)AacObjectType.Escape ? 32 + (int)r.ReadBits(6) : type);
    }

    private static bool TryReadSampleRate(ref BitReader r, out int index, out int rate)
    {
        index = (int)r.ReadBits(4);
        if (index == ExplicitFrequency)
        {
            rate = (int)r.ReadBits(24);
        }
        else
        {
            rate = index < SampleRates.Length ? SampleRates[index] : 0;
        }

        return !r.Overflowed && rate > 0;
    }

    private static bool IsGeneralAudio(AacObjectType type) => (int)type is 1 or 2 or 3 or 4 or 6 or 7 or 17 or 19 or 20 or 21 or 22 or 23;

    private static bool IsErrorResilient(AacObjectType type) => (int)type is >= 17 and <= 27 or 39;

    /// <summary>program_config_element() (§4.4.1.1): counts its channels (a channel pair element is 2).</summary>
    private static int ReadProgramConfigElementChannels(ref BitReader r)
    {
        r.Skip(10); // element_instance_tag, object_type, sampling_frequency_index
        int front = (int)r.ReadBits(4);
        int side = (int)r.ReadBits(4);
        int back = (int)r.ReadBits(4);
        int lfe = (int)r.ReadBits(2);
        int assocData = (int)r.ReadBits(3);
        int validCc = (int)r.ReadBits(4);
        if (r.ReadFlag())
        {
            r.Skip(4); // mono_mixdown_element_number
        }

        if (r.ReadFlag())
        {
            r.Skip(4); // stereo_mixdown_element_number
        }

        if (r.ReadFlag())
        {
            r.Skip(3); // matrix_mixdown_idx, pseudo_surround_enable
        }

        int channels = lfe;
        for (int i = 0; i < front + side + back; i++)
        {
            channels += r.ReadFlag() ? 2 : 1; // is_cpe
            r.Skip(4); // element tag select
        }

        r.Skip((lfe + assocData) * 4L);
        r.Skip(validCc * 5L);
        r.AlignToByte();
        r.Skip(r.ReadBits(8) * 8L); // comment_field_data
        return channels;
    }

    /// <summary>
    /// True when <see cref="TryWrite"/> can write this configuration: Main, LC, SSR or LTP, optionally with
    /// SBR/PS (written as explicit hierarchical signalling), a channelConfiguration 1-15 and a rate.
    /// </summary>
    public bool CanWrite =>
        ObjectType is AacObjectType.Main or AacObjectType.Lc or AacObjectType.Ssr or AacObjectType.Ltp
        && ChannelConfiguration is >= 1 and <= 15
        && SampleRate is > 0 and <= 0xFFFFFF
        && (!Sbr || ExtensionSampleRate is > 0 and <= 0xFFFFFF);

    /// <summary>Writes the AudioSpecificConfig (2 bytes for LC at a standard rate); false when the destination is short or <see cref="CanWrite"/> is false.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (!CanWrite)
        {
            return false;
        }

        var w = new BitWriter(destination);
        if (Sbr)
        {
            w.WriteBits(Ps ? (uint)AacObjectType.Ps : (uint)AacObjectType.Sbr, 5);
            WriteSampleRate(ref w, SamplingFrequencyIndex, SampleRate);
            w.WriteBits((uint)ChannelConfiguration, 4);
            WriteSampleRate(ref w, ExtensionSamplingFrequencyIndex, ExtensionSampleRate);
            w.WriteBits((uint)ObjectType, 5);
        }
        else
        {
            w.WriteBits((uint)ObjectType, 5);
            WriteSampleRate(ref w, SamplingFrequencyIndex, SampleRate);
            w.WriteBits((uint)ChannelConfiguration, 4);
        }

        w.WriteFlag(FrameLengthFlag);
        w.WriteFlag(false); // dependsOnCoreCoder
        w.WriteFlag(false); // extensionFlag
        w.AlignToByte();
        if (w.Overflowed)
        {
            return false;
        }

        written = w.BytesWritten;
        return true;
    }

    /// <summary>The AudioSpecificConfig bytes (see <see cref="TryWrite"/>).</summary>
    public byte[] ToBytes()
    {
        Span<byte> buffer = stackalloc byte[16];
        return TryWrite(buffer, out int written)
            ? buffer[..written].ToArray()
            : throw new InvalidOperationException($"cannot write an AudioSpecificConfig for {ObjectType} with channelConfiguration {ChannelConfiguration}");
    }

    /// <summary>The index when it names the rate, else the rate's standard index, else the rate written out.</summary>
    private static void WriteSampleRate(ref BitWriter w, int index, int sampleRate)
    {
        if (index != ExplicitFrequency && !((uint)index < (uint)SampleRates.Length && SampleRates[index] == sampleRate))
        {
            index = GetSamplingFrequencyIndex(sampleRate);
        }

        if (index >= 0 && index != ExplicitFrequency)
        {
            w.WriteBits((uint)index, 4);
        }
        else
        {
            w.WriteBits(ExplicitFrequency, 4);
            w.WriteBits((uint)sampleRate, 24);
        }
    }
}
