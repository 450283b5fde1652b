using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeBox.Security;

/// <summary>
/// Password hashes as <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (base64): PBKDF2 with HMAC-SHA256,
/// a 16-byte random salt and 600,000 iterations, OWASP's 2023 figure for that function. The
/// iteration count is stored with the hash, so raising it later still verifies old hashes and
/// <see cref="NeedsRehash"/> tells when to store a new one.
/// </summary>
internal static class PasswordHasher
{
    public const int Iterations = 600_000;
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Shortest password accepted (NIST SP 800-63B §5.1.1.2: at least 8 characters).</summary>
    public const int MinLength = 8;

    /// <summary>Longest accepted: PBKDF2 hashes any length, but a megabyte "password" is an attack on the CPU.</summary>
    public const int MaxLength = 256;

    public static string? Problem(string password) =>
        password.Length < MinLength ? $"a password has at least {MinLength} characters"
        : password.Length > MaxLength ? $"a password has at most {MaxLength} characters"
        : null;

    public static string Hash(string password, int iterations = Iterations)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public static bool Verify(string password, string stored)
    {
        if (!TryParse(stored, out int iterations, out byte[] salt, out byte[] expected) || password.Length > MaxLength)
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static bool NeedsRehash(string stored) => !TryParse(stored, out int iterations, out _, out _) || iterations < Iterations;

    private static bool TryParse(string stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        string[] parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations is < 1000 or > 10_000_000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 4 && hash.Length >= 16; // 4: RFC 7914's test vectors use "NaCl"
    }
}
