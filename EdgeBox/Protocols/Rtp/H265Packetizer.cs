using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>H.265 over RTP without DONL (RFC 7798): single NAL unit packets, FU (§4.4.3) and AP (§4.4.2).</summary>
internal sealed class H265Packetizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize, bool aggregate = true)
    : NalUnitPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize, aggregate)
{
    protected override int NalHeaderSize => 2;

    protected override int FragmentHeaderSize => 3;

    protected override void WriteFragmentHeader(Span<byte> destination, ReadOnlySpan<byte> nalHeader, bool start, bool end)
    {
        destination[0] = (byte)((nalHeader[0] & 0x81) | (49 << 1)); // F and LayerId's top bit kept, type FU
        destination[1] = nalHeader[1];                              // rest of LayerId and TID
        destination[2] = (byte)((start ? 0x80 : 0) | (end ? 0x40 : 0) | ((nalHeader[0] >> 1) & 0x3F));
    }

    protected override void WriteAggregateHeader(Span<byte> destination, ReadOnlySpan<byte> units)
    {
        // §4.4.2: F is the OR of the units' F bits, LayerId and TID their minimum.
        int f = 0;
        int layerId = 63;
        int tid = 7;
        while (!units.IsEmpty)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(units);
            f |= units[4] & 0x80;
            layerId = Math.Min(layerId, ((units[4] & 1) << 5) | (units[5] >> 3));
            tid = Math.Min(tid, units[5] & 7);
            units = units[(4 + length)..];
        }

        destination[0] = (byte)(f | (48 << 1) | (layerId >> 5));
        destination[1] = (byte)(((layerId & 0x1F) << 3) | tid);
    }
}
