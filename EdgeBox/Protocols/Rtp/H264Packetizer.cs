using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>H.264 over RTP, packetization-mode 1 (RFC 6184): single NAL unit packets, FU-A (§5.8) and STAP-A (§5.7.1).</summary>
internal sealed class H264Packetizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize, bool aggregate = true)
    : NalUnitPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize, aggregate)
{
    protected override int NalHeaderSize => 1;

    protected override int FragmentHeaderSize => 2;

    protected override void WriteFragmentHeader(Span<byte> destination, ReadOnlySpan<byte> nalHeader, bool start, bool end)
    {
        destination[0] = (byte)((nalHeader[0] & 0xE0) | 28); // FU indicator: F and NRI of the NAL unit
        destination[1] = (byte)((start ? 0x80 : 0) | (end ? 0x40 : 0) | (nalHeader[0] & 0x1F));
    }

    protected override void WriteAggregateHeader(Span<byte> destination, ReadOnlySpan<byte> units)
    {
        // §5.7: F is the OR of the units' F bits, NRI their maximum.
        int f = 0;
        int nri = 0;
        while (!units.IsEmpty)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(units);
            f |= units[4] & 0x80;
            nri = Math.Max(nri, units[4] & 0x60);
            units = units[(4 + length)..];
        }

        destination[0] = (byte)(f | nri | 24);
    }
}
