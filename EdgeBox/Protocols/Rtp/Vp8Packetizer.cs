using EdgeBox.Media.Codecs;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// VP8 over RTP (RFC 7741): the frame is cut into packets of equal rank, each behind the 4-byte payload
/// descriptor libwebrtc sends (X, I, a 15-bit picture ID that counts frames). The first packet has S = 1 and
/// PID = 0; the others continue it (S = 0), since the frame is not split at its partition boundaries, which
/// §4.4 allows. The marker bit is on the frame's last packet. The picture ID starts from the initial
/// sequence number (random in a server), as libwebrtc starts from a random one.
/// </summary>
internal sealed class Vp8Packetizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize)
    : RtpPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize)
{
    private int _pictureId = initialSequenceNumber & 0x7FFF;

    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (accessUnit.Length < Vp8.FrameTagSize)
        {
            return false;
        }

        int chunk = MaxPayloadSize - Vp8PayloadDescriptor.WrittenSize;
        bool first = true;
        while (!accessUnit.IsEmpty)
        {
            int take = Math.Min(chunk, accessUnit.Length);
            var payload = Payload;
            int header = new Vp8PayloadDescriptor(false, first, 0, _pictureId).Write(payload);
            accessUnit[..take].CopyTo(payload[header..]);
            accessUnit = accessUnit[take..];
            Send(sink, timestamp, accessUnit.IsEmpty, header + take);
            first = false;
        }

        _pictureId = (_pictureId + 1) & 0x7FFF;
        return true;
    }
}
