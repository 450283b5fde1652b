using System.Buffers.Binary;

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
                ReadAggregate(payload[2..]);
                break;
            case Fragmentation:
                ReadFragment(payload);
                break;
            case Paci:
                Damage();
                break;
            default:
                break; // 51..63: unspecified, ignored
        }
    }

    protected override bool IsKeyframe(ReadOnlySpan<byte> nalHeader) => ((nalHeader[0] >> 1) & 0x3F) is >= 16 and <= 23;

    private void ReadAggregate(ReadOnlySpan<byte> units)
    {
        while (!units.IsEmpty)
        {
            if (units.Length < 2)
            {
                Damage();
                return;
            }

            int size = BinaryPrimitives.ReadUInt16BigEndian(units);
            if (size < 2 || 2 + size > units.Length)
            {
                Damage(); // shorter than a NAL unit header, or running past the packet
                return;
            }

            AppendNalUnit(units.Slice(2, size));
            units = units[(2 + size)..];
        }
    }

    private void ReadFragment(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 3)
        {
            Damage();
            return;
        }

        byte fuHeader = payload[2];
        bool start = (fuHeader & 0x80) != 0;
        bool end = (fuHeader & 0x40) != 0;
        var data = payload[3..];
        if (start && end)
        {
            Damage(); // §4.4.3: S and E must not both be set
        }
        else if (start)
        {
            // The NAL unit header is the payload header with the type replaced by FuType.
            ReadOnlySpan<byte> header = [(byte)((payload[0] & 0x81) | ((fuHeader & 0x3F) << 1)), payload[1]];
            StartFragment(header, data);
        }
        else
        {
            ContinueFragment(data, end);
        }
    }
}
