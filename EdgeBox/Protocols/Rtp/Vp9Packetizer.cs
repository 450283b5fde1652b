using EdgeBox.Media.Codecs;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// VP9 over RTP (RFC 9628) in non-flexible mode with one layer: each unit (a frame, or a superframe with its
/// index, sent whole as FFmpeg and GStreamer do) is cut into packets behind a descriptor with I and a 15-bit
/// picture ID that counts units, P on inter-predicted frames, B on the first packet and E on the last. The
/// first packet of a key frame carries the scalability structure (V) with the picture size (§4.2.1). The
/// marker bit is on the last packet. The picture ID starts from the initial sequence number.
/// GStreamer's rtpvp9depay and libwebrtc read this; FFmpeg's RTP demuxer (rtpdec_vp9.c, 5.1 and later) still
/// reads the bit layout of draft 00 (B at 0x10) and refuses any RFC 9628 sender, FFmpeg's own packetizer included.
/// </summary>
internal sealed class Vp9Packetizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize)
    : RtpPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize)
{
    private int _pictureId = initialSequenceNumber & 0x7FFF;

    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (accessUnit.IsEmpty)
        {
            return false;
        }

        bool parsed = Vp9FrameHeader.TryParse(Vp9.FirstFrame(accessUnit), out var frame);
        bool keyframe = parsed && frame.Keyframe;
        bool interPredicted = !parsed || !(frame.Keyframe || frame.IntraOnly || frame.ShowExistingFrame);
        bool first = true;
        while (!accessUnit.IsEmpty)
        {
            var descriptor = new Vp9PayloadDescriptor(interPredicted, false, false, first, false, first && keyframe,
                _pictureId, 0, frame.Width, frame.Height);
            int take = Math.Min(MaxPayloadSize - descriptor.WrittenSize, accessUnit.Length);
            bool last = take == accessUnit.Length;
            var payload = Payload;
            int header = (descriptor with { EndOfFrame = last }).Write(payload);
            accessUnit[..take].CopyTo(payload[header..]);
            accessUnit = accessUnit[take..];
            Send(sink, timestamp, last, header + take);
            first = false;
        }

        _pictureId = (_pictureId + 1) & 0x7FFF;
        return true;
    }
}
