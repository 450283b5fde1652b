using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The transport-wide sequence number header extension (draft-holmer-rmcat-transport-wide-cc-extensions-01
/// §2): one counter for all the streams of a transport, that transport-wide feedback reports on. Negotiated
/// in SDP as <c>a=extmap:ID <see cref="Uri"/></c>; carried as a one-byte element (RFC 8285) of 2 bytes.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       0xBE    |    0xDE       |           length=1            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ID   | L=1   |transport-wide sequence number | zero padding  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class RtpTransportSequenceNumber
{
    public const string Uri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    public const int Size = 2;

    /// <summary>
    /// Reads the number from element <paramref name="id"/> of a parsed packet. A longer element (libwebrtc's
    /// transport-wide-cc-02 adds a feedback request after the number) is read for its first two bytes.
    /// </summary>
    public static bool TryRead(in RtpHeader header, ReadOnlySpan<byte> packet, byte id, out ushort sequenceNumber)
    {
        if (RtpHeaderExtensionReader.TryFind(header, packet, id, out var value) && value.Length >= Size)
        {
            sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(value);
            return true;
        }

        sequenceNumber = 0;
        return false;
    }

    /// <summary>Copies <paramref name="packet"/> into <paramref name="destination"/> with the number set (see <see cref="RtpHeaderExtensionWriter.TrySetOneByte"/>).</summary>
    public static bool TryWrite(ReadOnlySpan<byte> packet, Span<byte> destination, byte id, ushort sequenceNumber, out int length)
    {
        Span<byte> value = stackalloc byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(value, sequenceNumber);
        return RtpHeaderExtensionWriter.TrySetOneByte(packet, destination, id, value, out length);
    }

    /// <summary>Replaces the number in place, when the packet carries the element already.</summary>
    public static bool TryUpdate(Span<byte> packet, byte id, ushort sequenceNumber)
    {
        Span<byte> value = stackalloc byte[Size];
        BinaryPrimitives.WriteUInt16BigEndian(value, sequenceNumber);
        return RtpHeaderExtensionWriter.TryUpdate(packet, id, value);
    }
}
