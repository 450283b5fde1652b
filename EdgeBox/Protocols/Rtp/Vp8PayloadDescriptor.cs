namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The VP8 payload descriptor at the start of every VP8 RTP payload (RFC 7741 §4.2):
/// <code>
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// M:   |   PictureID   | (15-bit form)
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// </code>
/// N: the frame is not a reference; S: the payload starts a partition; PID: the partition index. A frame
/// starts at S = 1 with PID = 0 (§4.4).
/// </summary>
/// <param name="PictureId">7- or 15-bit picture ID, or -1 when absent.</param>
internal readonly record struct Vp8PayloadDescriptor(bool NonReference, bool StartOfPartition, int PartitionIndex, int PictureId)
{
    /// <summary>What <see cref="Write"/> writes: X, I, and the 15-bit picture ID, as libwebrtc sends.</summary>
    public const int WrittenSize = 4;

    /// <summary>True when the payload starts a new frame: the start of partition 0.</summary>
    public bool StartsFrame => StartOfPartition && PartitionIndex == 0;

    public static bool TryParse(ReadOnlySpan<byte> payload, out Vp8PayloadDescriptor descriptor, out int consumed)
    {
        descriptor = default;
        consumed = 0;
        if (payload.IsEmpty)
        {
            return false;
        }

        byte first = payload[0];
        int at = 1;
        int pictureId = -1;
        if ((first & 0x80) != 0)
        {
            if (payload.Length < 2)
            {
                return false;
            }

            byte extension = payload[at++];
            if ((extension & 0x80) != 0)
            {
                if (payload.Length <= at)
                {
                    return false;
                }

                if ((payload[at] & 0x80) != 0)
                {
                    if (payload.Length <= at + 1)
                    {
                        return false;
                    }

                    pictureId = ((payload[at] & 0x7F) << 8) | payload[at + 1];
                    at += 2;
                }
                else
                {
                    pictureId = payload[at++];
                }
            }

            at += (extension & 0x40) != 0 ? 1 : 0;          // TL0PICIDX
            at += (extension & 0x30) != 0 ? 1 : 0;          // TID|Y|KEYIDX
            if (at > payload.Length)
            {
                return false;
            }
        }

        descriptor = new Vp8PayloadDescriptor((first & 0x20) != 0, (first & 0x10) != 0, first & 0x07, pictureId);
        consumed = at;
        return true;
    }

    /// <summary>Writes X = 1, N, S, PID, then I = 1 and the 15-bit picture ID (M = 1); returns <see cref="WrittenSize"/>.</summary>
    public int Write(Span<byte> destination)
    {
        destination[0] = (byte)(0x80 | (NonReference ? 0x20 : 0) | (StartOfPartition ? 0x10 : 0) | (PartitionIndex & 0x07));
        destination[1] = 0x80;
        destination[2] = (byte)(0x80 | ((PictureId >> 8) & 0x7F));
        destination[3] = (byte)PictureId;
        return WrittenSize;
    }
}
