using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The fixed RTP header (RFC 3550 §5.1), parsed from a packet without copying.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |  (X = 1, §5.3.1)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        header extension                       |
/// |                             ....                              |
/// </code>
/// The extension is skipped by its length word whatever its profile, which is right for the
/// RFC 8285 one-byte (0xBEDE) and two-byte (0x100x) forms too; <see cref="RtpHeaderExtensionReader"/>
/// reads their elements when a caller wants them.
/// </summary>
internal readonly struct RtpHeader
{
    /// <summary>Size of the fixed header, which is all <see cref="Write"/> produces.</summary>
    public const int FixedSize = 12;

    public const int Version = 2;

    public RtpHeader(byte payloadType, ushort sequenceNumber, uint timestamp, uint ssrc, bool marker = false)
    {
        PayloadType = (byte)(payloadType & 0x7F);
        SequenceNumber = sequenceNumber;
        Timestamp = timestamp;
        Ssrc = ssrc;
        Marker = marker;
    }

    private RtpHeader(byte b0, byte b1, ushort sequenceNumber, uint timestamp, uint ssrc, ushort extensionProfile, int extensionLength)
    {
        Padding = (b0 & 0x20) != 0;
        Extension = (b0 & 0x10) != 0;
        CsrcCount = b0 & 0x0F;
        Marker = (b1 & 0x80) != 0;
        PayloadType = (byte)(b1 & 0x7F);
        SequenceNumber = sequenceNumber;
        Timestamp = timestamp;
        Ssrc = ssrc;
        ExtensionProfile = extensionProfile;
        ExtensionLength = extensionLength;
    }

    /// <summary>The packet had padding (already stripped from the payload TryParse returned).</summary>
    public bool Padding { get; }

    public bool Extension { get; }

    public int CsrcCount { get; }

    public bool Marker { get; }

    public byte PayloadType { get; }

    public ushort SequenceNumber { get; }

    public uint Timestamp { get; }

    public uint Ssrc { get; }

    /// <summary>The 16 bits "defined by profile" of the header extension (0xBEDE: RFC 8285 one-byte form).</summary>
    public ushort ExtensionProfile { get; }

    /// <summary>Length in bytes of the header extension data (after its 4-byte header).</summary>
    public int ExtensionLength { get; }

    /// <summary>Offset of the header extension data in the packet (valid when <see cref="Extension"/>).</summary>
    public int ExtensionOffset => FixedSize + (4 * CsrcCount) + 4;

    /// <summary>Size of the header as parsed: fixed part, CSRC list and extension.</summary>
    public int Size => FixedSize + (4 * CsrcCount) + (Extension ? 4 + ExtensionLength : 0);

    /// <summary>
    /// Parses and validates a whole RTP packet: version 2, CSRC list and extension inside the packet,
    /// padding count (RFC 3550 §5.1: the last octet, counting itself) within the payload.
    /// </summary>
    /// <param name="payloadOffset">Where the payload starts in <paramref name="packet"/>.</param>
    /// <param name="payloadLength">Payload length with any padding removed (may be 0).</param>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtpHeader header, out int payloadOffset, out int payloadLength)
    {
        header = default;
        payloadOffset = 0;
        payloadLength = 0;
        if (packet.Length < FixedSize || packet[0] >> 6 != Version)
        {
            return false;
        }

        byte b0 = packet[0];
        int offset = FixedSize + (4 * (b0 & 0x0F));
        if (offset > packet.Length)
        {
            return false;
        }

        ushort profile = 0;
        int extensionLength = 0;
        if ((b0 & 0x10) != 0)
        {
            if (offset + 4 > packet.Length)
            {
                return false;
            }

            profile = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            offset += 4 + extensionLength;
            if (offset > packet.Length)
            {
                return false;
            }
        }

        int length = packet.Length - offset;
        if ((b0 & 0x20) != 0)
        {
            int padding = packet[^1];
            if (padding == 0 || padding > length)
            {
                return false;
            }

            length -= padding;
        }

        header = new RtpHeader(b0, packet[1], BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[4..]), BinaryPrimitives.ReadUInt32BigEndian(packet[8..]), profile, extensionLength);
        payloadOffset = offset;
        payloadLength = length;
        return true;
    }

    /// <summary>Reads CSRC number <paramref name="index"/> from the packet this header was parsed from.</summary>
    public uint GetCsrc(ReadOnlySpan<byte> packet, int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)CsrcCount, nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(packet[(FixedSize + (4 * index))..]);
    }

    /// <summary>The header extension data of the packet this header was parsed from (empty without one).</summary>
    public ReadOnlySpan<byte> GetExtension(ReadOnlySpan<byte> packet) =>
        Extension ? packet.Slice(ExtensionOffset, ExtensionLength) : default;

    /// <summary>
    /// Writes the 12-byte fixed header with no padding, CSRC or extension: what a sender that is not a
    /// mixer emits. A parsed header's CSRC list and extension are not carried over.
    /// </summary>
    /// <returns>The number of bytes written (<see cref="FixedSize"/>).</returns>
    public int Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, FixedSize, nameof(destination));
        destination[0] = Version << 6;
        destination[1] = (byte)((Marker ? 0x80 : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
        return FixedSize;
    }

    public override string ToString() =>
        $"RTP pt={PayloadType} seq={SequenceNumber} ts={Timestamp} ssrc={Ssrc:x8}{(Marker ? " M" : "")}";
}
