using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace EdgeBox.Uplink;

/// <summary>
/// Signatures of fleet config documents: Ed25519 (BouncyCastle; .NET has none) or ECDSA P-256 with
/// SHA-256 (.NET, DER-encoded as <c>openssl dgst -sha256 -sign</c> writes it). A signature is a document's
/// last line and covers every byte before it, so it binds the version, the target layer and the config
/// together. Keys are PEM files, as <c>openssl genpkey</c> writes them.
/// </summary>
internal sealed class FleetSignature
{
    public const string Ed25519 = "ed25519";
    public const string EcdsaP256 = "ecdsa-p256";

    private readonly Ed25519PublicKeyParameters? _ed25519;
    private readonly ECDsa? _ecdsa;

    private FleetSignature(string path, Ed25519PublicKeyParameters? ed25519, ECDsa? ecdsa)
    {
        Path = path;
        _ed25519 = ed25519;
        _ecdsa = ecdsa;
    }

    public string Path { get; }

    public string Algorithm => _ed25519 is not null ? Ed25519 : EcdsaP256;

    /// <summary>Why the public key file cannot be used (missing, unreadable, another kind of key), or null.</summary>
    public static string? KeyError(string path)
    {
        try
        {
            LoadPublicKey(path);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or CryptographicException or ArgumentException)
        {
            return ex.Message;
        }
    }

    /// <summary>Reads a PEM public key (SubjectPublicKeyInfo) of either kind.</summary>
    public static FleetSignature LoadPublicKey(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist");
        }

        string pem = File.ReadAllText(path);
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != "PUBLIC KEY")
        {
            throw new FormatException($"{path} holds no PEM 'PUBLIC KEY' (make one with: openssl pkey -in fleet.key -pubout -out fleet.pub)");
        }

        byte[] der = Convert.FromBase64String(pem[fields.Base64Data].ToString());
        var info = SubjectPublicKeyInfo.GetInstance(der);
        if (info.Algorithm.Algorithm.Equals(EdECObjectIdentifiers.id_Ed25519))
        {
            return new FleetSignature(path, new Ed25519PublicKeyParameters(info.PublicKey.GetOctets()), null);
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(der, out _);
            if (ecdsa.KeySize != 256)
            {
                throw new FormatException($"{path} is a {ecdsa.KeySize}-bit EC key; fleet signatures use Ed25519 or ECDSA P-256");
            }

            return new FleetSignature(path, null, ecdsa);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    public bool Verify(ReadOnlySpan<byte> data, string algorithm, byte[] signature)
    {
        if (algorithm != Algorithm)
        {
            return false;
        }

        if (_ed25519 is not null)
        {
            var verifier = new Ed25519Signer();
            verifier.Init(false, _ed25519);
            verifier.BlockUpdate(data);
            return verifier.VerifySignature(signature);
        }

        return _ecdsa!.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>Signs <paramref name="data"/> with a PEM private key (PKCS#8, or SEC1 "EC PRIVATE KEY"); returns <c>algorithm:base64</c>.</summary>
    public static string Sign(string privateKeyPem, ReadOnlySpan<byte> data)
    {
        if (!PemEncoding.TryFind(privateKeyPem, out var fields))
        {
            throw new FormatException("the signing key is not PEM (make one with: openssl genpkey -algorithm ed25519 -out fleet.key)");
        }

        string label = privateKeyPem[fields.Label].ToString();
        byte[] der = Convert.FromBase64String(privateKeyPem[fields.Base64Data].ToString());
        if (label == "PRIVATE KEY" && PrivateKeyInfo.GetInstance(der).PrivateKeyAlgorithm.Algorithm.Equals(EdECObjectIdentifiers.id_Ed25519))
        {
            var key = (Ed25519PrivateKeyParameters)Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(der);
            var signer = new Ed25519Signer();
            signer.Init(true, key);
            signer.BlockUpdate(data);
            return Ed25519 + ":" + Convert.ToBase64String(signer.GenerateSignature());
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(privateKeyPem);
        if (ecdsa.KeySize != 256)
        {
            throw new FormatException($"the signing key is a {ecdsa.KeySize}-bit EC key; fleet signatures use Ed25519 or ECDSA P-256");
        }

        return EcdsaP256 + ":" + Convert.ToBase64String(ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    /// <summary>The bytes a document's signature covers: every byte before its last line, the signature (see <see cref="FleetDocument.Split"/>).</summary>
    public static byte[] SignedBytes(string document) => Encoding.UTF8.GetBytes(FleetDocument.Split(document).Body);
}
