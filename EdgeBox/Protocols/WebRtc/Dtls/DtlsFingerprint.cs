using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// A certificate fingerprint as SDP carries it in <c>a=fingerprint</c> (RFC 8122 §5):
/// <c>hash-func SP fingerprint</c>, the fingerprint being the hash of the DER certificate as
/// uppercase hex pairs joined by colons. WebRTC peers prove their identity only through it
/// (RFC 8827 §6.5): the DTLS certificates are self-signed.
/// </summary>
/// <param name="Algorithm">The hash function, lowercase: <c>sha-1</c>, <c>sha-256</c>, <c>sha-384</c> or <c>sha-512</c>.</param>
/// <param name="Value">The hex pairs with colons, e.g. <c>AB:CD:...</c>.</param>
internal sealed record DtlsFingerprint(string Algorithm, string Value)
{
    public const string Sha1 = "sha-1";

    public const string Sha256 = "sha-256";

    public const string Sha384 = "sha-384";

    public const string Sha512 = "sha-512";

    /// <summary>
    /// Parses an attribute value such as <c>sha-256 AB:CD:...</c>. The hash function name is matched
    /// case-insensitively (the registry names are lowercase; accepting <c>SHA-256</c> costs nothing)
    /// and normalized to lowercase; the fingerprint must have exactly the function's digest length.
    /// Other functions (md5, md2: RFC 8122 §5 forbids them) are refused.
    /// </summary>
    public static bool TryParse(string? attributeValue, [NotNullWhen(true)] out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        if (attributeValue is null)
        {
            return false;
        }

        var text = attributeValue.AsSpan().Trim();
        int space = text.IndexOfAny(' ', '\t');
        if (space <= 0)
        {
            return false;
        }

        string? algorithm = NormalizeAlgorithm(text[..space]);
        var value = text[(space + 1)..].TrimStart();
        if (algorithm is null || !IsHexPairs(value, DigestLength(algorithm)))
        {
            return false;
        }

        fingerprint = new DtlsFingerprint(algorithm, value.ToString().ToUpperInvariant());
        return true;
    }

    /// <summary>The fingerprint of a DER certificate with <paramref name="algorithm"/> (one of the constants above).</summary>
    public static DtlsFingerprint Compute(string algorithm, ReadOnlySpan<byte> certificateDer)
    {
        Span<byte> digest = stackalloc byte[SHA512.HashSizeInBytes];
        int length = Hash(algorithm, certificateDer, digest);
        return new DtlsFingerprint(algorithm, FormatHexPairs(digest[..length]));
    }

    /// <summary>True when <paramref name="certificateDer"/> hashes to this fingerprint (hex case ignored).</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        string? algorithm = NormalizeAlgorithm(Algorithm);
        if (algorithm is null)
        {
            return false;
        }

        return string.Equals(Compute(algorithm, certificateDer).Value, Value.Trim(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The SDP attribute value: <c>sha-256 AB:CD:...</c>.</summary>
    public override string ToString() => Algorithm + " " + Value;

    /// <summary>Uppercase hex pairs joined by colons, as RFC 8122 §5 writes a fingerprint.</summary>
    internal static string FormatHexPairs(ReadOnlySpan<byte> digest)
    {
        Span<char> chars = stackalloc char[SHA512.HashSizeInBytes * 3];
        int length = 0;
        foreach (byte value in digest[..Math.Min(digest.Length, SHA512.HashSizeInBytes)])
        {
            if (length > 0)
            {
                chars[length++] = ':';
            }

            chars[length++] = HexDigit(value >> 4);
            chars[length++] = HexDigit(value & 0xF);
        }

        return new string(chars[..length]);
    }

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static string? NormalizeAlgorithm(ReadOnlySpan<char> name) =>
        name.Equals(Sha256, StringComparison.OrdinalIgnoreCase) ? Sha256
        : name.Equals(Sha1, StringComparison.OrdinalIgnoreCase) ? Sha1
        : name.Equals(Sha384, StringComparison.OrdinalIgnoreCase) ? Sha384
        : name.Equals(Sha512, StringComparison.OrdinalIgnoreCase) ? Sha512
        : null;

    private static int DigestLength(string algorithm) => algorithm switch
    {
        Sha1 => SHA1.HashSizeInBytes,
        Sha256 => SHA256.HashSizeInBytes,
        Sha384 => SHA384.HashSizeInBytes,
        _ => SHA512.HashSizeInBytes,
    };

    // SHA-1 fingerprints are still allowed by RFC 8122 §5 for interoperability; the hash only names a
    // certificate the peer already authenticated with its signature, so collisions are not the concern.
#pragma warning disable CA5350
    private static int Hash(string algorithm, ReadOnlySpan<byte> data, Span<byte> destination) => algorithm switch
    {
        Sha1 => SHA1.HashData(data, destination),
        Sha256 => SHA256.HashData(data, destination),
        Sha384 => SHA384.HashData(data, destination),
        Sha512 => SHA512.HashData(data, destination),
        _ => throw new ArgumentException($"unsupported fingerprint hash function '{algorithm}'", nameof(algorithm)),
    };
#pragma warning restore CA5350

    /// <summary>True for <paramref name="length"/> hex pairs separated by single colons.</summary>
    private static bool IsHexPairs(ReadOnlySpan<char> value, int length)
    {
        if (value.Length != (length * 3) - 1)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            bool separator = i % 3 == 2;
            if (separator ? value[i] != ':' : !char.IsAsciiHexDigit(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
