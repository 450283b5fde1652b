using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeBox.Hosting;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Hosting;

/// <summary>The HTTPS certificate: the self-signed one EdgeBox generates and keeps, and PEM pairs a user brings.</summary>
public sealed class TlsCertificatesTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(Start);

    public void Dispose() => _dir.Dispose();

    private string CertificateFile => Path.Combine(_dir.Path, TlsCertificates.SelfSignedFolder, TlsCertificates.SelfSignedCertificateName);

    private string KeyFile => Path.Combine(_dir.Path, TlsCertificates.SelfSignedFolder, TlsCertificates.SelfSignedKeyName);

    /// <summary>The pair is refused, blaming <paramref name="key"/> (the https key at fault) with a message that says <paramref name="why"/>.</summary>
    private static void AssertRefused(string certificateFile, string keyFile, string key, string why)
    {
        var ex = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadPair(certificateFile, keyFile));
        Assert.Equal(key, ex.Key);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_certificate_names_the_host_and_loopback_and_is_a_p256_server_leaf()
    {
        using var generated = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out string? because);
        Assert.Equal("there was none", because);
        Assert.True(generated.SelfSigned);
        Assert.Equal(CertificateFile, generated.CertificateFile);

        var certificate = generated.Certificate;
        var names = TlsCertificates.SubjectAlternativeNames(certificate).ToList();
        Assert.Contains("localhost", names);
        Assert.Contains(Environment.MachineName, names, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("127.0.0.1", names);
        Assert.Contains("::1", names);
        foreach (var address in TlsCertificates.HostAddresses())
        {
            Assert.Contains(address.ToString(), names);
        }

        Assert.True(certificate.HasPrivateKey);
        using var key = certificate.GetECDsaPublicKey()!;
        Assert.Equal(256, key.KeySize);
        Assert.False(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var usages = new X509EnhancedKeyUsageExtension(certificate.Extensions["2.5.29.37"]!, false).EnhancedKeyUsages;
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(usages.Cast<Oid>()).Value);
        Assert.Equal(Start.AddDays(-1), new DateTimeOffset(certificate.NotBefore.ToUniversalTime()), TimeSpan.FromSeconds(1));
        Assert.Equal(Start.AddDays(730), generated.NotAfter, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Key_file_is_private_and_the_certificate_file_readable()
    {
        using var generated = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out _);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(CertificateFile));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(KeyFile), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(CertificateFile), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(KeyFile)!, ".*")); // no temp file left behind
    }

    [Fact]
    public void Second_start_reuses_the_certificate()
    {
        using var first = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out _);
        _time.Advance(TimeSpan.FromDays(700));
        using var second = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out string? because);
        Assert.Null(because);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.True(second.Certificate.HasPrivateKey);
    }

    [Fact]
    public void Expired_certificate_is_replaced()
    {
        using var first = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out _);
        _time.Advance(TimeSpan.FromDays(731));
        using var second = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out string? because);
        Assert.StartsWith("the previous one expired on 2028-01-01 00:00:00Z", because, StringComparison.Ordinal);
        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
        Assert.Equal(Start.AddDays(731 + 730), second.NotAfter, TimeSpan.FromSeconds(1));

        using var reread = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out because);
        Assert.Null(because);
        Assert.Equal(second.Fingerprint, reread.Fingerprint);
    }

    [Theory]
    [InlineData("certificate")]
    [InlineData("key")]
    public void Unreadable_or_missing_file_is_replaced(string damaged)
    {
        using var first = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out _);
        File.WriteAllText(damaged == "key" ? KeyFile : CertificateFile, "garbage");
        using var second = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out string? because);
        Assert.StartsWith("the previous one could not be used", because, StringComparison.Ordinal);
        Assert.NotEqual(first.Fingerprint, second.Fingerprint);

        File.Delete(KeyFile);
        using var third = TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out because);
        Assert.Equal("there was none", because);
    }

    [Fact]
    public void A_folder_that_cannot_be_written_is_an_exception_with_the_reason()
    {
        File.WriteAllText(Path.Combine(_dir.Path, TlsCertificates.SelfSignedFolder), "a file where the folder goes");
        var ex = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadOrCreateSelfSigned(_dir.Path, _time, out _));
        Assert.Contains("cannot write the self-signed certificate to", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pair_from_openssl_is_accepted(bool rsa)
    {
        var (certificateFile, keyFile) = await OpenSsl.SelfSignedAsync(_dir.Path, "box", rsa);
        using var loaded = TlsCertificates.LoadPair(certificateFile, keyFile);
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.False(loaded.SelfSigned);
        Assert.Empty(loaded.Chain);
        Assert.Equal(await OpenSsl.FingerprintAsync(certificateFile), loaded.Fingerprint);
    }

    [Fact]
    public async Task Full_chain_file_keeps_its_intermediate()
    {
        // A CA signs the server certificate; the certificate file holds both, as Let's Encrypt's fullchain.pem.
        string ca = _dir.File("ca.crt"), caKey = _dir.File("ca.key"), request = _dir.File("box.csr"), leaf = _dir.File("box.crt"), key = _dir.File("box.key");
        await OpenSsl.RunAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=Test CA");
        await OpenSsl.RunAsync("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=localhost");
        await OpenSsl.RunAsync("x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", leaf, "-days", "2");
        string fullChain = _dir.File("fullchain.pem");
        File.WriteAllText(fullChain, File.ReadAllText(leaf) + File.ReadAllText(ca));

        using var loaded = TlsCertificates.LoadPair(fullChain, key);
        Assert.Equal("CN=localhost", loaded.Certificate.Subject);
        Assert.Equal("CN=Test CA", Assert.Single(loaded.Chain).Subject);
    }

    [Fact]
    public async Task Mismatched_pair_is_refused_as_a_key_error()
    {
        var (certificate, _) = await OpenSsl.SelfSignedAsync(_dir.Path, "one");
        var (_, otherKey) = await OpenSsl.SelfSignedAsync(_dir.Path, "two");
        AssertRefused(certificate, otherKey, "key", "is not the private key of the certificate");

        var (rsaCertificate, _) = await OpenSsl.SelfSignedAsync(_dir.Path, "three", rsa: true);
        AssertRefused(rsaCertificate, otherKey, "key", "holds no RSA private key");
    }

    [Fact]
    public async Task Encrypted_key_is_refused_with_how_to_decrypt_it()
    {
        var (certificate, key) = await OpenSsl.SelfSignedAsync(_dir.Path, "box");
        string encrypted = _dir.File("encrypted.key");
        await OpenSsl.RunAsync("pkey", "-in", key, "-aes256", "-passout", "pass:secret", "-out", encrypted);
        AssertRefused(certificate, encrypted, "key", "is encrypted");
    }

    [Fact]
    public async Task Files_that_are_not_pem_are_refused_by_name()
    {
        var (certificate, key) = await OpenSsl.SelfSignedAsync(_dir.Path, "box");
        string junk = _dir.File("junk.pem");
        File.WriteAllText(junk, "hello");

        AssertRefused(junk, key, "certificate", "holds no PEM certificate");
        AssertRefused(certificate, junk, "key", "holds no PEM private key");
        AssertRefused(certificate, "/dev/zero", "key", "is larger than");
        AssertRefused(_dir.File("missing.crt"), key, "certificate", "no such file");
    }

    [Fact]
    public void Names_leave_out_link_local_addresses_and_add_the_mdns_name()
    {
        using var certificate = TlsCertificates.CreateSelfSigned(_time, "edgebox-7", [IPAddress.Loopback, IPAddress.Parse("192.0.2.10")]);
        Assert.Equal(["localhost", "edgebox-7", "edgebox-7.local", "127.0.0.1", "192.0.2.10"], TlsCertificates.SubjectAlternativeNames(certificate));
        Assert.DoesNotContain(TlsCertificates.HostAddresses(), a => a.IsIPv6LinkLocal);
        Assert.Equal("edgebox-7", certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
    }
}
