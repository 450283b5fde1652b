namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Opus over RTP (RFC 7587 §4.2): one Opus packet per RTP packet, which cannot be split. The marker is
/// set on the first packet only (the start of a talkspurt, RFC 3551 §4.1; we send no DTX).
/// </summary>
internal sealed class OpusPacketizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize)
    : RtpPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize)
{
    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (accessUnit.IsEmpty || accessUnit.Length > MaxPayloadSize)
        {
            return false;
        }

        Send(sink, timestamp, PacketCount == 0, default, accessUnit);
        return true;
    }
}
