using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1, §4.2.1): AES-128 counter mode over the payload, then
/// HMAC-SHA1 truncated to 80 bits over the authenticated portion. SRTP and SRTCP packets:
/// <code>
///  SRTP                                          SRTCP
/// +----------------------------------+          +----------------------------------+
/// | RTP header, CSRCs, extension     |          | V P RC PT length | sender SSRC   |
/// +----------------------------------+ -+       +----------------------------------+ -+
/// | payload (and padding) encrypted  |  |       | rest of the compound, encrypted  |  |
/// +----------------------------------+  |       +-+--------------------------------+  |
///   authenticated: header + payload,  --+       |E|       SRTCP index (31)         |  | authenticated
///   then ROC (32 bits, not sent)                +-+--------------------------------+ -+
/// | authentication tag (80 bits)     |          | authentication tag (80 bits)     |
/// +----------------------------------+          +----------------------------------+
/// </code>
/// The IV is (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16): the 112-bit salt, SSRC over octets 4-7,
/// the 48-bit index (SRTCP: the 31-bit index) over octets 8-13, then the 16-bit block counter.
/// The tag is checked before anything is decrypted.
/// </summary>
internal sealed class AesCmHmacSha1Cipher : SrtpCipher
{
    public const int TagLength = 10;

    private const int HmacLength = 20;

    private readonly AesCounterMode _rtp;
    private readonly AesCounterMode _rtcp;
    private readonly IncrementalHash _rtpHmac;
    private readonly IncrementalHash _rtcpHmac;

    public AesCmHmacSha1Cipher(SrtpSessionKeys keys)
        : base(keys)
    {
        _rtp = new AesCounterMode(keys.RtpKey);
        _rtcp = new AesCounterMode(keys.RtcpKey);
        // HMAC-SHA1 is what RFC 3711 §4.2.1 and the profile name mandate; SHA-1's collision weakness does not carry over to HMAC.
        _rtpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtpAuthKey);
        _rtcpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtcpAuthKey);
    }

    public override int RtpTagLength => TagLength;

    protected override int RtcpTagLength => TagLength;

    public override void ProtectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        BuildIv(iv, RtpSalt, ssrc, index);
        _rtp.Apply(iv, packet[headerLength..payloadEnd]);
        RtpTag(packet[..payloadEnd], (uint)(index >> 16), packet.Slice(payloadEnd, TagLength));
    }

    public override bool TryUnprotectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, ulong index)
    {
        Span<byte> tag = stackalloc byte[TagLength];
        RtpTag(packet[..payloadEnd], (uint)(index >> 16), tag);
        if (!CryptographicOperations.FixedTimeEquals(tag, packet.Slice(payloadEnd, TagLength)))
        {
            return false;
        }

        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        BuildIv(iv, RtpSalt, ssrc, index);
        _rtp.Apply(iv, packet[headerLength..payloadEnd]);
        return true;
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        BuildIv(iv, RtcpSalt, ssrc, index);
        _rtcp.Apply(iv, packet[RtcpClearLength..length]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[length..], EncryptedFlag | index);
        int authenticated = length + 4;
        RtcpTag(packet[..authenticated], packet.Slice(authenticated, TagLength));
        return authenticated + TagLength;
    }

    public override int RtcpIndexOffset(int length) => length - TagLength - 4;

    public override bool TryUnprotectRtcp(Span<byte> packet, uint ssrc, uint index, out int length)
    {
        int authenticated = packet.Length - TagLength;
        Span<byte> tag = stackalloc byte[TagLength];
        RtcpTag(packet[..authenticated], tag);
        if (!CryptographicOperations.FixedTimeEquals(tag, packet[authenticated..]))
        {
            length = 0;
            return false;
        }

        length = authenticated - 4;
        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        BuildIv(iv, RtcpSalt, ssrc, index);
        _rtcp.Apply(iv, packet[RtcpClearLength..length]);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rtp.Dispose();
            _rtcp.Dispose();
            _rtpHmac.Dispose();
            _rtcpHmac.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>IV = salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16 (RFC 3711 §4.1.1), block counter zero.</summary>
    private static void BuildIv(Span<byte> iv, ReadOnlySpan<byte> salt, uint ssrc, ulong index)
    {
        iv.Clear();
        BuildNonce(iv, salt, ssrcOffset: 4, ssrc, index);
    }

    /// <summary>RFC 3711 §4.2: HMAC over the authenticated portion followed by the ROC, truncated to 80 bits.</summary>
    private void RtpTag(ReadOnlySpan<byte> authenticated, uint roc, Span<byte> tag)
    {
        Span<byte> rocBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
        _rtpHmac.AppendData(authenticated);
        _rtpHmac.AppendData(rocBytes);
        Finish(_rtpHmac, tag);
    }

    private void RtcpTag(ReadOnlySpan<byte> authenticated, Span<byte> tag)
    {
        _rtcpHmac.AppendData(authenticated);
        Finish(_rtcpHmac, tag);
    }

    private static void Finish(IncrementalHash hmac, Span<byte> tag)
    {
        Span<byte> full = stackalloc byte[HmacLength];
        hmac.GetHashAndReset(full);
        full[..TagLength].CopyTo(tag);
    }
}
