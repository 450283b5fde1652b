using EdgeBox.Media.Codecs;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Reassembles VP9 pictures from RTP (RFC 9628), flexible or not. The descriptor
/// (<see cref="Vp9PayloadDescriptor"/>) is taken off each packet; B and E delimit the frames of a picture.
/// A picture of one frame is that frame (a superframe when the sender sent one whole, as FFmpeg does);
/// a picture of several (spatial layers, or a superframe a sender split) becomes a superframe with its
/// index (Annex B), which is what FFmpeg's decoder and MP4/WebM take as one unit. A continuation without a
/// B, a B inside an open frame, more than 8 frames, or a split frame that is itself a superframe damages
/// the picture. A frame still open at the end of the picture is closed there (E is informative once the
/// marker or the next timestamp says the picture ended, and no packet is missing).
/// </summary>
internal sealed class Vp9Depacketizer(int maxUnitSize = AccessUnitBuffer.DefaultMaxSize) : FrameDepacketizer(maxUnitSize)
{
    private readonly int[] _frameSizes = new int[Vp9.MaxFramesInSuperframe];
    private int _frameCount;
    private bool _frameOpen;
    private int _frameStart;

    protected override void BeginUnit()
    {
        _frameCount = 0;
        _frameOpen = false;
    }

    /// <summary>A B on the base spatial layer starts a picture.</summary>
    protected override bool StartsUnit(ReadOnlySpan<byte> payload) =>
        Vp9PayloadDescriptor.TryParse(payload, out var descriptor, out _) && descriptor.StartOfFrame && descriptor.SpatialId == 0;

    protected override void ParsePayload(ReadOnlySpan<byte> payload)
    {
        if (!Vp9PayloadDescriptor.TryParse(payload, out var descriptor, out int consumed) || consumed == payload.Length)
        {
            Damage(); // cut short, or no VP9 data after the descriptor
            return;
        }

        if (descriptor.StartOfFrame == _frameOpen)
        {
            Damage(); // a frame starting inside another, or a continuation of a frame that never started
            return;
        }

        if (descriptor.StartOfFrame)
        {
            _frameOpen = true;
            _frameStart = Unit.Length;
        }

        if (!Unit.TryAppend(payload[consumed..]) || (descriptor.EndOfFrame && !CloseFrame()))
        {
            Damage();
        }
    }

    protected override bool TryComplete(out bool keyframe)
    {
        keyframe = false;
        if (_frameOpen && !CloseFrame())
        {
            return false;
        }

        if (_frameCount > 1)
        {
            Span<int> inner = stackalloc int[Vp9.MaxFramesInSuperframe];
            int offset = 0;
            var sizes = _frameSizes.AsSpan(0, _frameCount);
            foreach (int size in sizes)
            {
                if (Vp9.ReadSuperframeIndex(Unit.Span.Slice(offset, size), inner, out _) > 0)
                {
                    return false; // superframes do not nest
                }

                offset += size;
            }

            Span<byte> index = stackalloc byte[2 + (4 * Vp9.MaxFramesInSuperframe)];
            int length = Vp9.WriteSuperframeIndex(index, sizes);
            if (!Unit.TryAppend(index[..length]))
            {
                return false;
            }
        }

        keyframe = Vp9.IsKeyframe(Unit.Span);
        return true;
    }

    private bool CloseFrame()
    {
        _frameOpen = false;
        if (_frameCount == _frameSizes.Length)
        {
            return false;
        }

        _frameSizes[_frameCount++] = Unit.Length - _frameStart;
        return true;
    }
}
