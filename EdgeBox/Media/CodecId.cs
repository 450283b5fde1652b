namespace EdgeBox.Media;

/// <summary>
/// The codecs a track can carry, and the one canonical payload form each has inside EdgeBox.
/// Protocols convert to and from these forms at their edges (RTP depacketizers, FLV tags, MPEG-TS,
/// fMP4), so the media core, the recorder and the decoders see one shape per codec:
/// <list type="bullet">
/// <item><see cref="H264"/>, <see cref="H265"/>: one access unit (all NAL units of one picture), each
/// NAL unit prefixed with its length as a 4-byte big-endian integer, no start codes ("AVCC" framing:
/// what MP4 stores, convertible to Annex-B in place). Parameter sets may appear in-band.</item>
/// <item><see cref="Aac"/>: one raw AAC access unit (1024 samples), no ADTS header.</item>
/// <item><see cref="Opus"/>: one Opus packet (RFC 6716).</item>
/// <item><see cref="Pcmu"/>, <see cref="Pcma"/>: G.711 samples as received, one byte each, 8 kHz.</item>
/// <item><see cref="Mjpeg"/>: one complete JPEG image.</item>
/// <item><see cref="Vp8"/>: one compressed frame as libvpx and FFmpeg emit it (RFC 6386), what IVF, WebM and
/// MP4 store per sample. Key frames (<see cref="Codecs.Vp8.IsKeyframe"/>) carry the picture size.</item>
/// <item><see cref="Vp9"/>: one compressed frame as libvpx and FFmpeg emit it; a superframe (VP9 Annex B: a
/// hidden frame and the frame shown, with the superframe index) when the encoder makes one. A unit is a
/// keyframe when its first frame is a KEY_FRAME (<see cref="Codecs.Vp9.IsKeyframe"/>), which also gives the
/// size and profile.</item>
/// <item><see cref="Av1"/>: one temporal unit as a sequence of OBUs in the low overhead bitstream format
/// (AV1 §5.2), each OBU with obu_has_size_field = 1, temporal delimiters removed: what MP4 and Matroska store
/// and FFmpeg's decoders take. The sequence header OBU is the track's parameter set
/// (<see cref="CodecParameters.SequenceHeader"/>); a keyframe is a unit with a sequence header and a
/// KEY_FRAME (<see cref="Codecs.Av1.IsKeyframe"/>).</item>
/// </list>
/// </summary>
internal enum CodecId
{
    H264,
    H265,
    Aac,
    Opus,
    Pcmu,
    Pcma,
    Mjpeg,
    Vp8,
    Vp9,
    Av1,
}

internal static class CodecIds
{
    public static bool IsVideo(this CodecId codec) =>
        codec is CodecId.H264 or CodecId.H265 or CodecId.Mjpeg or CodecId.Vp8 or CodecId.Vp9 or CodecId.Av1;

    /// <summary>The name used in the API and logs (and by ffprobe): h264, hevc, aac, opus, pcm_mulaw, pcm_alaw, mjpeg, vp8, vp9, av1.</summary>
    public static string Name(this CodecId codec) => codec switch
    {
        CodecId.H264 => "h264",
        CodecId.H265 => "hevc",
        CodecId.Aac => "aac",
        CodecId.Opus => "opus",
        CodecId.Pcmu => "pcm_mulaw",
        CodecId.Pcma => "pcm_alaw",
        CodecId.Vp8 => "vp8",
        CodecId.Vp9 => "vp9",
        CodecId.Av1 => "av1",
        _ => "mjpeg",
    };
}
