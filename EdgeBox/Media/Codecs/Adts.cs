namespace EdgeBox.Media.Codecs;

/// <summary>
/// An ADTS frame header (ISO/IEC 14496-3 §1.A.2.2; ISO/IEC 13818-7 §6.2): 7 bytes, plus the CRC (and,
/// for frames of several raw data blocks, their positions) when protection is present. MPEG-TS and HLS
/// carry AAC this way; EdgeBox's canonical AAC access unit is the raw block without it.
/// </summary>
internal readonly record struct AdtsHeader
{
    public const int Length = 7;

    /// <summary>The largest frame aac_frame_length (13 bits) can describe, header included.</summary>
    public const int MaxFrameLength = 0x1FFF;

    /// <summary>The buffer fullness value that means a variable bit rate.</summary>
    public const int VariableBitRate = 0x7FF;

    /// <summary>The ID bit: MPEG-2 AAC (1) rather than MPEG-4 (0).</summary>
    public bool Mpeg2 { get; init; }

    public bool ProtectionAbsent { get; init; }

    /// <summary>profile_ObjectType + 1: 1 Main, 2 LC, 3 SSR, 4 LTP.</summary>
    public AacObjectType ObjectType { get; init; }

    public int SamplingFrequencyIndex { get; init; }

    public int SampleRate { get; init; }

    /// <summary>0-7; 0 means the channels are given by a program config element in the raw data.</summary>
    public int ChannelConfiguration { get; init; }

    /// <summary>aac_frame_length: the whole frame, header included.</summary>
    public int FrameLength { get; init; }

    public int BufferFullness { get; init; }

    /// <summary>number_of_raw_data_blocks_in_frame + 1: 1 to 4 access units in the frame.</summary>
    public int RawDataBlocks { get; init; }

    /// <summary>The header length: 7, or 9 with a CRC (more with several blocks and a CRC).</summary>
    public int HeaderLength => Length + (ProtectionAbsent ? 0 : 2 * RawDataBlocks);

    /// <summary>The raw data after the header.</summary>
    public int PayloadLength => FrameLength - HeaderLength;

    /// <summary>
    /// Parses the header at the start of <paramref name="data"/> (which may hold more). False without the
    /// syncword, with layer != 0, a reserved rate, a frame length shorter than its header, or fewer bytes
    /// than the header; never throws. Does not require the whole frame to be present.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out AdtsHeader header)
    {
        header = default;
        if (data.Length < Length || data[0] != 0xFF || (data[1] & 0xF6) != 0xF0)
        {
            return false; // syncword 0xFFF, layer 00
        }

        var r = new BitReader(data[..Length]);
        r.Skip(12);
        bool mpeg2 = r.ReadFlag();
        r.Skip(2); // layer
        bool protectionAbsent = r.ReadFlag();
        int profile = (int)r.ReadBits(2);
        int sfi = (int)r.ReadBits(4);
        r.Skip(1); // private_bit
        int channelConfiguration = (int)r.ReadBits(3);
        r.Skip(4); // original_copy, home, copyright_identification_bit, copyright_identification_start
        int frameLength = (int)r.ReadBits(13);
        int bufferFullness = (int)r.ReadBits(11);
        int blocks = (int)r.ReadBits(2) + 1;
        if (sfi >= AacConfig.SampleRates.Length)
        {
            return false;
        }

        header = new AdtsHeader
        {
            Mpeg2 = mpeg2,
            ProtectionAbsent = protectionAbsent,
            ObjectType = (AacObjectType)(profile + 1),
            SamplingFrequencyIndex = sfi,
            SampleRate = AacConfig.SampleRates[sfi],
            ChannelConfiguration = channelConfiguration,
            FrameLength = frameLength,
            BufferFullness = bufferFullness,
            RawDataBlocks = blocks,
        };

        if (frameLength < header.HeaderLength || data.Length < header.HeaderLength)
        {
            header = default;
            return false;
        }

        return true;
    }

    /// <summary>The AudioSpecificConfig this header implies (the core configuration: ADTS cannot signal SBR).</summary>
    public AacConfig ToConfig() => new()
    {
        ObjectType = ObjectType,
        SamplingFrequencyIndex = SamplingFrequencyIndex,
        SampleRate = SampleRate,
        ChannelConfiguration = ChannelConfiguration,
        Channels = AacConfig.ChannelsFor(ChannelConfiguration),
    };
}

/// <summary>Writes and splits ADTS streams (see <see cref="AdtsHeader"/>).</summary>
internal static class Adts
{
    /// <summary>
    /// True when an ADTS header can describe <paramref name="config"/>: object type Main, LC, SSR or LTP,
    /// a standard rate and channelConfiguration 1-7. With SBR the header carries the core (LC) rate,
    /// the implicit signalling HE-AAC in ADTS relies on.
    /// </summary>
    public static bool CanWrite(AacConfig config) =>
        config.ObjectType is AacObjectType.Main or AacObjectType.Lc or AacObjectType.Ssr or AacObjectType.Ltp
        && AacConfig.GetSamplingFrequencyIndex(config.SampleRate) >= 0
        && config.ChannelConfiguration is >= 1 and <= 7;

    /// <summary>
    /// Writes a 7-byte header (no CRC, one raw data block, MPEG-4, variable bit rate) for a payload of
    /// <paramref name="payloadLength"/> bytes. False when the config cannot be written
    /// (<see cref="CanWrite"/>), the frame would exceed 8191 bytes, or the destination is short.
    /// </summary>
    public static bool TryWriteHeader(AacConfig config, int payloadLength, Span<byte> destination)
    {
        int frameLength = AdtsHeader.Length + payloadLength;
        if (!CanWrite(config) || payloadLength < 0 || frameLength > AdtsHeader.MaxFrameLength || destination.Length < AdtsHeader.Length)
        {
            return false;
        }

        var w = new BitWriter(destination);
        w.WriteBits(0xFFF, 12); // syncword
        w.WriteFlag(false); // ID: MPEG-4
        w.WriteBits(0, 2); // layer
        w.WriteFlag(true); // protection_absent
        w.WriteBits((uint)config.ObjectType - 1, 2);
        w.WriteBits((uint)AacConfig.GetSamplingFrequencyIndex(config.SampleRate), 4);
        w.WriteFlag(false); // private_bit
        w.WriteBits((uint)config.ChannelConfiguration, 3);
        w.WriteBits(0, 4); // original_copy, home, copyright bits
        w.WriteBits((uint)frameLength, 13);
        w.WriteBits(AdtsHeader.VariableBitRate, 11);
        w.WriteBits(0, 2); // number_of_raw_data_blocks_in_frame
        return !w.Overflowed;
    }

    /// <summary>Writes one ADTS frame: header and <paramref name="rawAac"/> (one raw AAC access unit). See <see cref="TryWriteHeader"/>.</summary>
    public static bool TryWriteFrame(AacConfig config, ReadOnlySpan<byte> rawAac, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length - AdtsHeader.Length < rawAac.Length || !TryWriteHeader(config, rawAac.Length, destination))
        {
            return false;
        }

        rawAac.CopyTo(destination[AdtsHeader.Length..]);
        written = AdtsHeader.Length + rawAac.Length;
        return true;
    }

    /// <summary>
    /// The frames of an ADTS stream, each whole (header included): <c>foreach (var frame in
    /// Adts.EnumerateFrames(data))</c>. Stops at the first invalid header or truncated frame (then
    /// <see cref="FrameEnumerator.Invalid"/> is set); no resynchronisation.
    /// </summary>
    public static FrameEnumerator EnumerateFrames(ReadOnlySpan<byte> stream) => new(stream);

    internal ref struct FrameEnumerator
    {
        private readonly ReadOnlySpan<byte> _stream;
        private int _next;

        public FrameEnumerator(ReadOnlySpan<byte> stream)
        {
            _stream = stream;
        }

        /// <summary>The current frame, header included.</summary>
        public ReadOnlySpan<byte> Current { readonly get; private set; }

        public AdtsHeader Header { readonly get; private set; }

        /// <summary>The raw data of the current frame (after its header).</summary>
        public readonly ReadOnlySpan<byte> Payload => Current.IsEmpty ? default : Current[Header.HeaderLength..];

        public bool Invalid { readonly get; private set; }

        public readonly FrameEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            Current = default;
            if (Invalid || _next >= _stream.Length)
            {
                return false;
            }

            var rest = _stream[_next..];
            if (!AdtsHeader.TryParse(rest, out var header) || header.FrameLength > rest.Length)
            {
                Invalid = true;
                return false;
            }

            Header = header;
            Current = rest[..header.FrameLength];
            _next += header.FrameLength;
            return true;
        }
    }
}
