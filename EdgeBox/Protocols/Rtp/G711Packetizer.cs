namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// G.711 PCMU/PCMA over RTP (RFC 3551 §4.5.14): one byte per sample at 8000 Hz, so a block longer than a
/// packet is split anywhere and each later packet's timestamp advances by the samples before it. The
/// marker is set on the first packet only (the start of a talkspurt, §4.1).
/// </summary>
internal sealed class G711Packetizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize)
    : RtpPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize)
{
    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (accessUnit.IsEmpty)
        {
            return false;
        }

        while (!accessUnit.IsEmpty)
        {
            int take = Math.Min(MaxPayloadSize, accessUnit.Length);
            Send(sink, timestamp, PacketCount == 0, default, accessUnit[..take]);
            timestamp += (uint)take;
            accessUnit = accessUnit[take..];
        }

        return true;
    }
}
