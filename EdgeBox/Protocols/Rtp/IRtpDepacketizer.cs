using EdgeBox.Media;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Turns the payloads of one RTP stream, in sequence order, into access units in the codec's canonical
/// form (<see cref="CodecId"/>). Damaged units (a lost packet inside them, a malformed payload, an
/// oversize unit) are dropped whole and counted; the next good unit is delivered. Never throws on
/// payload bytes. Not thread-safe: one receive loop pushes.
/// </summary>
internal interface IRtpDepacketizer : IDisposable
{
    /// <summary>Access units dropped as damaged since creation.</summary>
    long DroppedUnits { get; }

    /// <param name="header">The packet's header; the sequence number is how loss is noticed.</param>
    /// <param name="payload">The payload, padding removed (<see cref="RtpHeader.TryParse"/>).</param>
    void Push(in RtpHeader header, ReadOnlySpan<byte> payload, IAccessUnitSink sink);

    /// <summary>Forgets any partial unit and the sequence state (after a seek, a restart, a new SSRC).</summary>
    void Reset();
}

internal static class RtpDepacketizers
{
    /// <summary>A depacketizer with the usual parameters (AAC as AAC-hbr), or null for a codec without one here.</summary>
    public static IRtpDepacketizer? Create(CodecId codec) => codec switch
    {
        CodecId.H264 => new H264Depacketizer(),
        CodecId.H265 => new H265Depacketizer(),
        CodecId.Aac => new AacDepacketizer(),
        CodecId.Opus or CodecId.Pcmu or CodecId.Pcma => new PayloadDepacketizer(),
        CodecId.Mjpeg => new MjpegDepacketizer(),
        CodecId.Vp8 => new Vp8Depacketizer(),
        CodecId.Vp9 => new Vp9Depacketizer(),
        CodecId.Av1 => new Av1Depacketizer(),
        _ => null,
    };
}
