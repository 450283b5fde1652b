namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// H.265 over RTP (RFC 7798 §4.4) without DONL (sprop-max-don-diff = 0, what every live sender uses):
/// single NAL unit packets, aggregation packets (AP, 48) and fragmentation units (FU, 49). PACI (50)
/// damages the unit. A unit is a keyframe when it holds an IRAP picture (types 16..23: BLA, IDR, CRA).
/// <code>
/// NAL unit header (2 bytes)          FU (§4.4.3)
/// +---------------+---------------+  +---------------+---------------+---------------+
/// |F|   Type    |  LayerId  | TID |  |F| Type=49   |  LayerId  | TID |S|E|  FuType   | fragment...
/// +---------------+---------------+  +---------------+---------------+---------------+
/// </code>
/// </summary>
internal sealed class H265Depacketizer(int maxUnitSize = AccessUnitBuffer.DefaultMaxSize) : NalUnitDepacketizer(maxUnitSize)
{
    private const int Aggregation = 48;
    private const int Fragmentation = 49;
    private const int Paci = 50;

    protected override void ParsePayload(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 2 || (payload[0] & 0x80) != 0)
        {
            Damage(); // shorter than a NAL unit header, or forbidden_zero_bit set
            return;
        }

        int type = (payload[0] >> 1) & 0x3F;
        switch (type)
        {
            case < Aggregation:
                AppendNalUnit(payload);
                break;
            case Aggregation:
                AppendAggregated(payload[2..]);
                break;
            case Fragmentation when payload.Length >= 3:
                // The NAL unit header is the payload header with the type replaced by FuType.
                byte fu = payload[2];
                AppendFragment((fu & 0x80) != 0, (fu & 0x40) != 0, [(byte)((payload[0] & 0x81) | ((fu & 0x3F) << 1)), payload[1]], payload[3..]);
                break;
            case Fragmentation or Paci:
                Damage(); // a FU without its FU header; PACI is not supported
                break;
            default:
                break; // 51..63: unspecified, ignored
        }
    }

    protected override int NalHeaderSize => 2;

    protected override bool IsKeyframe(ReadOnlySpan<byte> nalHeader) => ((nalHeader[0] >> 1) & 0x3F) is >= 16 and <= 23;
}
