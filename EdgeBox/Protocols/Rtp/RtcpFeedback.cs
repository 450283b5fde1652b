using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>The two SSRCs every feedback message starts with (RFC 4585 §6.1).</summary>
/// <param name="SenderSsrc">Who sends the feedback.</param>
/// <param name="MediaSsrc">The media source it is about; 0 in FIR and REMB, whose FCI names the sources.</param>
internal readonly record struct RtcpFeedbackHeader(uint SenderSsrc, uint MediaSsrc);

/// <summary>
/// The common packet format of RTCP feedback messages (RFC 4585 §6.1). The count field of the common
/// header carries the feedback message type (FMT); the packet type says whether it is transport layer
/// (RTPFB, 205) or payload-specific (PSFB, 206) feedback.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|   FMT   |       PT      |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// :            Feedback Control Information (FCI)                 :
/// </code>
/// </summary>
internal static class RtcpFeedback
{
    /// <summary>Common header and the two SSRCs: the size of a message with no FCI (a PLI).</summary>
    public const int HeaderSize = RtcpPacket.HeaderSize + 8;

    /// <summary>RTPFB FMT 1: Generic NACK (RFC 4585 §6.2.1).</summary>
    public const int GenericNack = 1;

    /// <summary>RTPFB FMT 15: transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).</summary>
    public const int TransportWideCc = 15;

    /// <summary>PSFB FMT 1: Picture Loss Indication (RFC 4585 §6.3.1).</summary>
    public const int PictureLossIndication = 1;

    /// <summary>PSFB FMT 4: Full Intra Request (RFC 5104 §4.3.1).</summary>
    public const int FullIntraRequest = 4;

    /// <summary>PSFB FMT 15: application layer feedback (RFC 4585 §6.4), which REMB is.</summary>
    public const int ApplicationLayer = 15;

    /// <summary>The length field counts 32-bit words minus one in 16 bits.</summary>
    public const int MaxPacketSize = 0x10000 * 4;

    /// <summary>
    /// Checks type and FMT of a packet the <see cref="RtcpCompoundReader"/> returned (which already made
    /// sure of the two SSRCs) and slices its FCI, padding excluded.
    /// </summary>
    internal static bool TryRead(in RtcpPacket packet, RtcpPacketType type, int format, out RtcpFeedbackHeader header, out ReadOnlySpan<byte> fci)
    {
        var body = packet.Body;
        if (packet.Type != type || packet.Count != format || body.Length < 8)
        {
            header = default;
            fci = default;
            return false;
        }

        header = new RtcpFeedbackHeader(BinaryPrimitives.ReadUInt32BigEndian(body), BinaryPrimitives.ReadUInt32BigEndian(body[4..]));
        fci = body[8..];
        return true;
    }

    /// <summary>
    /// <see cref="TryRead"/> for messages whose FCI is a list of <paramref name="entrySize"/>-byte entries, one
    /// or more (NACK, FIR): false when it is empty or ends in part of an entry.
    /// </summary>
    internal static bool TryReadEntries(in RtcpPacket packet, RtcpPacketType type, int format, int entrySize, out RtcpFeedbackHeader header, out ReadOnlySpan<byte> entries) =>
        TryRead(packet, type, format, out header, out entries) && !entries.IsEmpty && entries.Length % entrySize == 0;

    /// <summary>Writes the common header and the SSRCs of a message of <paramref name="totalLength"/> bytes (a multiple of 4).</summary>
    /// <returns>Where the FCI goes.</returns>
    internal static Span<byte> WriteHeader(Span<byte> destination, RtcpPacketType type, int format, int totalLength, in RtcpFeedbackHeader header)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(totalLength, MaxPacketSize, nameof(totalLength));
        destination = destination[..totalLength];
        RtcpPacket.WriteHeader(destination, format, type, totalLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], header.SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], header.MediaSsrc);
        return destination[HeaderSize..];
    }
}
