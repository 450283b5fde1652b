using System.Buffers.Binary;
using System.Text;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Source description packets (RFC 3550 §6.5). Writes the one-chunk CNAME SDES every compound packet
/// must carry (§6.1), and finds the CNAME of a received one.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_1                          |  chunk 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    CNAME=1    |     length    | user and domain name        ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ... items, then null octets (at least one) up to the next 32-bit boundary
/// </code>
/// </summary>
internal static class RtcpSdes
{
    public const byte CnameItem = 1;

    public static int GetCnameSize(int cnameBytes) =>
        RtcpPacket.HeaderSize + 4 + ((2 + cnameBytes + 1 + 3) & ~3); // items + at least one null, to a word

    /// <summary>Writes an SDES packet with one chunk holding <paramref name="ssrc"/>'s CNAME (UTF-8, at most 255 bytes).</summary>
    /// <returns>The number of bytes written.</returns>
    public static int WriteCname(Span<byte> destination, uint ssrc, string cname)
    {
        int length = Encoding.UTF8.GetByteCount(cname);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 255, nameof(cname));
        int size = GetCnameSize(length);
        destination = destination[..size];
        RtcpPacket.WriteHeader(destination, 1, RtcpPacketType.SourceDescription, size);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        destination[8] = CnameItem;
        destination[9] = (byte)length;
        int written = Encoding.UTF8.GetBytes(cname, destination[10..]);
        destination[(10 + written)..].Clear();
        return size;
    }

    /// <summary>Finds the first CNAME item in the chunks of an SDES packet.</summary>
    public static bool TryGetCname(in RtcpPacket packet, out uint ssrc, out ReadOnlySpan<byte> cname)
    {
        ssrc = 0;
        cname = default;
        if (packet.Type != RtcpPacketType.SourceDescription)
        {
            return false;
        }

        var body = packet.Body;
        int offset = 0;
        for (int chunk = 0; chunk < packet.Count && offset + 4 <= body.Length; chunk++)
        {
            uint source = BinaryPrimitives.ReadUInt32BigEndian(body[offset..]);
            offset += 4;
            while (offset < body.Length && body[offset] != 0)
            {
                if (offset + 2 > body.Length || offset + 2 + body[offset + 1] > body.Length)
                {
                    return false;
                }

                var text = body.Slice(offset + 2, body[offset + 1]);
                if (body[offset] == CnameItem)
                {
                    ssrc = source;
                    cname = text;
                    return true;
                }

                offset += 2 + text.Length;
            }

            offset = (offset + 4) & ~3; // the terminating null and the padding to the next word
        }

        return false;
    }
}
