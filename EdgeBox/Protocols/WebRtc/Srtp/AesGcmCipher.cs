using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// AEAD_AES_128_GCM (RFC 7714) with a 16-octet tag. SRTP (§8) and SRTCP (§9):
/// <code>
///  SRTP                                          SRTCP
/// +----------------------------------+ -+       +----------------------------------+ -+
/// | RTP header, CSRCs, extension     |  | AAD   | V P RC PT length | sender SSRC   |  | AAD
/// +----------------------------------+ -+       +----------------------------------+ -+
/// | payload (and padding), encrypted |          | rest of the compound, encrypted  |
/// +----------------------------------+          +----------------------------------+
/// | tag (128 bits)                   |          | tag (128 bits)                   |
/// +----------------------------------+          +-+--------------------------------+
///                                               |E|       SRTCP index (31)         |  AAD too
///                                               +-+--------------------------------+
/// </code>
/// The 96-bit IV is the session salt XOR (0x0000 || SSRC || ROC || SEQ) for SRTP (§8.1) and
/// XOR (0x0000 || SSRC || 0x0000 || 0 || SRTCP index) for SRTCP (§9.1). The SRTCP AAD is the
/// first 8 octets then the E||index word (§9.3), which is not contiguous, so it is copied.
/// <para>
/// .NET's <see cref="AesGcm.Decrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, ReadOnlySpan{byte})"/>
/// signals a bad tag only by throwing, and clears the plaintext it wrote; decryption is in place, so a
/// rejected packet's payload reads as zeros afterwards. Nothing else changes.
/// </para>
/// </summary>
internal sealed class AesGcmCipher : SrtpCipher
{
    public const int TagLength = 16;

    private const int NonceLength = 12;

    private readonly AesGcm _rtp;
    private readonly AesGcm _rtcp;

    public AesGcmCipher(SrtpSessionKeys keys)
        : base(keys)
    {
        _rtp = new AesGcm(keys.RtpKey, TagLength);
        _rtcp = new AesGcm(keys.RtcpKey, TagLength);
    }

    public override int RtpTagLength => TagLength;

    protected override int RtcpTagLength => TagLength;

    public override void ProtectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildNonce(nonce, RtpSalt, ssrcOffset: 2, ssrc, index);
        var payload = packet[headerLength..payloadEnd];
        _rtp.Encrypt(nonce, payload, payload, packet.Slice(payloadEnd, TagLength), packet[..headerLength]);
    }

    public override bool TryUnprotectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, ulong index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildNonce(nonce, RtpSalt, ssrcOffset: 2, ssrc, index);
        var payload = packet[headerLength..payloadEnd];
        return TryDecrypt(_rtp, nonce, payload, packet.Slice(payloadEnd, TagLength), packet[..headerLength]);
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildNonce(nonce, RtcpSalt, ssrcOffset: 2, ssrc, index);
        int indexOffset = length + TagLength;
        BinaryPrimitives.WriteUInt32BigEndian(packet[indexOffset..], EncryptedFlag | index);
        Span<byte> aad = stackalloc byte[RtcpClearLength + 4];
        RtcpAad(packet, indexOffset, aad);
        var payload = packet[RtcpClearLength..length];
        _rtcp.Encrypt(nonce, payload, payload, packet.Slice(length, TagLength), aad);
        return indexOffset + 4;
    }

    public override int RtcpIndexOffset(int length) => length - 4;

    public override bool TryUnprotectRtcp(Span<byte> packet, uint ssrc, uint index, out int length)
    {
        int indexOffset = RtcpIndexOffset(packet.Length);
        length = indexOffset - TagLength;
        Span<byte> nonce = stackalloc byte[NonceLength];
        BuildNonce(nonce, RtcpSalt, ssrcOffset: 2, ssrc, index);
        Span<byte> aad = stackalloc byte[RtcpClearLength + 4];
        RtcpAad(packet, indexOffset, aad);
        if (!TryDecrypt(_rtcp, nonce, packet[RtcpClearLength..length], packet.Slice(length, TagLength), aad))
        {
            length = 0;
            return false;
        }

        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rtp.Dispose();
            _rtcp.Dispose();
        }

        base.Dispose(disposing);
    }

    private static void RtcpAad(ReadOnlySpan<byte> packet, int indexOffset, Span<byte> aad)
    {
        packet[..RtcpClearLength].CopyTo(aad);
        packet.Slice(indexOffset, 4).CopyTo(aad[RtcpClearLength..]);
    }

    private static bool TryDecrypt(AesGcm gcm, ReadOnlySpan<byte> nonce, Span<byte> payload, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        try
        {
            gcm.Decrypt(nonce, payload, tag, payload, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
