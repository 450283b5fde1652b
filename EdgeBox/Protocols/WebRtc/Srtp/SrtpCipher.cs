using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// The per-packet transform of one profile, with the session keys of one direction. It works on a
/// packet whose header the context already parsed and whose index it already chose; it knows nothing
/// of SSRC state or replay. RTCP trailers differ between the profiles (RFC 3711 §3.4 puts the tag
/// after E||SRTCP index, RFC 7714 §9.1 puts the index after the ciphertext-and-tag), so the cipher
/// owns the SRTCP layout.
/// </summary>
internal abstract class SrtpCipher : IDisposable
{
    /// <summary>The E flag of the word that carries the SRTCP index: the packet is encrypted.</summary>
    public const uint EncryptedFlag = 0x80000000;

    /// <summary>The SRTCP index is 31 bits (RFC 3711 §3.4).</summary>
    public const uint MaxRtcpIndex = 0x7FFFFFFF;

    /// <summary>Octets of the RTCP header and sender SSRC left in the clear (RFC 3711 §3.4).</summary>
    public const int RtcpClearLength = 8;

    protected SrtpCipher(SrtpSessionKeys keys)
    {
        RtpSalt = (byte[])keys.RtpSalt.Clone();
        RtcpSalt = (byte[])keys.RtcpSalt.Clone();
    }

    public abstract int RtpTagLength { get; }

    public int RtcpOverhead => 4 + RtcpTagLength;

    protected abstract int RtcpTagLength { get; }

    /// <summary>The session salts, which go into every IV.</summary>
    protected byte[] RtpSalt { get; }

    protected byte[] RtcpSalt { get; }

    public static SrtpCipher Create(SrtpProfile profile, SrtpSessionKeys keys) => profile switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => new AesCmHmacSha1Cipher(keys),
        SrtpProfile.AeadAes128Gcm => new AesGcmCipher(keys),
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, null),
    };

    /// <summary>
    /// Encrypts packet[headerLength..payloadEnd] in place and writes the tag at payloadEnd.
    /// <paramref name="index"/> is the 48-bit packet index 2^16 * ROC + SEQ.
    /// </summary>
    public abstract void ProtectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, ulong index);

    /// <summary>
    /// Checks the tag at packet[payloadEnd..] and decrypts packet[headerLength..payloadEnd] in place.
    /// False for a bad tag; the payload octets are then unspecified (GCM clears what it failed to verify).
    /// </summary>
    public abstract bool TryUnprotectRtp(Span<byte> packet, int headerLength, int payloadEnd, uint ssrc, ulong index);

    /// <summary>Encrypts packet[8..length] in place and appends the E||index word and tag; returns the new length.</summary>
    public abstract int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index);

    /// <summary>Where the E||SRTCP index word sits in a protected packet of <paramref name="length"/> octets.</summary>
    public abstract int RtcpIndexOffset(int length);

    /// <summary>
    /// Checks the tag of a protected packet and decrypts it in place; <paramref name="length"/> is then the
    /// plaintext length. The caller has checked the length and the E flag.
    /// </summary>
    public abstract bool TryUnprotectRtcp(Span<byte> packet, uint ssrc, uint index, out int length);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Subclasses release their ciphers and call this, which wipes the salts.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(RtpSalt);
            CryptographicOperations.ZeroMemory(RtcpSalt);
        }
    }

    /// <summary>
    /// Both profiles form the IV the same way: the session salt XOR the SSRC at <paramref name="ssrcOffset"/>
    /// XOR the 48-bit index in the six octets after it (AES-CM: octets 4-7 and 8-13 of 16, RFC 3711 §4.1.1;
    /// GCM: 2-5 and 6-11 of 12, RFC 7714 §8.1, where the SRTCP index of §9.1 is the same 48-bit field with its
    /// top 17 bits zero).
    /// </summary>
    protected static void BuildNonce(Span<byte> nonce, ReadOnlySpan<byte> salt, int ssrcOffset, uint ssrc, ulong index)
    {
        salt.CopyTo(nonce);
        Span<byte> field = stackalloc byte[10];
        BinaryPrimitives.WriteUInt32BigEndian(field, ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(field[4..], (ushort)(index >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(field[6..], (uint)index);
        for (int i = 0; i < field.Length; i++)
        {
            nonce[ssrcOffset + i] ^= field[i];
        }
    }
}
