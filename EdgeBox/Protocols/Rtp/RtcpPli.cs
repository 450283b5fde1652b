namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Picture Loss Indication (RFC 4585 §6.3.1: PT=PSFB 206, FMT=1): the receiver lost pictures of the media
/// source and asks for a decoder refresh point. There is no FCI, so the message is the common part alone.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=1  |   PT=206      |          length=2             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class RtcpPli
{
    public const int Size = RtcpFeedback.HeaderSize;

    /// <summary>Reads a PLI; an FCI the RFC does not define is ignored, as libwebrtc does.</summary>
    public static bool TryParse(in RtcpPacket packet, out RtcpFeedbackHeader header) =>
        RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadFeedback, RtcpFeedback.PictureLossIndication, out header, out _);

    /// <returns>The number of bytes written (<see cref="Size"/>).</returns>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc)
    {
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadFeedback, RtcpFeedback.PictureLossIndication, Size,
            new RtcpFeedbackHeader(senderSsrc, mediaSsrc));
        return Size;
    }
}
