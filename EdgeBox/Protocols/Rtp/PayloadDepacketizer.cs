namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Codecs whose RTP payload is one access unit as it is: Opus (RFC 7587 §4.2, one Opus packet per RTP
/// packet) and G.711 PCMU/PCMA (RFC 3551 §4.5.14, the samples of the packet's duration). Empty payloads
/// carry nothing and are skipped.
/// </summary>
internal sealed class PayloadDepacketizer : IRtpDepacketizer
{
    public long DroppedUnits => 0;

    public void Push(in RtpHeader header, ReadOnlySpan<byte> payload, IAccessUnitSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!payload.IsEmpty)
        {
            sink.OnAccessUnit(header.Timestamp, true, payload);
        }
    }

    public void Reset()
    {
    }

    public void Dispose()
    {
    }
}
