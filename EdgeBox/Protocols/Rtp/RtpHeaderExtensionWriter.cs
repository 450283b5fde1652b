using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Sets elements of the RFC 8285 one-byte header extension (profile 0xBEDE, §4.2) in outgoing RTP packets:
/// either while copying the packet into the send buffer (the extension is added or rebuilt, the payload
/// moves), or in place when the element is already there with the same length (a relay rewriting the
/// transport-wide sequence number of each packet it forwards).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       0xBE    |    0xDE       |     length (32-bit words)     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ID   | L=len-1 |  data (1..16 bytes)  ...   |  0 (padding)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class RtpHeaderExtensionWriter
{
    /// <summary>IDs 1..14 carry data in the one-byte form (0 is padding, 15 reserved).</summary>
    public const int MaxOneByteId = 14;

    public const int MaxOneByteLength = 16;

    /// <summary>
    /// Copies <paramref name="packet"/> into <paramref name="destination"/> (which must not overlap it) with element
    /// <paramref name="id"/> set to <paramref name="value"/>: added after the elements the packet has, or in place
    /// of its element with that ID. The X bit is set; padding of the old extension is dropped; CSRCs,
    /// payload and RTP padding are kept.
    /// </summary>
    /// <returns>
    /// False when the packet is not valid RTP, has an extension of another profile (the two-byte form or a
    /// non-RFC 8285 one), or the result does not fit <paramref name="destination"/>.
    /// </returns>
    public static bool TrySetOneByte(ReadOnlySpan<byte> packet, Span<byte> destination, byte id, ReadOnlySpan<byte> value, out int length)
    {
        ArgumentOutOfRangeException.ThrowIfZero(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, MaxOneByteId);
        ArgumentOutOfRangeException.ThrowIfZero(value.Length, nameof(value));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, MaxOneByteLength, nameof(value));
        if (packet.Overlaps(destination))
        {
            throw new ArgumentException("The destination must not overlap the packet.", nameof(destination));
        }

        length = 0;
        if (!RtpHeader.TryParse(packet, out var header, out _, out _)
            || (header.Extension && header.ExtensionProfile != RtpHeaderExtensionReader.OneByteProfile))
        {
            return false;
        }

        var existing = header.GetExtension(packet);
        int kept = CopyElements(existing, id, default);
        int extensionLength = (kept + 1 + value.Length + 3) & ~3;
        int headerEnd = RtpHeader.FixedSize + (4 * header.CsrcCount);
        var rest = packet[header.Size..];
        int total = headerEnd + 4 + extensionLength + rest.Length;
        if (kept < 0 || extensionLength / 4 > ushort.MaxValue || total > destination.Length)
        {
            return false;
        }

        packet[..headerEnd].CopyTo(destination);
        destination[0] |= 0x10;
        BinaryPrimitives.WriteUInt16BigEndian(destination[headerEnd..], RtpHeaderExtensionReader.OneByteProfile);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(headerEnd + 2)..], (ushort)(extensionLength / 4));
        var elements = destination.Slice(headerEnd + 4, extensionLength);
        int offset = CopyElements(existing, id, elements);
        elements[offset++] = (byte)((id << 4) | (value.Length - 1));
        value.CopyTo(elements[offset..]);
        elements[(offset + value.Length)..].Clear();
        rest.CopyTo(destination[(headerEnd + 4 + extensionLength)..]);
        length = total;
        return true;
    }

    /// <summary>
    /// Overwrites the data of element <paramref name="id"/> in place (either RFC 8285 form). False when the
    /// packet is not valid RTP or has no such element of the same length.
    /// </summary>
    public static bool TryUpdate(Span<byte> packet, byte id, ReadOnlySpan<byte> value)
    {
        if (!RtpHeader.TryParse(packet, out var header, out _, out _)
            || !RtpHeaderExtensionReader.TryFind(header, packet, id, out var current, out int offset)
            || current.Length != value.Length)
        {
            return false;
        }

        value.CopyTo(packet[offset..]);
        return true;
    }

    /// <summary>Copies the one-byte elements other than <paramref name="id"/> (measures them when <paramref name="destination"/> is empty).</summary>
    /// <returns>Bytes they take; -1 when the extension is malformed.</returns>
    private static int CopyElements(ReadOnlySpan<byte> extension, byte id, Span<byte> destination)
    {
        var reader = new RtpHeaderExtensionReader(RtpHeaderExtensionReader.OneByteProfile, extension);
        int offset = 0;
        while (reader.TryReadNext(out byte found, out var data))
        {
            if (found == id)
            {
                continue;
            }

            if (!destination.IsEmpty)
            {
                destination[offset] = (byte)((found << 4) | (data.Length - 1));
                data.CopyTo(destination[(offset + 1)..]);
            }

            offset += 1 + data.Length;
        }

        return reader.Malformed ? -1 : offset;
    }
}
