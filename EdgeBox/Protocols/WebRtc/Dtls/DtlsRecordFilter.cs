using System.Buffers.Binary;
using Org.BouncyCastle.Tls;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// The length rules an encrypted record must meet before it can be decrypted at all, for the
/// negotiated cipher suite.
/// </summary>
/// <param name="MinLength">Shortest ciphertext (explicit nonce or IV, at least one block, MAC or tag).</param>
/// <param name="BlockSize">The ciphertext (less a trailing encrypt-then-MAC tag) is a multiple of this.</param>
/// <param name="TrailingMac">Bytes of MAC after the blocks with encrypt-then-MAC (RFC 7366), else 0.</param>
internal readonly record struct DtlsCiphertextShape(int MinLength, int BlockSize, int TrailingMac)
{
    /// <summary>RFC 5288 §3: AES-GCM records carry an 8-byte explicit nonce and a 16-byte tag.</summary>
    private static readonly DtlsCiphertextShape AesGcm = new(8 + 16, 1, 0);

    /// <summary>The shape for a suite, or null for one we do not screen (the engine then decides alone).</summary>
    public static DtlsCiphertextShape? For(int cipherSuite, bool encryptThenMac)
    {
        int encryption = TlsUtilities.GetEncryptionAlgorithm(cipherSuite);
        if (encryption is EncryptionAlgorithm.AES_128_GCM or EncryptionAlgorithm.AES_256_GCM)
        {
            return AesGcm;
        }

        int mac = TlsUtilities.GetMacAlgorithm(cipherSuite) switch
        {
            MacAlgorithm.hmac_sha1 => 20,
            MacAlgorithm.hmac_sha256 => 32,
            MacAlgorithm.hmac_sha384 => 48,
            _ => 0,
        };
        if (encryption is not (EncryptionAlgorithm.AES_128_CBC or EncryptionAlgorithm.AES_256_CBC) || mac == 0)
        {
            return null;
        }

        // RFC 5246 §6.2.3.2 with the explicit IV of DTLS 1.2: IV + blocks holding MAC and padding
        // (at least one padding byte), or with RFC 7366 IV + at least one block + MAC after them.
        const int block = 16;
        return encryptThenMac
            ? new DtlsCiphertextShape(block + block + mac, block, mac)
            : new DtlsCiphertextShape(block + Math.Max(block, mac + 1), block, 0);
    }

    public bool Fits(int length) => length >= MinLength && (length - TrailingMac) % BlockSize == 0;
}

/// <summary>
/// Screens datagrams before BouncyCastle's record layer reads them. RFC 6347 §4.1.2.7 says invalid
/// records are discarded, and the engine does so for bad MACs, but it takes an encrypted record too
/// short to decrypt, or a CBC one not a whole number of blocks, as a fatal decode_error /
/// decryption_failed: one stray datagram would end the association. Those are dropped here.
/// </summary>
internal static class DtlsRecordFilter
{
    /// <summary>RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2).</summary>
    public const int HeaderSize = 13;

    /// <summary>
    /// False when a record of the datagram is encrypted (epoch above 0) with a length
    /// <paramref name="shape"/> cannot decrypt. Everything else is left to the engine, which discards
    /// what it cannot use, a record cut short of its length field included.
    /// </summary>
    public static bool IsAcceptable(ReadOnlySpan<byte> datagram, DtlsCiphertextShape? shape)
    {
        if (shape is not { } fit)
        {
            return true;
        }

        while (datagram.Length >= HeaderSize)
        {
            int epoch = BinaryPrimitives.ReadUInt16BigEndian(datagram[3..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
            if (HeaderSize + length > datagram.Length)
            {
                break;
            }

            if (epoch != 0 && !fit.Fits(length))
            {
                return false;
            }

            datagram = datagram[(HeaderSize + length)..];
        }

        return true;
    }
}
