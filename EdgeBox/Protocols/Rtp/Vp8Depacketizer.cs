using EdgeBox.Media.Codecs;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Reassembles VP8 frames from RTP (RFC 7741): the payload descriptor (<see cref="Vp8PayloadDescriptor"/>) is
/// taken off each packet and the rest appended. A frame starts with S = 1 and PID = 0; a packet that
/// continues a frame whose start was not seen, a second start within one timestamp, or a descriptor cut
/// short damages the frame. Whether the frame is a key frame comes from its frame tag.
/// </summary>
internal sealed class Vp8Depacketizer(int maxUnitSize = AccessUnitBuffer.DefaultMaxSize) : FrameDepacketizer(maxUnitSize)
{
    protected override void BeginUnit()
    {
    }

    protected override bool StartsUnit(ReadOnlySpan<byte> payload) =>
        Vp8PayloadDescriptor.TryParse(payload, out var descriptor, out _) && descriptor.StartsFrame;

    protected override void ParsePayload(ReadOnlySpan<byte> payload)
    {
        if (!Vp8PayloadDescriptor.TryParse(payload, out var descriptor, out int consumed) || consumed == payload.Length)
        {
            Damage(); // a descriptor cut short, or with no VP8 data after it (§4.1: at least one octet)
            return;
        }

        // A start in the middle of a frame, or a continuation of a frame that never started.
        if (descriptor.StartsFrame != (Unit.Length == 0) || !Unit.TryAppend(payload[consumed..]))
        {
            Damage();
        }
    }

    protected override bool TryComplete(out bool keyframe)
    {
        keyframe = Vp8.IsKeyframe(Unit.Span);
        return Unit.Length >= Vp8.FrameTagSize;
    }
}
