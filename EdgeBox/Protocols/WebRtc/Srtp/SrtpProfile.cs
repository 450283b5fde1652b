namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// The DTLS-SRTP protection profiles we speak, by their use_srtp ids: SRTP_AES128_CM_HMAC_SHA1_80
/// (RFC 5764 §4.1.2), which every WebRTC stack offers, and SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2),
/// which Chrome and Firefox prefer when both ends offer it. The 32-bit-tag and NULL-cipher profiles
/// are left out on purpose: browsers no longer offer them.
/// </summary>
internal enum SrtpProfile
{
    Aes128CmHmacSha1_80 = 0x0001,
    AeadAes128Gcm = 0x0007,
}

/// <summary>The key material each profile takes from the DTLS exporter (RFC 5764 §4.2).</summary>
internal static class SrtpProfiles
{
    /// <summary>Master key length: AES-128 for both profiles.</summary>
    public static int KeyLength(SrtpProfile p) => p switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 or SrtpProfile.AeadAes128Gcm => 16,
        _ => throw Unknown(p),
    };

    /// <summary>Master salt length: 112 bits for AES-CM (RFC 3711 §8.2), 96 bits for GCM (RFC 7714 §12).</summary>
    public static int SaltLength(SrtpProfile p) => p switch
    {
        SrtpProfile.Aes128CmHmacSha1_80 => 14,
        SrtpProfile.AeadAes128Gcm => 12,
        _ => throw Unknown(p),
    };

    /// <summary>Maps a use_srtp protection profile id from the DTLS handshake to a profile we implement.</summary>
    public static bool TryFromId(int id, out SrtpProfile p)
    {
        switch (id)
        {
            case (int)SrtpProfile.Aes128CmHmacSha1_80:
            case (int)SrtpProfile.AeadAes128Gcm:
                p = (SrtpProfile)id;
                return true;
            default:
                p = default;
                return false;
        }
    }

    private static ArgumentOutOfRangeException Unknown(SrtpProfile p) =>
        new(nameof(p), p, "Not an SRTP protection profile this server implements.");
}
