namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Builds the RTCP packet feedback messages are sent in. RFC 4585 §3.1 wants them in a compound packet
/// that starts, like any (RFC 3550 §6.1), with a receiver report and an SDES CNAME; RFC 5506 lets a
/// session that negotiated <c>a=rtcp-rsize</c> (every browser offers it) send them alone. The caller says
/// which: the writer puts the RR and SDES first unless the packet is reduced-size, then takes the
/// feedback messages one after another.
/// <code>
/// var rtcp = new RtcpCompoundWriter(buffer, reducedSize, ssrc, cname, blocks);
/// rtcp.Advance(RtcpNack.Write(rtcp.Free, ssrc, mediaSsrc, lost));
/// send(rtcp.Written);
/// </code>
/// </summary>
internal ref struct RtcpCompoundWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    /// <param name="reducedSize">Write nothing before the feedback (RFC 5506); else an RR with <paramref name="blocks"/> and the CNAME.</param>
    public RtcpCompoundWriter(Span<byte> buffer, bool reducedSize, uint ssrc, string cname, ReadOnlySpan<RtcpReportBlock> blocks = default)
    {
        ArgumentNullException.ThrowIfNull(cname);
        _buffer = buffer;
        if (!reducedSize)
        {
            _length = RtcpReceiverReport.Write(buffer, ssrc, blocks);
            _length += RtcpSdes.WriteCname(buffer[_length..], ssrc, cname);
        }
    }

    /// <summary>Where the next packet goes.</summary>
    public readonly Span<byte> Free => _buffer[_length..];

    public readonly int Length => _length;

    /// <summary>The compound packet so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Counts <paramref name="count"/> bytes written at <see cref="Free"/> (what the packet writers return).</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _length);
        _length += count;
    }
}
