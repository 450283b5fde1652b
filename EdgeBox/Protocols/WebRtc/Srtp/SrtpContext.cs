using System.Buffers.Binary;

namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// One direction of one SRTP session (all SSRCs of that direction): either protects (sender) or
/// unprotects (receiver). DTLS-SRTP gives each side a client and a server write key (RFC 5764 §4.2):
/// a peer connection holds one context made from its own write key to protect what it sends and one
/// from the peer's write key to unprotect what it receives, RTP and RTCP alike.
/// <para>
/// Per SSRC it keeps the highest packet index (from which the rollover counter is estimated,
/// RFC 3711 §3.3.1 and Appendix A — a sender uses the same estimate, so a sequence-number wrap
/// increments its ROC and a retransmitted older packet keeps its original index) and the 64-packet
/// replay windows of SRTP and SRTCP (§3.3.2). A receiver creates an SSRC's state only once a packet
/// of it authenticated, and checks and advances the windows only around a good tag, so forged or
/// replayed packets change nothing. At most <see cref="MaxSsrcs"/> SSRCs are tracked and none is
/// ever evicted: a peer cannot grow the table, and evicting would let it reset a replay window.
/// </para>
/// <para>
/// Sending SRTCP uses one 31-bit index for the whole context, incremented per packet; the first
/// packet carries index 1, as libsrtp (and so every browser) sends it, which keeps our output
/// byte-identical to theirs (RFC 3711 §3.4 starts at 0; receivers accept either).
/// </para>
/// Not thread-safe: one thread at a time per context, which is how a session's send path and its
/// receive loop each use their own context. After the SSRC is first seen nothing is allocated per packet.
/// </summary>
internal sealed class SrtpContext : IDisposable
{
    /// <summary>
    /// SSRCs tracked per context. A browser sends a handful (audio, video, RTX, FEC, three simulcast
    /// layers with their RTX), and receiver-only peers add one for RTCP; 64 leaves room for all of them.
    /// </summary>
    public const int MaxSsrcs = 64;

    private const int RtpFixedHeader = 12;

    private readonly SrtpCipher _cipher;
    private readonly Dictionary<uint, SsrcState> _ssrcs = [];
    private uint _rtcpIndex;
    private bool _disposed;

    public SrtpContext(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
        : this(profile, CreateCipher(profile, masterKey, masterSalt))
    {
    }

    /// <summary>A context from session keys already derived (the RFC 7714 vectors give them so).</summary>
    internal SrtpContext(SrtpProfile profile, SrtpSessionKeys keys)
        : this(profile, SrtpCipher.Create(profile, keys))
    {
    }

    private SrtpContext(SrtpProfile profile, SrtpCipher cipher)
    {
        Profile = profile;
        _cipher = cipher;
    }

    public SrtpProfile Profile { get; }

    /// <summary>Most bytes protection adds to an RTP packet: the tag (10 for HMAC-SHA1-80, 16 for GCM).</summary>
    public int RtpOverhead => _cipher.RtpTagLength;

    /// <summary>Most bytes protection adds to an RTCP packet: the E||index word and the tag.</summary>
    public int RtcpOverhead => _cipher.RtcpOverhead;

    /// <summary>
    /// Encrypts the RTP packet held in buffer[..length] in place and appends the tag; returns the new
    /// length. buffer.Length must be at least length + <see cref="RtpOverhead"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The packet is too short or malformed to be RTP, the buffer has no
    /// room for the tag, or the sequence number lies more than 2^15 before the first one protected for its
    /// SSRC (no index can be given to it without risking one already used).</exception>
    /// <exception cref="InvalidOperationException">A new SSRC beyond <see cref="MaxSsrcs"/>, or the SSRC's
    /// 2^48 packet indices are used up (the keys must change first).</exception>
    public int ProtectRtp(Span<byte> buffer, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(buffer, length, RtpOverhead);
        if (!TryParseRtpHeader(buffer[..length], out int headerLength, out uint ssrc, out ushort sequenceNumber))
        {
            throw new ArgumentException("The packet is too short or malformed to be RTP.", nameof(buffer));
        }

        var state = GetOrAdd(ssrc) ?? throw new InvalidOperationException($"An SRTP context protects at most {MaxSsrcs} SSRCs.");
        ulong index = sequenceNumber;
        if (!state.Rtp.IsEmpty && !SrtpReplayWindow.TryEstimateIndex(state.Rtp.Highest, sequenceNumber, out index))
        {
            if (state.Rtp.Highest >> 16 == uint.MaxValue)
            {
                throw new InvalidOperationException($"SSRC {ssrc:x8} has used up its 2^48 SRTP packet indices; the keys must change.");
            }

            throw new ArgumentException($"Sequence number {sequenceNumber} lies more than 2^15 before the first packet protected for SSRC {ssrc:x8}.", nameof(buffer));
        }

        _cipher.ProtectRtp(buffer, headerLength, length, ssrc, index);
        if (state.Rtp.IsFresh(index))
        {
            state.Rtp.Accept(index);
        }

        return length + RtpOverhead;
    }

    /// <summary>
    /// Encrypts the RTCP compound packet held in buffer[..length] in place and appends the E||SRTCP index
    /// word and the tag; returns the new length. buffer.Length must be at least length + <see cref="RtcpOverhead"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Shorter than an RTCP header and sender SSRC, not version 2, or no room.</exception>
    /// <exception cref="InvalidOperationException">The 2^31 SRTCP indices are used up (the keys must change first).</exception>
    public int ProtectRtcp(Span<byte> buffer, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckLength(buffer, length, RtcpOverhead);
        if (length < SrtpCipher.RtcpClearLength || buffer[0] >> 6 != 2)
        {
            throw new ArgumentException("The packet is too short or malformed to be RTCP.", nameof(buffer));
        }

        if (_rtcpIndex == SrtpCipher.MaxRtcpIndex)
        {
            throw new InvalidOperationException("The 2^31 SRTCP indices of this context are used up; the keys must change.");
        }

        _rtcpIndex++;
        return _cipher.ProtectRtcp(buffer, length, BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]), _rtcpIndex);
    }

    /// <summary>
    /// Authenticates and decrypts an SRTP packet in place; <paramref name="length"/> is then the plaintext
    /// length (the tag dropped). False for a malformed packet, a bad tag, a replayed or too-old packet, or
    /// a new SSRC beyond <see cref="MaxSsrcs"/>; the context is then unchanged and the packet is to be dropped.
    /// </summary>
    public bool TryUnprotectRtp(Span<byte> packet, out int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        length = 0;
        int payloadEnd = packet.Length - RtpOverhead;
        if (payloadEnd < RtpFixedHeader
            || !TryParseRtpHeader(packet[..payloadEnd], out int headerLength, out uint ssrc, out ushort sequenceNumber))
        {
            return false;
        }

        if (!TryFind(ssrc, out var state))
        {
            return false;
        }

        ulong index = sequenceNumber;
        if (state is not null && !state.Rtp.IsEmpty
            && (!SrtpReplayWindow.TryEstimateIndex(state.Rtp.Highest, sequenceNumber, out index) || !state.Rtp.IsFresh(index)))
        {
            return false;
        }

        if (!_cipher.TryUnprotectRtp(packet, headerLength, payloadEnd, ssrc, index))
        {
            return false;
        }

        (state ?? Add(ssrc)).Rtp.Accept(index);
        length = payloadEnd;
        return true;
    }

    /// <summary>
    /// Authenticates and decrypts an SRTCP packet in place; <paramref name="length"/> is then the plaintext
    /// length. False as for <see cref="TryUnprotectRtp"/>, and for a packet without the E flag: both
    /// profiles here encrypt SRTCP, so an unencrypted one is not from our peer.
    /// </summary>
    public bool TryUnprotectRtcp(Span<byte> packet, out int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        length = 0;
        if (packet.Length < SrtpCipher.RtcpClearLength + RtcpOverhead || packet[0] >> 6 != 2)
        {
            return false;
        }

        uint word = BinaryPrimitives.ReadUInt32BigEndian(packet[_cipher.RtcpIndexOffset(packet.Length)..]);
        uint index = word & SrtpCipher.MaxRtcpIndex;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        if ((word & SrtpCipher.EncryptedFlag) == 0 || !TryFind(ssrc, out var state)
            || (state is not null && !state.Rtcp.IsFresh(index)))
        {
            return false;
        }

        if (!_cipher.TryUnprotectRtcp(packet, ssrc, index, out int plaintext))
        {
            return false;
        }

        (state ?? Add(ssrc)).Rtcp.Accept(index);
        length = plaintext;
        return true;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _cipher.Dispose();
        }
    }

    private static SrtpCipher CreateCipher(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        using var keys = SrtpSessionKeys.Derive(profile, masterKey, masterSalt);
        return SrtpCipher.Create(profile, keys);
    }

    private static void CheckLength(Span<byte> buffer, int length, int overhead)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        if (buffer.Length - length < overhead)
        {
            throw new ArgumentException($"The buffer needs {overhead} bytes after the packet for the SRTP trailer.", nameof(buffer));
        }
    }

    /// <summary>
    /// Finds where the encrypted part of an RTP packet starts: 12 + 4 * CC, plus 4 + 4 * length for a header
    /// extension (RFC 3550 §5.1, §5.3.1), all of which must lie inside the packet. Padding is in the
    /// encrypted part (RFC 3711 §3.1) and is left to the depacketizer.
    /// </summary>
    private static bool TryParseRtpHeader(ReadOnlySpan<byte> packet, out int headerLength, out uint ssrc, out ushort sequenceNumber)
    {
        headerLength = 0;
        ssrc = 0;
        sequenceNumber = 0;
        if (packet.Length < RtpFixedHeader || packet[0] >> 6 != 2)
        {
            return false;
        }

        int offset = RtpFixedHeader + (4 * (packet[0] & 0x0F));
        if ((packet[0] & 0x10) != 0)
        {
            if (offset + 4 > packet.Length)
            {
                return false;
            }

            offset += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]));
        }

        if (offset > packet.Length)
        {
            return false;
        }

        headerLength = offset;
        sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        return true;
    }

    /// <summary>Looks an SSRC up: false only when it is new and the table is full; <paramref name="state"/> is null when new.</summary>
    private bool TryFind(uint ssrc, out SsrcState? state) =>
        _ssrcs.TryGetValue(ssrc, out state) || _ssrcs.Count < MaxSsrcs;

    private SsrcState? GetOrAdd(uint ssrc) =>
        TryFind(ssrc, out var state) ? state ?? Add(ssrc) : null;

    private SsrcState Add(uint ssrc)
    {
        var state = new SsrcState();
        _ssrcs.Add(ssrc, state);
        return state;
    }

    /// <summary>What one SSRC's packets have shown so far; a class so the dictionary hands out a reference to update.</summary>
    private sealed class SsrcState
    {
        /// <summary>Highest SRTP index and, on a receiver, the replay window below it.</summary>
        public SrtpReplayWindow Rtp = new();

        /// <summary>Receivers: the SRTCP index replay window.</summary>
        public SrtpReplayWindow Rtcp = new();
    }
}
