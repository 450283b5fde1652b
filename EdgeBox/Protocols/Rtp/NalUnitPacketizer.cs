using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// What H.264 (RFC 6184) and H.265 (RFC 7798) packetizing share. The access unit (4-byte length-prefixed
/// NAL units) is sent NAL unit by NAL unit: one that fits goes alone (single NAL unit packet), one too
/// large is split into fragmentation units, and, when <see cref="Aggregate"/> is on, runs of small ones
/// (parameter sets, SEI, small slices) share an aggregation packet. The marker bit is set on the last
/// packet of the access unit.
/// </summary>
internal abstract class NalUnitPacketizer : RtpPacketizer
{
    protected NalUnitPacketizer(byte payloadType, uint ssrc, ushort initialSequenceNumber, int maxPacketSize, bool aggregate)
        : base(payloadType, ssrc, initialSequenceNumber, maxPacketSize) => Aggregate = aggregate;

    /// <summary>Send runs of small NAL units in aggregation packets (STAP-A, AP); every receiver of packetization-mode 1 takes them.</summary>
    public bool Aggregate { get; }

    protected abstract int NalHeaderSize { get; }

    protected abstract int FragmentHeaderSize { get; }

    /// <summary>Writes the payload header and FU header of a fragment of the NAL unit with <paramref name="nalHeader"/>.</summary>
    protected abstract void WriteFragmentHeader(Span<byte> destination, ReadOnlySpan<byte> nalHeader, bool start, bool end);

    /// <summary>Writes the payload header of an aggregation packet of the length-prefixed NAL units in <paramref name="units"/>.</summary>
    protected abstract void WriteAggregateHeader(Span<byte> destination, ReadOnlySpan<byte> units);

    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!IsWellFormed(accessUnit))
        {
            return false;
        }

        int max = MaxPayloadSize;
        int runStart = 0;
        int runEnd = 0;
        int runCount = 0;
        int runBytes = 0;
        int offset = 0;
        while (offset < accessUnit.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(accessUnit[offset..]);
            int next = offset + 4 + length;
            if (Aggregate && NalHeaderSize + 2 + length <= max)
            {
                if (runCount > 0 && runBytes + 2 + length > max)
                {
                    SendRun(sink, timestamp, false, accessUnit[runStart..runEnd], runCount);
                    runCount = 0;
                }

                if (runCount == 0)
                {
                    runStart = offset;
                    runBytes = NalHeaderSize;
                }

                runCount++;
                runBytes += 2 + length;
                runEnd = next;
            }
            else
            {
                if (runCount > 0)
                {
                    SendRun(sink, timestamp, false, accessUnit[runStart..runEnd], runCount);
                    runCount = 0;
                }

                SendNalUnit(sink, timestamp, next == accessUnit.Length, accessUnit.Slice(offset + 4, length));
            }

            offset = next;
        }

        if (runCount > 0)
        {
            SendRun(sink, timestamp, true, accessUnit[runStart..runEnd], runCount);
        }

        return true;
    }

    private bool IsWellFormed(ReadOnlySpan<byte> accessUnit)
    {
        if (accessUnit.IsEmpty)
        {
            return false;
        }

        for (int offset = 0; offset < accessUnit.Length;)
        {
            if (accessUnit.Length - offset < 4)
            {
                return false;
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(accessUnit[offset..]);
            if (length < NalHeaderSize || length > (uint)(accessUnit.Length - offset - 4))
            {
                return false;
            }

            offset += 4 + (int)length;
        }

        return true;
    }

    private void SendNalUnit(IRtpPacketSink sink, uint timestamp, bool last, ReadOnlySpan<byte> nal)
    {
        if (nal.Length <= MaxPayloadSize)
        {
            Send(sink, timestamp, last, default, nal);
            return;
        }

        // Fragmented: every fragment carries at least one byte, so S and E never share a packet (the
        // NAL unit is longer than a packet, hence than one fragment).
        var header = nal[..NalHeaderSize];
        var data = nal[NalHeaderSize..];
        int chunk = MaxPayloadSize - FragmentHeaderSize;
        bool start = true;
        while (!data.IsEmpty)
        {
            int take = Math.Min(chunk, data.Length);
            bool end = take == data.Length;
            var payload = Payload;
            WriteFragmentHeader(payload, header, start, end);
            data[..take].CopyTo(payload[FragmentHeaderSize..]);
            Send(sink, timestamp, last && end, FragmentHeaderSize + take);
            data = data[take..];
            start = false;
        }
    }

    private void SendRun(IRtpPacketSink sink, uint timestamp, bool marker, ReadOnlySpan<byte> units, int count)
    {
        if (count == 1)
        {
            Send(sink, timestamp, marker, default, units[4..]);
            return;
        }

        var payload = Payload;
        WriteAggregateHeader(payload, units);
        int written = NalHeaderSize;
        while (!units.IsEmpty)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(units);
            BinaryPrimitives.WriteUInt16BigEndian(payload[written..], (ushort)length);
            units.Slice(4, length).CopyTo(payload[(written + 2)..]);
            written += 2 + length;
            units = units[(4 + length)..];
        }

        Send(sink, timestamp, marker, written);
    }
}
