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
}

internal static class CodecIds
{
    public static bool IsVideo(this CodecId codec) => codec is CodecId.H264 or CodecId.H265 or CodecId.Mjpeg;

    /// <summary>The name used in the API and logs (and by ffprobe): h264, hevc, aac, opus, pcm_mulaw, pcm_alaw, mjpeg.</summary>
    public static string Name(this CodecId codec) => codec switch
    {
        CodecId.H264 => "h264",
        CodecId.H265 => "hevc",
        CodecId.Aac => "aac",
        CodecId.Opus => "opus",
        CodecId.Pcmu => "pcm_mulaw",
        CodecId.Pcma => "pcm_alaw",
        _ => "mjpeg",
    };
}
