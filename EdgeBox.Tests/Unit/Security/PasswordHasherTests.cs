using EdgeBox.Security;

namespace EdgeBox.Tests.Unit.Security;

public sealed class PasswordHasherTests
{
    [Fact]
    public void A_hash_verifies_its_password_only()
    {
        string hash = PasswordHasher.Hash("correct horse", iterations: 1000);
        Assert.StartsWith("pbkdf2-sha256$1000$", hash, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("correct horse", hash));
        Assert.False(PasswordHasher.Verify("correct horsE", hash));
        Assert.False(PasswordHasher.Verify("", hash));
    }

    [Fact]
    public void The_same_password_hashes_differently_each_time() =>
        Assert.NotEqual(PasswordHasher.Hash("same password", 1000), PasswordHasher.Hash("same password", 1000));

    [Fact]
    public void The_default_uses_owasp_iterations_and_old_counts_need_a_rehash()
    {
        Assert.Contains("$600000$", PasswordHasher.Hash("x1234567"), StringComparison.Ordinal);
        Assert.True(PasswordHasher.NeedsRehash(PasswordHasher.Hash("x1234567", 1000)));
        Assert.False(PasswordHasher.NeedsRehash(PasswordHasher.Hash("x1234567")));
    }

    /// <summary>RFC 7914 §11's second PBKDF2-HMAC-SHA256 vector: P="Password", S="NaCl", c=80000, dkLen=64.</summary>
    [Fact]
    public void Verifies_an_rfc_7914_vector()
    {
        byte[] salt = "NaCl"u8.ToArray();
        byte[] expected = Convert.FromHexString("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
        string stored = $"pbkdf2-sha256$80000${Convert.ToBase64String(salt)}${Convert.ToBase64String(expected)}";
        Assert.True(PasswordHasher.Verify("Password", stored));
        Assert.False(PasswordHasher.Verify("passwd", stored));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHQ=")]
    [InlineData("md5$1000$c2FsdHNhbHQ=$c2FsdHNhbHRzYWx0c2FsdA==")]
    [InlineData("pbkdf2-sha256$-5$c2FsdHNhbHQ=$c2FsdHNhbHRzYWx0c2FsdA==")]
    [InlineData("pbkdf2-sha256$999999999$c2FsdHNhbHQ=$c2FsdHNhbHRzYWx0c2FsdA==")]
    [InlineData("pbkdf2-sha256$1000$not base64!$c2FsdHNhbHRzYWx0c2FsdA==")]
    [InlineData("pbkdf2-sha256$1000$$")]
    public void A_malformed_stored_hash_never_verifies(string stored)
    {
        Assert.False(PasswordHasher.Verify("anything", stored));
        Assert.True(PasswordHasher.NeedsRehash(stored));
    }

    [Fact]
    public void Passwords_have_a_length_range() =>
        Assert.Equal([true, false, false, true],
            [PasswordHasher.Problem("short") is not null, PasswordHasher.Problem("eight ch") is not null,
             PasswordHasher.Problem(new string('x', 256)) is not null, PasswordHasher.Problem(new string('x', 257)) is not null]);
}
