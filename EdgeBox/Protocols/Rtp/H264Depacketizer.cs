namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// H.264 over RTP, packetization-mode 0 and 1 (RFC 6184 §5.6–5.8): single NAL unit packets, STAP-A and
/// FU-A. The interleaved-mode packets (STAP-B, MTAP16/24, FU-B) damage the unit: no sender we serve
/// uses them. A unit is a keyframe when it holds an IDR slice (type 5); parameter sets alone are not.
/// <code>
/// STAP-A (§5.7.1)                               FU-A (§5.8)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+     +---------------+---------------+
/// |F|NRI| Type=24 | NALU 1 size (16)   | ...   |F|NRI| Type=28 |S|E|R|  Type   | fragment...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+     +---------------+---------------+
/// </code>
/// </summary>
internal sealed class H264Depacketizer(int maxUnitSize = AccessUnitBuffer.DefaultMaxSize) : NalUnitDepacketizer(maxUnitSize)
{
    private const int StapA = 24;
    private const int FuA = 28;
    private const int Idr = 5;

    protected override void ParsePayload(ReadOnlySpan<byte> payload)
    {
        byte indicator = payload[0];
        if ((indicator & 0x80) != 0)
        {
            Damage(); // forbidden_zero_bit: the sender marked it as corrupt (§5.3)
            return;
        }

        int type = indicator & 0x1F;
        switch (type)
        {
            case >= 1 and <= 23:
                AppendNalUnit(payload);
                break;
            case StapA:
                AppendAggregated(payload[1..]);
                break;
            case FuA when payload.Length >= 2:
                // FU indicator (F, NRI) + FU header (S, E, R, type): the NAL unit header is F|NRI|type.
                byte fu = payload[1];
                AppendFragment((fu & 0x80) != 0, (fu & 0x40) != 0, [(byte)((indicator & 0xE0) | (fu & 0x1F))], payload[2..]);
                break;
            case 0 or 30 or 31:
                break; // undefined types: receivers ignore them (§5.2)
            default:
                Damage(); // FU-A without its FU header; STAP-B, MTAP16, MTAP24, FU-B: interleaved mode only
                break;
        }
    }

    protected override int NalHeaderSize => 1;

    protected override bool IsKeyframe(ReadOnlySpan<byte> nalHeader) => (nalHeader[0] & 0x1F) == Idr;
}
