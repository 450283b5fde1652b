namespace EdgeBox.Protocols.Rtp;

/// <summary>A parsed RTP packet: its header, the whole packet and the payload (padding removed), all without copying.</summary>
internal readonly ref struct RtpPacket
{
    public RtpPacket(RtpHeader header, ReadOnlySpan<byte> data, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Data = data;
        Payload = payload;
    }

    public RtpHeader Header { get; }

    /// <summary>The packet as received (to relay it unchanged).</summary>
    public ReadOnlySpan<byte> Data { get; }

    public ReadOnlySpan<byte> Payload { get; }

    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket packet)
    {
        if (!RtpHeader.TryParse(data, out var header, out int offset, out int length))
        {
            packet = default;
            return false;
        }

        packet = new RtpPacket(header, data, data.Slice(offset, length));
        return true;
    }
}

/// <summary>Receives RTP packets in sequence order from an <see cref="RtpReorderBuffer"/>; the spans are valid during the call only.</summary>
internal interface IRtpPacketReceiver
{
    /// <param name="lostBefore">Packets given up as lost immediately before this one (0 when it follows its predecessor).</param>
    void OnPacket(in RtpPacket packet, int lostBefore);
}
