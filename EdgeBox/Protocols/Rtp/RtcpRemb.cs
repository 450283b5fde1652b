using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2): an application layer feedback
/// message (PT=PSFB 206, FMT=15) told apart from others by its "REMB" identifier. The bitrate, in bits
/// per second for all the listed sources together, is an 18-bit mantissa shifted left by a 6-bit exponent.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source (0)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   SSRC feedback                                               |  (Num SSRC times)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly ref struct RtcpRemb
{
    private const int FixedFciSize = 8;
    private const uint MaxMantissa = (1 << 18) - 1;

    private readonly ReadOnlySpan<byte> _ssrcs;

    private RtcpRemb(uint senderSsrc, ulong bitrate, ReadOnlySpan<byte> ssrcs)
    {
        SenderSsrc = senderSsrc;
        Bitrate = bitrate;
        _ssrcs = ssrcs;
    }

    public static ReadOnlySpan<byte> Identifier => "REMB"u8;

    public uint SenderSsrc { get; }

    /// <summary>Bits per second (the encoding keeps 18 significant bits).</summary>
    public ulong Bitrate { get; }

    public int SsrcCount => _ssrcs.Length / 4;

    public uint GetSsrc(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)SsrcCount, nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_ssrcs[(index * 4)..]);
    }

    /// <summary>
    /// Reads a REMB. False for another application layer message, a Num SSRC that runs past the packet, or a
    /// bitrate that does not fit 64 bits (libwebrtc rejects that too).
    /// </summary>
    public static bool TryParse(in RtcpPacket packet, out RtcpRemb remb)
    {
        remb = default;
        if (!RtcpFeedback.TryRead(packet, RtcpPacketType.PayloadFeedback, RtcpFeedback.ApplicationLayer, out var header, out var fci)
            || fci.Length < FixedFciSize || !fci[..4].SequenceEqual(Identifier))
        {
            return false;
        }

        int count = fci[4];
        int exponent = fci[5] >> 2;
        ulong mantissa = BinaryPrimitives.ReadUInt32BigEndian(fci[4..]) & MaxMantissa;
        ulong bitrate = mantissa << exponent;
        if (FixedFciSize + (count * 4) > fci.Length || bitrate >> exponent != mantissa)
        {
            return false;
        }

        remb = new RtcpRemb(header.SenderSsrc, bitrate, fci.Slice(FixedFciSize, count * 4));
        return true;
    }

    public static int GetSize(int ssrcs) => RtcpFeedback.HeaderSize + FixedFciSize + (4 * ssrcs);

    /// <summary>
    /// Writes a REMB for <paramref name="ssrcs"/> (at most 255). The bitrate is rounded down to 18 significant
    /// bits with the smallest exponent that holds it, as libwebrtc and Chrome encode it.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public static int Write(Span<byte> destination, uint senderSsrc, ulong bitrate, ReadOnlySpan<uint> ssrcs)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ssrcs.Length, 255, nameof(ssrcs));
        int size = GetSize(ssrcs.Length);
        var fci = RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadFeedback, RtcpFeedback.ApplicationLayer, size,
            new RtcpFeedbackHeader(senderSsrc, 0));
        int exponent = 0;
        while (bitrate >> exponent > MaxMantissa)
        {
            exponent++;
        }

        Identifier.CopyTo(fci);
        BinaryPrimitives.WriteUInt32BigEndian(fci[4..],
            ((uint)ssrcs.Length << 24) | ((uint)exponent << 18) | (uint)(bitrate >> exponent));
        for (int i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(fci[(FixedFciSize + (4 * i))..], ssrcs[i]);
        }

        return size;
    }
}
