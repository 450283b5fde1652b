using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The RTP retransmission payload format (RFC 4588 §4), session-multiplexed as WebRTC uses it: a
/// retransmission goes on its own SSRC and payload type (<c>a=rtpmap:N rtx/90000</c>, <c>a=fmtp:N apt=M</c>),
/// with its own sequence numbers, and carries the original sequence number (OSN) before the original
/// payload. Timestamp, marker, CSRCs and header extensions are the original's.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP Header                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |            OSN                |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
/// |                  Original RTP Packet Payload                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class RtpRtx
{
    public const int OsnSize = 2;

    /// <summary>
    /// Builds the retransmission of <paramref name="original"/>; its RTP padding is left out.
    /// <paramref name="destination"/> may start where <paramref name="original"/> does (in place).
    /// </summary>
    /// <param name="rtxSequenceNumber">The next number of the RTX stream's own counter (the caller advances it).</param>
    /// <returns>False when <paramref name="original"/> is not valid RTP or the result does not fit.</returns>
    public static bool TryWrap(ReadOnlySpan<byte> original, Span<byte> destination, byte rtxPayloadType, uint rtxSsrc, ushort rtxSequenceNumber, out int length)
    {
        length = 0;
        if (!RtpHeader.TryParse(original, out var header, out int payloadOffset, out int payloadLength)
            || payloadOffset + OsnSize + payloadLength > destination.Length)
        {
            return false;
        }

        // Payload first, so that destination may be the buffer original is in (the copy moves it up by two).
        original.Slice(payloadOffset, payloadLength).CopyTo(destination[(payloadOffset + OsnSize)..]);
        CopyHeader(original[..payloadOffset], destination, rtxPayloadType, rtxSequenceNumber, rtxSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(destination[payloadOffset..], header.SequenceNumber);
        length = payloadOffset + OsnSize + payloadLength;
        return true;
    }

    /// <summary>
    /// Rebuilds the original packet from a received retransmission, given the original stream's payload type
    /// (the <c>apt</c> of the RTX payload type) and SSRC. <paramref name="destination"/> may start where
    /// <paramref name="rtx"/> does (in place).
    /// </summary>
    /// <returns>
    /// False when <paramref name="rtx"/> is not valid RTP, has no OSN (an RTX packet of padding only, which
    /// senders use to probe bandwidth), or the result does not fit.
    /// </returns>
    public static bool TryUnwrap(ReadOnlySpan<byte> rtx, Span<byte> destination, byte originalPayloadType, uint originalSsrc, out int length)
    {
        length = 0;
        if (!RtpHeader.TryParse(rtx, out _, out int payloadOffset, out int payloadLength)
            || payloadLength < OsnSize || payloadOffset + payloadLength - OsnSize > destination.Length)
        {
            return false;
        }

        ushort osn = BinaryPrimitives.ReadUInt16BigEndian(rtx[payloadOffset..]);
        CopyHeader(rtx[..payloadOffset], destination, originalPayloadType, osn, originalSsrc);
        rtx.Slice(payloadOffset + OsnSize, payloadLength - OsnSize).CopyTo(destination[payloadOffset..]);
        length = payloadOffset + payloadLength - OsnSize;
        return true;
    }

    /// <summary>Copies a header (CSRCs and extension included) with another payload type, sequence number and SSRC, and no padding.</summary>
    private static void CopyHeader(ReadOnlySpan<byte> header, Span<byte> destination, byte payloadType, ushort sequenceNumber, uint ssrc)
    {
        header.CopyTo(destination);
        destination[0] &= 0xDF; // P: the padding is not carried over
        destination[1] = (byte)((destination[1] & 0x80) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc);
    }
}
