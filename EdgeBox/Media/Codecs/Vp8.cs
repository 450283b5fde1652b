using System.Buffers.Binary;

namespace EdgeBox.Media.Codecs;

/// <summary>
/// What EdgeBox reads of a VP8 frame (RFC 6386 §9.1): the 3-byte frame tag, and on key frames the start
/// code and the picture size after it.
/// <code>
///  frame tag (little-endian 24 bits)           key frames only
/// +-+-+-+-+-+-+-+-+-----------------------+   +----------+----------------+----------------+
/// |size0|H| ver |P|  first_part_size ...   |   | 9d 01 2a | width (14) + 2 | height (14) + 2|
/// +-+-+-+-+-+-+-+-+-----------------------+   +----------+----------------+----------------+
///  bit 0 of byte 0 is P: 0 for a key frame       the top 2 bits of each size are the scaling mode
/// </code>
/// </summary>
internal static class Vp8
{
    public const int FrameTagSize = 3;

    /// <summary>Frame tag, start code, width and height.</summary>
    public const int KeyframeHeaderSize = 10;

    /// <summary>
    /// True for a key frame: the frame tag's inverse key frame bit is 0 and the start code
    /// <c>9d 01 2a</c> follows (a frame that claims to be a key frame without it is corrupt, and starting
    /// a reader there would show nothing).
    /// </summary>
    public static bool IsKeyframe(ReadOnlySpan<byte> frame) =>
        frame.Length >= KeyframeHeaderSize && (frame[0] & 1) == 0 && frame[3] == 0x9D && frame[4] == 0x01 && frame[5] == 0x2A;

    /// <summary>The picture size of a key frame (RFC 6386 §9.2), without the upscaling bits; false for any other frame.</summary>
    public static bool TryReadKeyframeSize(ReadOnlySpan<byte> frame, out int width, out int height)
    {
        if (!IsKeyframe(frame))
        {
            width = height = 0;
            return false;
        }

        width = BinaryPrimitives.ReadUInt16LittleEndian(frame[6..]) & 0x3FFF;
        height = BinaryPrimitives.ReadUInt16LittleEndian(frame[8..]) & 0x3FFF;
        return width > 0 && height > 0;
    }
}
