namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// The SRTP master keys and salts a DTLS-SRTP handshake derived (RFC 5764 §4.2), mapped from the
/// client/server layout of the exporter output to this side's view: Local protects what we send,
/// Remote what we receive.
/// </summary>
/// <param name="ProfileId">The negotiated SRTP protection profile (RFC 5764 §4.1.2), one of the constants below.</param>
internal sealed record SrtpKeyMaterial(int ProfileId, byte[] LocalKey, byte[] LocalSalt, byte[] RemoteKey, byte[] RemoteSalt)
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2): 16-byte key, 14-byte salt.</summary>
    public const int Aes128CmHmacSha1_80 = 0x0001;

    /// <summary>SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2): 16-byte key, 12-byte salt.</summary>
    public const int AeadAes128Gcm = 0x0007;

    /// <summary>The exporter label of RFC 5764 §4.2.</summary>
    public const string ExporterLabel = "EXTRACTOR-dtls_srtp";

    public const int KeyLength = 16;

    /// <summary>Master salt length of a profile: 14 bytes for AES-CM (RFC 3711 §8.2), 12 for AES-GCM (RFC 7714 §12).</summary>
    public static int SaltLength(int profileId) => profileId switch
    {
        Aes128CmHmacSha1_80 => 14,
        AeadAes128Gcm => 12,
        _ => throw new ArgumentOutOfRangeException(nameof(profileId), profileId, "not a supported SRTP protection profile"),
    };

    /// <summary>Bytes to export for a profile: two keys and two salts.</summary>
    public static int ExportLength(int profileId) => 2 * (KeyLength + SaltLength(profileId));

    /// <summary>
    /// Splits the exporter output, laid out client_write_key | server_write_key | client_write_salt |
    /// server_write_salt (RFC 5764 §4.2), into this side's local and remote halves.
    /// </summary>
    public static SrtpKeyMaterial FromExporter(int profileId, ReadOnlySpan<byte> exported, bool isClient)
    {
        int salt = SaltLength(profileId);
        if (exported.Length != ExportLength(profileId))
        {
            throw new ArgumentException($"{exported.Length} bytes of keying material where the profile needs {ExportLength(profileId)}", nameof(exported));
        }

        byte[] clientKey = exported[..KeyLength].ToArray();
        byte[] serverKey = exported.Slice(KeyLength, KeyLength).ToArray();
        byte[] clientSalt = exported.Slice(2 * KeyLength, salt).ToArray();
        byte[] serverSalt = exported.Slice((2 * KeyLength) + salt, salt).ToArray();
        return isClient
            ? new SrtpKeyMaterial(profileId, clientKey, clientSalt, serverKey, serverSalt)
            : new SrtpKeyMaterial(profileId, serverKey, serverSalt, clientKey, clientSalt);
    }
}
