using System.Buffers.Binary;

namespace EdgeBox.Media.Codecs;

internal enum OpusMode
{
    Silk,
    Hybrid,
    Celt,
}

/// <summary>Audio bandwidth of an Opus frame (RFC 6716 Table 1): narrowband is 4 kHz, fullband 20 kHz.</summary>
internal enum OpusBandwidth
{
    Narrowband,
    Mediumband,
    Wideband,
    SuperWideband,
    Fullband,
}

/// <summary>
/// An Opus TOC byte (RFC 6716 §3.1): configuration (mode, bandwidth, frame size), stereo flag and frame
/// count code (0: one frame, 1: two equal frames, 2: two frames, 3: a count byte follows).
/// </summary>
internal readonly record struct OpusToc(int Config, bool Stereo, int Code)
{
    public static OpusToc Parse(byte toc) => new(toc >> 3, (toc & 4) != 0, toc & 3);

    /// <summary>Configurations 0-11 SILK, 12-15 hybrid, 16-31 CELT.</summary>
    public OpusMode Mode => Config switch
    {
        < 12 => OpusMode.Silk,
        < 16 => OpusMode.Hybrid,
        _ => OpusMode.Celt,
    };

    public OpusBandwidth Bandwidth => Config switch
    {
        < 4 => OpusBandwidth.Narrowband,
        < 8 => OpusBandwidth.Mediumband,
        < 12 => OpusBandwidth.Wideband,
        < 14 => OpusBandwidth.SuperWideband,
        < 16 => OpusBandwidth.Fullband,
        < 20 => OpusBandwidth.Narrowband,
        < 24 => OpusBandwidth.Wideband,
        < 28 => OpusBandwidth.SuperWideband,
        _ => OpusBandwidth.Fullband,
    };

    /// <summary>Samples per frame at 48 kHz: 120 (2.5 ms) to 2880 (60 ms).</summary>
    public int FrameSamples => Opus.FrameSamples(Config);
}

/// <summary>Opus packet durations (RFC 6716 §3). Opus always counts time at 48 kHz.</summary>
internal static class Opus
{
    public const int SampleRate = 48000;

    /// <summary>The longest a packet may last: 120 ms.</summary>
    public const int MaxPacketSamples = 5760;

    /// <summary>Samples per frame at 48 kHz for a TOC configuration (0-31).</summary>
    public static int FrameSamples(int config)
    {
        if (config < 12)
        {
            // SILK: 10, 20, 40, 60 ms.
            return (config & 3) switch
            {
                0 => 480,
                1 => 960,
                2 => 1920,
                _ => 2880,
            };
        }

        if (config < 16)
        {
            return (config & 1) == 0 ? 480 : 960; // hybrid: 10, 20 ms
        }

        return 120 << (config & 3); // CELT: 2.5, 5, 10, 20 ms
    }

    /// <summary>
    /// The number of frames in <paramref name="packet"/>: 1 or 2 from the TOC code, or the count byte
    /// of a code 3 packet. False for an empty packet, a code 3 packet without its count byte, a count of 0,
    /// or a packet over 120 ms ([R1], [R5]); frame lengths inside the packet are not checked.
    /// </summary>
    public static bool TryGetFrameCount(ReadOnlySpan<byte> packet, out int frames)
    {
        frames = 0;
        if (packet.IsEmpty)
        {
            return false;
        }

        var toc = OpusToc.Parse(packet[0]);
        int count;
        switch (toc.Code)
        {
            case 0:
                count = 1;
                break;
            case 1:
            case 2:
                count = 2;
                break;
            default:
                if (packet.Length < 2)
                {
                    return false;
                }

                count = packet[1] & 0x3F;
                break;
        }

        if (count == 0 || count * toc.FrameSamples > MaxPacketSamples)
        {
            return false;
        }

        frames = count;
        return true;
    }

    /// <summary>The duration of <paramref name="packet"/> in samples at 48 kHz (see <see cref="TryGetFrameCount"/>).</summary>
    public static bool TryGetDuration(ReadOnlySpan<byte> packet, out int samplesAt48k)
    {
        samplesAt48k = 0;
        if (!TryGetFrameCount(packet, out int frames))
        {
            return false;
        }

        samplesAt48k = frames * FrameSamples(packet[0] >> 3);
        return true;
    }
}

/// <summary>
/// The Opus identification header (RFC 7845 §5.1): what Ogg's <c>OpusHead</c> packet and, big-endian
/// and without the magic, MP4's <c>dOps</c> box (Opus in ISOBMFF §4.3.2) carry.
/// </summary>
internal sealed record OpusHead
{
    public const int MinLength = 19;

    private static ReadOnlySpan<byte> Magic => "OpusHead"u8;

    /// <summary>The OpusHead version (1); only the major version (upper 4 bits, 0) is checked when parsing.</summary>
    public int Version { get; init; } = 1;

    public int ChannelCount { get; init; }

    /// <summary>Samples (at 48 kHz) to drop from the start of the decoded stream.</summary>
    public int PreSkip { get; init; }

    /// <summary>The original rate, informational (0 when unknown); Opus always decodes at 48 kHz here.</summary>
    public uint InputSampleRate { get; init; }

    /// <summary>Gain to apply, in 1/256 dB (Q7.8).</summary>
    public short OutputGain { get; init; }

    /// <summary>0: mono/stereo, one stream; 1: Vorbis order, up to 8 channels; 255: unordered.</summary>
    public int MappingFamily { get; init; }

    /// <summary>Opus streams per packet (1 for family 0).</summary>
    public int StreamCount { get; init; } = 1;

    /// <summary>Of those, the two-channel ones (family 0: 1 for stereo).</summary>
    public int CoupledCount { get; init; }

    /// <summary>Output channel to decoded channel (255 = silent); empty for family 0.</summary>
    public ReadOnlyMemory<byte> ChannelMapping { get; init; }

    /// <summary>The OpusHead length: 19, plus 2 and a byte per channel when the family is not 0.</summary>
    public int Length => MinLength + (MappingFamily == 0 ? 0 : 2 + ChannelCount);

    /// <summary>A family 0 header (mono or stereo).</summary>
    public static OpusHead Create(int channelCount, int preSkip = 312, uint inputSampleRate = Opus.SampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channelCount, 2);
        return new OpusHead
        {
            ChannelCount = channelCount,
            PreSkip = preSkip,
            InputSampleRate = inputSampleRate,
            CoupledCount = channelCount - 1,
        };
    }

    /// <summary>Parses an OpusHead packet (trailing bytes allowed); false when malformed, never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out OpusHead? head)
    {
        head = null;
        if (data.Length < MinLength || !data.StartsWith(Magic) || (data[8] & 0xF0) != 0)
        {
            return false;
        }

        return TryParseFields(
            data[8],
            data[9],
            BinaryPrimitives.ReadUInt16LittleEndian(data[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[12..]),
            BinaryPrimitives.ReadInt16LittleEndian(data[16..]),
            data[18..],
            out head);
    }

    /// <summary>Parses the body of an MP4 <c>dOps</c> box (after its size and type; big-endian, version 0).</summary>
    public static bool TryParseDOps(ReadOnlySpan<byte> data, out OpusHead? head)
    {
        head = null;
        if (data.Length < MinLength - Magic.Length || data[0] != 0)
        {
            return false;
        }

        return TryParseFields(
            1,
            data[1],
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            BinaryPrimitives.ReadInt16BigEndian(data[8..]),
            data[10..],
            out head);
    }

    /// <param name="mapping">From the channel mapping family byte on.</param>
    private static bool TryParseFields(int version, int channels, int preSkip, uint rate, short gain, ReadOnlySpan<byte> mapping, out OpusHead? head)
    {
        head = null;
        int family = mapping[0];
        if (channels == 0)
        {
            return false;
        }

        if (family == 0)
        {
            if (channels > 2)
            {
                return false;
            }

            head = new OpusHead
            {
                Version = version,
                ChannelCount = channels,
                PreSkip = preSkip,
                InputSampleRate = rate,
                OutputGain = gain,
                CoupledCount = channels - 1,
            };
            return true;
        }

        if (mapping.Length < 3 + channels || (family == 1 && channels > 8))
        {
            return false;
        }

        int streams = mapping[1], coupled = mapping[2];
        var table = mapping.Slice(3, channels);
        if (streams == 0 || coupled > streams || streams + coupled > 255)
        {
            return false;
        }

        foreach (byte entry in table)
        {
            if (entry != 255 && entry >= streams + coupled)
            {
                return false;
            }
        }

        head = new OpusHead
        {
            Version = version,
            ChannelCount = channels,
            PreSkip = preSkip,
            InputSampleRate = rate,
            OutputGain = gain,
            MappingFamily = family,
            StreamCount = streams,
            CoupledCount = coupled,
            ChannelMapping = table.ToArray(),
        };
        return true;
    }

    /// <summary>Writes the OpusHead packet (<see cref="Length"/> bytes); false when the destination is short or the header inconsistent.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Length || !IsConsistent())
        {
            return false;
        }

        Magic.CopyTo(destination);
        destination[8] = (byte)Version;
        destination[9] = (byte)ChannelCount;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], (ushort)PreSkip);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], InputSampleRate);
        BinaryPrimitives.WriteInt16LittleEndian(destination[16..], OutputGain);
        WriteMapping(destination[18..]);
        written = Length;
        return true;
    }

    /// <summary>Writes the body of an MP4 <c>dOps</c> box (<see cref="Length"/> - 8 bytes, big-endian, version 0).</summary>
    public bool TryWriteDOps(Span<byte> destination, out int written)
    {
        written = 0;
        int length = Length - Magic.Length;
        if (destination.Length < length || !IsConsistent())
        {
            return false;
        }

        destination[0] = 0;
        destination[1] = (byte)ChannelCount;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)PreSkip);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], InputSampleRate);
        BinaryPrimitives.WriteInt16BigEndian(destination[8..], OutputGain);
        WriteMapping(destination[10..]);
        written = length;
        return true;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        return TryWrite(bytes, out _) ? bytes : throw new InvalidOperationException("inconsistent OpusHead");
    }

    private bool IsConsistent() =>
        ChannelCount is >= 1 and <= 255 && PreSkip is >= 0 and <= ushort.MaxValue && MappingFamily is >= 0 and <= 255
        && (MappingFamily == 0 ? ChannelCount <= 2 : ChannelMapping.Length == ChannelCount && StreamCount is >= 1 and <= 255 && CoupledCount is >= 0 and <= 255);

    private void WriteMapping(Span<byte> destination)
    {
        destination[0] = (byte)MappingFamily;
        if (MappingFamily != 0)
        {
            destination[1] = (byte)StreamCount;
            destination[2] = (byte)CoupledCount;
            ChannelMapping.Span.CopyTo(destination[3..]);
        }
    }
}
