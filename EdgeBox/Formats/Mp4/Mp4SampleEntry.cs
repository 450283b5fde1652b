using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Formats.Mp4;

/// <summary>
/// The sample description (<c>stsd</c> entry) of each codec EdgeBox records: what a player needs before the first
/// sample. Every codec's canonical payload (<see cref="CodecId"/>) is already what MP4 stores per sample, so
/// samples go into <c>mdat</c> unchanged:
/// <list type="bullet">
/// <item>H.264 <c>avc1</c> + <c>avcC</c>, H.265 <c>hvc1</c> + <c>hvcC</c> (ISO/IEC 14496-15 §5.4, §8.4), 4-byte NAL
/// unit lengths. Parameter sets that also come in-band stay in the samples, as decoders accept.</item>
/// <item>AAC <c>mp4a</c> + <c>esds</c> (ISO/IEC 14496-14 §5.6), Opus <c>Opus</c> + <c>dOps</c> (Encapsulation of Opus
/// in ISOBMFF §4.3), G.711 <c>ulaw</c> / <c>alaw</c> (the QuickTime sound sample entries FFmpeg writes for mov:
/// ISO's AudioSampleEntry has the same layout, and FFmpeg's MP4 demuxer reads them).</item>
/// <item>VP8/VP9 <c>vp08</c>/<c>vp09</c> + <c>vpcC</c> (VP Codec ISO Media File Format Binding §2), AV1 <c>av01</c> +
/// <c>av1C</c> (AV1 Codec ISO Media File Format Binding §2.3), MJPEG <c>mp4v</c> + <c>esds</c> with object type 0x6C
/// (ISO/IEC 14496-1 Table 5, as FFmpeg writes it).</item>
/// </list>
/// </summary>
internal static partial class Mp4SampleEntry
{
    /// <summary>
    /// True when a sample entry can be written for <paramref name="track"/>: a codec MP4 carries, and the
    /// parameters it needs (H.264: SPS and PPS, H.265: VPS, SPS and PPS that parse, AAC: the AudioSpecificConfig,
    /// AV1: the sequence header, Opus: 1 or 2 channels). <paramref name="reason"/> says what is missing.
    /// </summary>
    public static bool CanDescribe(MediaTrack track, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(track);
        var p = track.Parameters;
        reason = track.Codec switch
        {
            CodecId.H264 when p.Sps is null || p.Pps is null => "H.264 needs its SPS and PPS",
            CodecId.H264 when !H264Sps.TryParse(p.Sps, out _) => "the H.264 SPS does not parse",
            CodecId.H265 when p.Vps is null || p.Sps is null || p.Pps is null => "H.265 needs its VPS, SPS and PPS",
            CodecId.H265 when !H265Sps.TryParse(p.Sps, out _) => "the H.265 SPS does not parse",
            CodecId.Aac when p.AudioSpecificConfig is null or { Length: 0 } => "AAC needs its AudioSpecificConfig",
            CodecId.Av1 when p.SequenceHeader is null || Av1.ConfigRecord(p.SequenceHeader) is null => "AV1 needs a sequence header that parses",
            CodecId.Opus when track.Channels is < 1 or > 2 => "Opus with more than 2 channels needs a channel mapping the track does not carry",
            _ when track.ClockRate <= 0 => "the track has no clock rate",
            _ => null,
        };
        return reason is null;
    }

    /// <summary>Writes the sample entry of <paramref name="track"/> (check <see cref="CanDescribe"/> first).</summary>
    public static void Write(Mp4BoxWriter w, MediaTrack track)
    {
        if (!CanDescribe(track, out string? reason))
        {
            throw new ArgumentException(reason, nameof(track));
        }

        switch (track.Codec)
        {
            case CodecId.H264:
                WriteAvc1(w, track.Parameters);
                break;
            case CodecId.H265:
                WriteHvc1(w, track.Parameters);
                break;
            case CodecId.Vp8:
            case CodecId.Vp9:
                WriteVpx(w, track.Codec, track.Parameters);
                break;
            case CodecId.Av1:
                WriteAv01(w, track.Parameters);
                break;
            case CodecId.Mjpeg:
                WriteMjpeg(w, track.Parameters);
                break;
            case CodecId.Aac:
                WriteMp4a(w, track);
                break;
            case CodecId.Opus:
                WriteOpus(w, track);
                break;
            default:
                WriteG711(w, track);
                break;
        }
    }

    /// <summary>
    /// The fields every sample entry starts with (§8.5.2.2): six reserved bytes and data_reference_index 1
    /// (the one <c>dref</c> entry: the data is in this file).
    /// </summary>
    private static int BeginSampleEntry(Mp4BoxWriter w, ReadOnlySpan<byte> type)
    {
        int box = w.Begin(type);
        w.WriteZeros(6);
        w.WriteUInt16(1);
        return box;
    }
}
