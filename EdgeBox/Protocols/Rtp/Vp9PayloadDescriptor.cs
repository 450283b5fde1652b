using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The VP9 payload descriptor at the start of every VP9 RTP payload (RFC 9628 §4.2). Flexible mode (F = 1):
/// <code>
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |I|P|L|F|B|E|V|Z| (REQUIRED)
///     +-+-+-+-+-+-+-+-+
/// I:  |M| PICTURE ID  | (REQUIRED)
///     +-+-+-+-+-+-+-+-+
/// M:  | EXTENDED PID  | (RECOMMENDED)
///     +-+-+-+-+-+-+-+-+
/// L:  | TID |U| SID |D| (Conditionally RECOMMENDED)
///     +-+-+-+-+-+-+-+-+                             -\
/// P,F:| P_DIFF      |N| (Conditionally REQUIRED)    - up to 3 times
///     +-+-+-+-+-+-+-+-+                             -/
/// V:  | SS            |
///     | ..            |
///     +-+-+-+-+-+-+-+-+
/// </code>
/// Non-flexible mode (F = 0) has <c>TL0PICIDX</c> after the layer byte instead of P_DIFFs. The scalability
/// structure (§4.2.1):
/// <code>
///     +-+-+-+-+-+-+-+-+
/// V:  | N_S |Y|G|-|-|-|
///     +-+-+-+-+-+-+-+-+              -\
/// Y:  |     WIDTH     | (16 bits)     - N_S + 1 times
///     |     HEIGHT    | (16 bits)     .
///     +-+-+-+-+-+-+-+-+              -/
/// G:  |      N_G      |
///     +-+-+-+-+-+-+-+-+                            -\
/// N_G:| TID |U| R |-|-| then R P_DIFF octets        - N_G times
///     +-+-+-+-+-+-+-+-+                            -/
/// </code>
/// B marks the first packet of a frame, E its last; a picture (one timestamp) is one frame per spatial layer.
/// </summary>
/// <param name="PictureId">7- or 15-bit picture ID, or -1 when absent (FFmpeg sends none).</param>
/// <param name="SpatialId">SID of the layer byte; 0 when it is absent.</param>
/// <param name="Width">The first spatial layer's width from the scalability structure, or 0.</param>
internal readonly record struct Vp9PayloadDescriptor(
    bool InterPredicted, bool LayerIndices, bool FlexibleMode, bool StartOfFrame, bool EndOfFrame, bool ScalabilityStructure,
    int PictureId, int SpatialId, int Width = 0, int Height = 0)
{
    /// <summary>What <see cref="Write"/> writes: the flags and the 15-bit picture ID, plus 5 bytes of SS when it has a size.</summary>
    public int WrittenSize => 3 + (ScalabilityStructure ? 5 : 0);

    public static bool TryParse(ReadOnlySpan<byte> payload, out Vp9PayloadDescriptor descriptor, out int consumed)
    {
        descriptor = default;
        consumed = 0;
        if (payload.IsEmpty)
        {
            return false;
        }

        byte flags = payload[0];
        bool interPredicted = (flags & 0x40) != 0, layers = (flags & 0x20) != 0, flexible = (flags & 0x10) != 0;
        bool structure = (flags & 0x02) != 0;
        int at = 1;
        int pictureId = -1;
        if ((flags & 0x80) != 0)
        {
            if (!Has(payload, at, 1))
            {
                return false;
            }

            bool extended = (payload[at] & 0x80) != 0;
            if (extended && !Has(payload, at, 2))
            {
                return false;
            }

            pictureId = extended ? ((payload[at] & 0x7F) << 8) | payload[at + 1] : payload[at];
            at += extended ? 2 : 1;
        }

        int spatialId = 0;
        if (layers)
        {
            if (!Has(payload, at, flexible ? 1 : 2))
            {
                return false;
            }

            spatialId = (payload[at] >> 1) & 0x07;
            at += flexible ? 1 : 2; // TL0PICIDX in non-flexible mode
        }

        if (flexible && interPredicted && !TrySkipReferences(payload, ref at))
        {
            return false;
        }

        int width = 0, height = 0;
        if (structure && !TryReadStructure(payload, ref at, out width, out height))
        {
            return false;
        }

        descriptor = new Vp9PayloadDescriptor(interPredicted, layers, flexible, (flags & 0x08) != 0, (flags & 0x04) != 0, structure,
            pictureId, spatialId, width, height);
        consumed = at;
        return true;
    }

    /// <summary>
    /// Writes a non-flexible descriptor without layer indices: I = 1 with the 15-bit picture ID, P, B, E, and
    /// when <see cref="ScalabilityStructure"/> is set one spatial layer of <see cref="Width"/> x <see cref="Height"/>
    /// (N_S = 0, Y = 1, G = 0). Returns <see cref="WrittenSize"/>.
    /// </summary>
    public int Write(Span<byte> destination)
    {
        destination[0] = (byte)(0x80 | (InterPredicted ? 0x40 : 0) | (StartOfFrame ? 0x08 : 0) | (EndOfFrame ? 0x04 : 0) | (ScalabilityStructure ? 0x02 : 0));
        destination[1] = (byte)(0x80 | ((PictureId >> 8) & 0x7F));
        destination[2] = (byte)PictureId;
        if (!ScalabilityStructure)
        {
            return 3;
        }

        destination[3] = 0x10; // N_S = 0, Y = 1, G = 0
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)Width);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Height);
        return 8;
    }

    private static bool Has(ReadOnlySpan<byte> payload, int at, int count) => payload.Length - at >= count;

    /// <summary>Up to 3 P_DIFF octets, each with N set when another follows.</summary>
    private static bool TrySkipReferences(ReadOnlySpan<byte> payload, ref int at)
    {
        for (int i = 0; i < 3; i++)
        {
            if (!Has(payload, at, 1))
            {
                return false;
            }

            if ((payload[at++] & 0x01) == 0)
            {
                return true;
            }
        }

        return false; // a fourth reference
    }

    private static bool TryReadStructure(ReadOnlySpan<byte> payload, ref int at, out int width, out int height)
    {
        width = height = 0;
        if (!Has(payload, at, 1))
        {
            return false;
        }

        byte ss = payload[at++];
        int layers = (ss >> 5) + 1;
        if ((ss & 0x10) != 0)
        {
            if (!Has(payload, at, 4 * layers))
            {
                return false;
            }

            width = BinaryPrimitives.ReadUInt16BigEndian(payload[at..]);
            height = BinaryPrimitives.ReadUInt16BigEndian(payload[(at + 2)..]);
            at += 4 * layers;
        }

        if ((ss & 0x08) != 0)
        {
            if (!Has(payload, at, 1))
            {
                return false;
            }

            int pictures = payload[at++];
            for (int i = 0; i < pictures; i++)
            {
                if (!Has(payload, at, 1))
                {
                    return false;
                }

                int references = (payload[at++] >> 2) & 0x03;
                if (!Has(payload, at, references))
                {
                    return false;
                }

                at += references;
            }
        }

        return true;
    }
}
