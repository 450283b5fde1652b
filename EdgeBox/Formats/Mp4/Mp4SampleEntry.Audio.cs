using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Formats.Mp4;

internal static partial class Mp4SampleEntry
{
    /// <summary>objectTypeIndication (ISO/IEC 14496-1 Table 5, the MP4 registration authority's list): MPEG-4 Audio.</summary>
    private const int ObjectTypeAudio = 0x40;

    /// <summary>objectTypeIndication for JPEG (ISO/IEC 10918-1).</summary>
    private const int ObjectTypeJpeg = 0x6C;

    /// <summary>streamType (ISO/IEC 14496-1 Table 6).</summary>
    private const int StreamTypeVisual = 0x04;

    private const int StreamTypeAudio = 0x05;

    /// <summary>
    /// <c>mp4a</c> with an <c>esds</c> carrying the AudioSpecificConfig. The channel count is the track's, else
    /// the config's; the rate field is the track's clock rate (the sample rate).
    /// </summary>
    private static void WriteMp4a(Mp4BoxWriter w, MediaTrack track)
    {
        var asc = track.Parameters.AudioSpecificConfig!;
        int channels = track.Channels > 0 ? track.Channels : AacConfig.TryParse(asc, out var config) ? config.OutputChannels : 2;
        int box = BeginAudioSampleEntry(w, "mp4a"u8, channels, track.ClockRate);
        WriteEsds(w, trackId: 0, ObjectTypeAudio, StreamTypeAudio, asc);
        w.End(box);
    }

    /// <summary>
    /// <c>Opus</c> with its <c>dOps</c> box (Encapsulation of Opus in ISOBMFF §4.3.2), a plain box (not a FullBox)
    /// holding the OpusHead fields big-endian:
    /// <code>
    /// Version = 0 | OutputChannelCount | PreSkip(16) | InputSampleRate(32) | OutputGain(16) | ChannelMappingFamily = 0
    /// </code>
    /// PreSkip is 312, what libopus (and so FFmpeg and EdgeBox's encoders) declares: the spec makes it
    /// informative in MP4 (the priming samples are trimmed by an edit list), and a recording of a live stream
    /// starts mid-stream, past any priming, so no edit trims it. Opus always runs at 48 kHz: the entry's rate is
    /// 48000 whatever the track's clock says.
    /// </summary>
    private static void WriteOpus(Mp4BoxWriter w, MediaTrack track)
    {
        var head = OpusHead.Create(track.Channels);
        int box = BeginAudioSampleEntry(w, "Opus"u8, head.ChannelCount, Opus.SampleRate);
        int dOps = w.Begin("dOps"u8);
        w.WriteByte(0); // Version
        w.WriteByte(head.ChannelCount);
        w.WriteUInt16(head.PreSkip);
        w.WriteUInt32(head.InputSampleRate);
        w.WriteUInt16(head.OutputGain);
        w.WriteByte(head.MappingFamily);
        w.End(dOps);
        w.End(box);
    }

    /// <summary>
    /// G.711 as the QuickTime sound sample entries <c>ulaw</c> and <c>alaw</c> with no extension boxes: what FFmpeg
    /// writes for mov (its MP4 muxer refuses G.711; its demuxer reads these entries in any brand). One sample is one
    /// access unit (e.g. 20 ms, 160 bytes), its duration the byte count at 8 kHz, as FFmpeg's fragmented mov output
    /// has it. samplesize 16 is the field's fixed value, not the 8-bit code size.
    /// </summary>
    private static void WriteG711(Mp4BoxWriter w, MediaTrack track)
    {
        int box = BeginAudioSampleEntry(w, track.Codec == CodecId.Pcmu ? "ulaw"u8 : "alaw"u8, Math.Max(track.Channels, 1), track.ClockRate);
        w.End(box);
    }

    /// <summary>
    /// AudioSampleEntry (ISO/IEC 14496-12 §12.2.3): reserved, channelcount, samplesize 16, pre_defined, reserved,
    /// samplerate in 16.16 (0 for rates above 65535, which the field cannot hold; <c>mdhd</c>'s timescale has it).
    /// </summary>
    private static int BeginAudioSampleEntry(Mp4BoxWriter w, ReadOnlySpan<byte> type, int channels, int sampleRate)
    {
        int box = BeginSampleEntry(w, type);
        w.WriteZeros(8); // reserved (QuickTime: version, revision level, vendor)
        w.WriteUInt16(channels);
        w.WriteUInt16(16); // samplesize
        w.WriteUInt16(0); // pre_defined (QuickTime: compression ID)
        w.WriteUInt16(0); // reserved (QuickTime: packet size)
        w.WriteUInt32(sampleRate is > 0 and <= ushort.MaxValue ? (uint)sampleRate << 16 : 0);
        return box;
    }

    /// <summary>
    /// <c>esds</c> (ISO/IEC 14496-14 §5.6.1): a FullBox holding an ES_Descriptor (ISO/IEC 14496-1 §7.2.6.5) with its
    /// DecoderConfigDescriptor, DecoderSpecificInfo (when given) and SLConfigDescriptor (predefined 2, as MP4
    /// requires):
    /// <code>
    /// 03 len ES_ID(16) flags(8) | 04 len objectType streamType(6) upStream(1) 1 | bufferSizeDB(24) maxBitrate(32) avgBitrate(32)
    ///   | 05 len decoderSpecificInfo | 06 01 02
    /// </code>
    /// Descriptor lengths use the shortest expandable form (7 bits a byte). Buffer size and bit rates are 0:
    /// unknown when the init segment is written.
    /// </summary>
    internal static void WriteEsds(Mp4BoxWriter w, int trackId, int objectType, int streamType, ReadOnlySpan<byte> decoderSpecificInfo)
    {
        int dsi = decoderSpecificInfo.IsEmpty ? 0 : DescriptorSize(decoderSpecificInfo.Length);
        int decoderConfig = DescriptorSize(13 + dsi);
        int sl = DescriptorSize(1);
        int box = w.BeginFull("esds"u8, 0, 0);
        WriteDescriptorHeader(w, 0x03, 3 + decoderConfig + sl); // ES_DescrTag
        w.WriteUInt16(trackId); // ES_ID
        w.WriteByte(0); // no stream dependence, URL or OCR stream; priority 0
        WriteDescriptorHeader(w, 0x04, 13 + dsi); // DecoderConfigDescrTag
        w.WriteByte(objectType);
        w.WriteByte((streamType << 2) | 1); // upStream 0, reserved 1
        w.WriteUInt24(0); // bufferSizeDB
        w.WriteUInt32(0); // maxBitrate
        w.WriteUInt32(0); // avgBitrate
        if (!decoderSpecificInfo.IsEmpty)
        {
            WriteDescriptorHeader(w, 0x05, decoderSpecificInfo.Length); // DecSpecificInfoTag
            w.WriteBytes(decoderSpecificInfo);
        }

        WriteDescriptorHeader(w, 0x06, 1); // SLConfigDescrTag
        w.WriteByte(2); // predefined: reserved for MP4 files
        w.End(box);
    }

    /// <summary>A descriptor's whole size: tag, length bytes and <paramref name="payload"/>.</summary>
    private static int DescriptorSize(int payload) => 1 + LengthBytes(payload) + payload;

    private static int LengthBytes(int length) => length < 1 << 7 ? 1 : length < 1 << 14 ? 2 : length < 1 << 21 ? 3 : 4;

    private static void WriteDescriptorHeader(Mp4BoxWriter w, int tag, int length)
    {
        w.WriteByte(tag);
        for (int i = LengthBytes(length) - 1; i >= 0; i--)
        {
            w.WriteByte(((length >> (7 * i)) & 0x7F) | (i > 0 ? 0x80 : 0)); // sizeOfInstance: 7 bits a byte, high bit "more"
        }
    }
}
