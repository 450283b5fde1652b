using System.Security.Cryptography;

namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// The session keys of one SRTP crypto context, derived from the master key and salt by the AES-CM
/// PRF of RFC 3711 §4.3 with key_derivation_rate 0 (the only rate DTLS-SRTP uses, RFC 5764 §4.1.2),
/// so r = 0 and the six keys are derived once. GCM derives its key and salt the same way
/// (RFC 7714 §11) and has no separate authentication key.
/// <code>
///   x   = master_salt XOR (label || r)      label in octet 7 of the 112-bit salt, r = 0
///   key = AES-CM(master_key, IV = x * 2^16), the first n octets of its keystream
///
///   label  0 SRTP encryption key    3 SRTCP encryption key
///          1 SRTP auth key (20 B)   4 SRTCP auth key (20 B)
///          2 SRTP salt              5 SRTCP salt
/// </code>
/// A 96-bit GCM master salt is zero-padded to 112 bits first, as libsrtp and pion do.
/// </summary>
internal sealed class SrtpSessionKeys : IDisposable
{
    /// <summary>n_a for HMAC-SHA1 (RFC 3711 §5.2: 160 bits).</summary>
    public const int AuthKeyLength = 20;

    private const int PrfSaltLength = 14;

    public SrtpSessionKeys(byte[] rtpKey, byte[] rtpSalt, byte[] rtpAuthKey, byte[] rtcpKey, byte[] rtcpSalt, byte[] rtcpAuthKey)
    {
        RtpKey = rtpKey;
        RtpSalt = rtpSalt;
        RtpAuthKey = rtpAuthKey;
        RtcpKey = rtcpKey;
        RtcpSalt = rtcpSalt;
        RtcpAuthKey = rtcpAuthKey;
    }

    public byte[] RtpKey { get; }

    public byte[] RtpSalt { get; }

    /// <summary>Empty for GCM, whose tag comes from the cipher.</summary>
    public byte[] RtpAuthKey { get; }

    public byte[] RtcpKey { get; }

    public byte[] RtcpSalt { get; }

    public byte[] RtcpAuthKey { get; }

    public static SrtpSessionKeys Derive(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        int keyLength = SrtpProfiles.KeyLength(profile);
        int saltLength = SrtpProfiles.SaltLength(profile);
        if (masterKey.Length != keyLength)
        {
            throw new ArgumentException($"{profile} takes a {keyLength}-byte master key, not {masterKey.Length}.", nameof(masterKey));
        }

        if (masterSalt.Length != saltLength)
        {
            throw new ArgumentException($"{profile} takes a {saltLength}-byte master salt, not {masterSalt.Length}.", nameof(masterSalt));
        }

        int authLength = profile == SrtpProfile.AeadAes128Gcm ? 0 : AuthKeyLength;
        using var prf = new AesCounterMode(masterKey);
        return new SrtpSessionKeys(
            Prf(prf, masterSalt, 0, keyLength), Prf(prf, masterSalt, 2, saltLength), Prf(prf, masterSalt, 1, authLength),
            Prf(prf, masterSalt, 3, keyLength), Prf(prf, masterSalt, 5, saltLength), Prf(prf, masterSalt, 4, authLength));
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(RtpKey);
        CryptographicOperations.ZeroMemory(RtpSalt);
        CryptographicOperations.ZeroMemory(RtpAuthKey);
        CryptographicOperations.ZeroMemory(RtcpKey);
        CryptographicOperations.ZeroMemory(RtcpSalt);
        CryptographicOperations.ZeroMemory(RtcpAuthKey);
    }

    /// <summary>The first <paramref name="length"/> octets of the PRF keystream for <paramref name="label"/>.</summary>
    private static byte[] Prf(AesCounterMode prf, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        iv.Clear();
        masterSalt.CopyTo(iv);
        iv[PrfSaltLength - 7] ^= label; // key_id = label || r (48 bits of 0) ends at octet 13
        var output = new byte[length];
        prf.Apply(iv, output);
        return output;
    }
}
