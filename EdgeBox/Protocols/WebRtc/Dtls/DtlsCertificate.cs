using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeBox.Infrastructure;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// The box's DTLS identity: a self-signed ECDSA P-256 certificate, CN=EdgeBox. WebRTC peers do not
/// check a chain; they compare the certificate with the <c>a=fingerprint</c> of our SDP (RFC 8827
/// §6.5), so what matters is the key and that the fingerprint stays the same across restarts, which
/// is why it is kept in the data directory. Browsers use P-256 too (RFC 8827 §6.5 asks for ECDSA
/// P-256 support), so every peer can verify our signatures.
/// </summary>
internal sealed class DtlsCertificate
{
    public const string CommonName = "EdgeBox";

    /// <summary>The file under the data directory.</summary>
    public static readonly string RelativePath = Path.Combine("webrtc", "dtls.pem");

    /// <summary>A P-256 certificate and key in PEM take about 1 KB; a larger file is not one we wrote.</summary>
    private const int MaxFileBytes = 64 * 1024;

    private const string CertificateLabel = "CERTIFICATE";

    private const string PrivateKeyLabel = "PRIVATE KEY";

    private readonly byte[] _pkcs8;

    private DtlsCertificate(byte[] certificateDer, byte[] pkcs8, DateTimeOffset notAfter)
    {
        CertificateDer = certificateDer;
        _pkcs8 = pkcs8;
        NotAfter = notAfter;
        PrivateKey = (ECPrivateKeyParameters)PrivateKeyFactory.CreateKey(pkcs8);
        Fingerprint = DtlsFingerprint.Compute(DtlsFingerprint.Sha256, certificateDer).ToString();
    }

    /// <summary>"sha-256 AB:CD:..." as it goes in SDP <c>a=fingerprint</c> (RFC 8122 §5).</summary>
    public string Fingerprint { get; }

    public DateTimeOffset NotAfter { get; }

    /// <summary>The certificate as sent in the DTLS Certificate message.</summary>
    internal byte[] CertificateDer { get; }

    /// <summary>The key in BouncyCastle's form, for its TLS signer.</summary>
    internal ECPrivateKeyParameters PrivateKey { get; }

    /// <summary>
    /// Loads <c>&lt;dataDirectory&gt;/webrtc/dtls.pem</c>, or creates a certificate and saves it there
    /// (mode 0600, written to a temp file and renamed over, so a crash leaves the old file or the new
    /// one). <paramref name="created"/> is true when the file was missing, unparsable, held a key that
    /// does not belong to the certificate, or an expired certificate: all of these are replaced
    /// without an exception, the caller logs it (the fingerprint changed). Errors reading or writing the
    /// file (permissions, I/O) are not the file's content and propagate.
    /// </summary>
    public static DtlsCertificate LoadOrCreate(string dataDirectory, TimeProvider time, out bool created)
    {
        string path = Path.Combine(dataDirectory, RelativePath);
        if (File.Exists(path) && TryParse(SmallFile.ReadText(path, MaxFileBytes) ?? "", time, out var loaded))
        {
            created = false;
            return loaded;
        }

        var certificate = CreateEphemeral(time);
        certificate.Save(path);
        created = true;
        return certificate;
    }

    /// <summary>A new certificate valid from a year ago (edge boxes boot with wrong clocks) for ten years; nothing is saved.</summary>
    public static DtlsCertificate CreateEphemeral(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + CommonName, key, HashAlgorithmName.SHA256);
        var now = time.GetUtcNow();

        // RFC 5280 §4.1.2.2: a positive serial of at most 20 bytes; the first byte in 0x01-0x7F keeps
        // the DER INTEGER positive and minimal.
        Span<byte> serial = stackalloc byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);

        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key),
            now.AddYears(-1), now.AddYears(10), serial);
        return new DtlsCertificate(certificate.RawData, key.ExportPkcs8PrivateKey(), certificate.NotAfter.ToUniversalTime());
    }

    /// <summary>The certificate and its PKCS#8 key, PEM, as the file holds them.</summary>
    internal string ToPem() =>
        PemEncoding.WriteString(CertificateLabel, CertificateDer) + "\n" + PemEncoding.WriteString(PrivateKeyLabel, _pkcs8) + "\n";

    /// <summary>Parses what <see cref="ToPem"/> wrote; false for anything else or an expired certificate.</summary>
    internal static bool TryParse(string pem, TimeProvider time, [NotNullWhen(true)] out DtlsCertificate? certificate)
    {
        certificate = null;
        if (!TryFindPem(pem, CertificateLabel, out byte[]? der) || !TryFindPem(pem, PrivateKeyLabel, out byte[]? pkcs8))
        {
            return false;
        }

        try
        {
            using var x509 = X509CertificateLoader.LoadCertificate(der);
            using var publicKey = x509.GetECDsaPublicKey();
            using var privateKey = ECDsa.Create();
            privateKey.ImportPkcs8PrivateKey(pkcs8, out int read);
            if (publicKey is null || read != pkcs8.Length
                || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(privateKey.ExportSubjectPublicKeyInfo())
                || x509.NotAfter.ToUniversalTime() <= time.GetUtcNow().UtcDateTime)
            {
                return false;
            }

            certificate = new DtlsCertificate(der, pkcs8, x509.NotAfter.ToUniversalTime());
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool TryFindPem(string text, string label, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(label))
            {
                data = new byte[fields.DecodedDataLength];
                return Convert.TryFromBase64Chars(rest[fields.Base64Data], data, out _);
            }

            rest = rest[fields.Location.End..];
        }

        return false;
    }

    /// <summary>
    /// Saved with mode 0600 and renamed over (see <see cref="SmallFile.WriteAtomically"/>). Losing the
    /// rename to a power cut only means a new certificate at the next start, which peers learn from the
    /// next SDP anyway.
    /// </summary>
    private void Save(string path) => SmallFile.WriteAtomically(path, System.Text.Encoding.ASCII.GetBytes(ToPem()), SmallFile.Private);
}
