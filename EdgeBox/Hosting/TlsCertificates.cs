using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeBox.Configuration;
using EdgeBox.Infrastructure;

namespace EdgeBox.Hosting;

/// <summary>A certificate or key file that cannot serve HTTPS. <see cref="Key"/> is the <c>https</c> key at fault: <c>certificate</c> or <c>key</c>.</summary>
internal sealed class TlsCertificateException(string key, string message) : Exception(message)
{
    public string Key { get; } = key;
}

/// <summary>
/// The HTTPS listener's certificate: a PEM pair the user configured (intermediates may follow the
/// certificate in its file, as in Let's Encrypt's <c>fullchain.pem</c>), or a self-signed ECDSA P-256
/// certificate generated into <c>&lt;data&gt;/tls</c> on the first start and reused until it expires,
/// so that a client told to trust it once keeps trusting it. Messages are written here rather than
/// taken from exceptions: the AOT build carries resource keys instead of the runtime's messages.
/// </summary>
internal static partial class TlsCertificates
{
    public const string SelfSignedFolder = "tls";

    public const string SelfSignedCertificateName = "edgebox.crt";

    public const string SelfSignedKeyName = "edgebox.key";

    /// <summary>About two years. Browsers cap only publicly trusted certificates (398 days), not one a user trusts by hand.</summary>
    public static readonly TimeSpan SelfSignedValidity = TimeSpan.FromDays(730);

    /// <summary>A full chain of a few certificates is a few KB; a larger file is not a PEM certificate or key.</summary>
    private const int MaxPemBytes = 1024 * 1024;

    private const string RsaOid = "1.2.840.113549.1.1.1";

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    private const string SubjectAlternativeNameOid = "2.5.29.17";

    /// <summary>A configured file name: absolute, or relative to the data directory (where the self-signed pair lives too).</summary>
    public static string ResolvePath(string dataDirectory, string file) => Path.GetFullPath(file, Path.GetFullPath(dataDirectory));

    /// <summary>The certificate <c>https</c> asks for, logged with its fingerprint and expiry. Throws <see cref="TlsCertificateException"/>.</summary>
    public static HttpsCertificate Load(HttpsConfig https, string dataDirectory, TimeProvider time, ILogger logger)
    {
        HttpsCertificate certificate;
        if (https.IsSelfSigned)
        {
            certificate = LoadOrCreateSelfSigned(dataDirectory, time, out string? generatedBecause);
            if (generatedBecause is not null)
            {
                string names = string.Join(", ", SubjectAlternativeNames(certificate.Certificate));
                Log.Generated(logger, certificate.CertificateFile, names, generatedBecause);
            }
        }
        else
        {
            certificate = LoadPair(ResolvePath(dataDirectory, https.Certificate), ResolvePath(dataDirectory, https.Key));
        }

        string notAfter = certificate.NotAfter.ToString("u", CultureInfo.InvariantCulture);
        Log.Using(logger, certificate.CertificateFile, certificate.SelfSigned ? "self-signed" : "configured", certificate.Certificate.Subject,
            certificate.Fingerprint, notAfter);
        if (certificate.NotAfter <= time.GetUtcNow())
        {
            Log.Expired(logger, certificate.CertificateFile, notAfter);
        }

        return certificate;
    }

    /// <summary>Reads a PEM certificate (and the intermediates after it) and its unencrypted PEM private key (RSA or ECDSA).</summary>
    public static HttpsCertificate LoadPair(string certificateFile, string keyFile) => ReadPair(certificateFile, keyFile, selfSigned: false);

    /// <summary>
    /// <c>&lt;data&gt;/tls/edgebox.crt</c> and <c>edgebox.key</c> when both are there, fit together and have
    /// not expired; otherwise a new pair written there (the key with mode 0600), and
    /// <paramref name="generatedBecause"/> says why. Throws <see cref="TlsCertificateException"/> when the
    /// folder cannot be written.
    /// </summary>
    public static HttpsCertificate LoadOrCreateSelfSigned(string dataDirectory, TimeProvider time, out string? generatedBecause)
    {
        string folder = Path.Combine(Path.GetFullPath(dataDirectory), SelfSignedFolder);
        string certificateFile = Path.Combine(folder, SelfSignedCertificateName);
        string keyFile = Path.Combine(folder, SelfSignedKeyName);
        if (!File.Exists(certificateFile) || !File.Exists(keyFile))
        {
            generatedBecause = "there was none";
        }
        else
        {
            try
            {
                var existing = ReadPair(certificateFile, keyFile, selfSigned: true);
                if (existing.NotAfter > time.GetUtcNow())
                {
                    generatedBecause = null;
                    return existing;
                }

                generatedBecause = "the previous one expired on " + existing.NotAfter.ToString("u", CultureInfo.InvariantCulture);
                existing.Dispose();
            }
            catch (TlsCertificateException ex)
            {
                generatedBecause = "the previous one could not be used: " + ex.Message;
            }
        }

        var created = CreateSelfSigned(time, Environment.MachineName, HostAddresses());
        try
        {
            using var key = created.GetECDsaPrivateKey()!;
            SmallFile.WriteAtomically(keyFile, Encoding.ASCII.GetBytes(PemEncoding.WriteString("PRIVATE KEY", key.ExportPkcs8PrivateKey()) + "\n"), SmallFile.Private);
            SmallFile.WriteAtomically(certificateFile, Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", created.RawData) + "\n"), SmallFile.Public);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            created.Dispose();
            throw new TlsCertificateException("certificate", $"cannot write the self-signed certificate to {folder}: {Describe(ex)}");
        }

        return new HttpsCertificate(created, [], certificateFile, selfSigned: true);
    }

    /// <summary>
    /// A self-signed server certificate for <paramref name="hostName"/>: ECDSA P-256, not a CA, for
    /// server authentication, valid from a day ago (clients' clocks differ) for <see cref="SelfSignedValidity"/>.
    /// Its names are localhost, the host name (and <c>NAME.local</c> for mDNS) and every address given,
    /// so a client that trusts the file can check the name it connected to.
    /// </summary>
    internal static X509Certificate2 CreateSelfSigned(TimeProvider time, string hostName, IEnumerable<IPAddress> addresses)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("EdgeBox self-signed");
        subject.AddCommonName(string.IsNullOrWhiteSpace(hostName) ? "localhost" : hostName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(ServerAuthenticationOid) }, critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

        var names = new SubjectAlternativeNameBuilder();
        var dns = new List<string> { "localhost" };
        if (Uri.CheckHostName(hostName) == UriHostNameType.Dns)
        {
            dns.Add(hostName);
            if (!hostName.Contains('.', StringComparison.Ordinal))
            {
                dns.Add(hostName + ".local");
            }
        }

        foreach (string name in dns.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            names.AddDnsName(name);
        }

        foreach (var address in addresses.Distinct())
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        var now = time.GetUtcNow();
        return request.CreateSelfSigned(now.AddDays(-1), now + SelfSignedValidity);
    }

    /// <summary>Loopback (127.0.0.1, ::1) and every address of the interfaces that are not down, but IPv6 link-local ones (they need a zone, which no URL in a browser carries).</summary>
    internal static List<IPAddress> HostAddresses()
    {
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        try
        {
            foreach (var network in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (network.OperationalStatus == OperationalStatus.Down)
                {
                    continue;
                }

                foreach (var unicast in network.GetIPProperties().UnicastAddresses)
                {
                    var address = unicast.Address;
                    if (!IPAddress.IsLoopback(address) && !address.IsIPv6LinkLocal && !addresses.Contains(address))
                    {
                        addresses.Add(address);
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list (a restricted container): the certificate still names loopback and the host name.
        }

        return addresses;
    }

    /// <summary>The DNS names and IP addresses in the certificate's subject alternative name extension.</summary>
    internal static IEnumerable<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid)
            {
                continue;
            }

            var names = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
            foreach (string dns in names.EnumerateDnsNames())
            {
                yield return dns;
            }

            foreach (var address in names.EnumerateIPAddresses())
            {
                yield return address.ToString();
            }
        }
    }

    private static HttpsCertificate ReadPair(string certificateFile, string keyFile, bool selfSigned)
    {
        string certificatePem = ReadPem(certificateFile, "certificate");
        string keyPem = ReadPem(keyFile, "key");
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certificatePem);
        }
        catch (CryptographicException)
        {
            throw new TlsCertificateException("certificate", $"{certificateFile}: a PEM certificate in it cannot be read");
        }

        if (all.Count == 0)
        {
            throw new TlsCertificateException("certificate", $"{certificateFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }

        X509Certificate2 withKey;
        try
        {
            withKey = AttachKey(all[0], keyPem, certificateFile, keyFile);
        }
        catch (TlsCertificateException)
        {
            foreach (var certificate in all)
            {
                certificate.Dispose();
            }

            throw;
        }

        var chain = new X509Certificate2Collection();
        for (int i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }

        all[0].Dispose();
        return new HttpsCertificate(withKey, chain, certificateFile, selfSigned);
    }

    /// <summary>The certificate with the key of <paramref name="keyPem"/> attached, once the key is proven to be the certificate's.</summary>
    private static X509Certificate2 AttachKey(X509Certificate2 certificate, string keyPem, string certificateFile, string keyFile)
    {
        if (keyPem.Contains("ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal) || keyPem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new TlsCertificateException("key", $"{keyFile} is encrypted: EdgeBox needs the key without a passphrase (openssl pkey -in {keyFile} -out plain.key)");
        }

        if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new TlsCertificateException("key", $"{keyFile} holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }

        switch (certificate.GetKeyAlgorithm())
        {
            case RsaOid:
            {
                using var rsa = RSA.Create();
                Import(rsa, keyPem, "RSA", certificate, keyFile);
                return certificate.CopyWithPrivateKey(rsa);
            }

            case EcPublicKeyOid:
            {
                using var ecdsa = ECDsa.Create();
                Import(ecdsa, keyPem, "ECDSA", certificate, keyFile);
                return certificate.CopyWithPrivateKey(ecdsa);
            }

            default:
                throw new TlsCertificateException("certificate", $"{certificateFile} has a {certificate.PublicKey.Oid.FriendlyName ?? certificate.GetKeyAlgorithm()} key; EdgeBox serves RSA and ECDSA certificates");
        }
    }

    private static void Import(AsymmetricAlgorithm key, string pem, string kind, X509Certificate2 certificate, string keyFile)
    {
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new TlsCertificateException("key", $"{keyFile} holds no {kind} private key that can be read (the certificate's key is {kind})");
        }

        if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw new TlsCertificateException("key", $"{keyFile} is not the private key of the certificate (the two files do not belong together)");
        }
    }

    private static string ReadPem(string file, string key)
    {
        string? text;
        try
        {
            text = SmallFile.ReadText(file, MaxPemBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TlsCertificateException(key, $"cannot read {file}: {Describe(ex)}");
        }

        return text ?? throw new TlsCertificateException(key, $"{file} is larger than {MaxPemBytes / 1024} KB: not a PEM {key}");
    }

    /// <summary>Our words for the common file errors (the AOT build's exception messages are resource keys).</summary>
    private static string Describe(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        UnauthorizedAccessException => "permission denied",
        _ => ex.Message,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.HttpsCertificate, EventName = "HttpsCertificate", Level = LogLevel.Information,
            Message = "HTTPS certificate {CertificateFile} ({Origin}): {Subject}, SHA-256 fingerprint {Fingerprint}, valid until {NotAfter}")]
        public static partial void Using(ILogger logger, string certificateFile, string origin, string subject, string fingerprint, string notAfter);

        [LoggerMessage(EventId = EventIds.HttpsCertificateGenerated, EventName = "HttpsCertificateGenerated", Level = LogLevel.Information,
            Message = "Generated a self-signed HTTPS certificate {CertificateFile} for {Names} ({Reason}); clients trust it by importing that file")]
        public static partial void Generated(ILogger logger, string certificateFile, string names, string reason);

        [LoggerMessage(EventId = EventIds.HttpsCertificateExpired, EventName = "HttpsCertificateExpired", Level = LogLevel.Warning,
            Message = "HTTPS certificate {CertificateFile} expired on {NotAfter}: clients refuse it until it is renewed and EdgeBox restarted")]
        public static partial void Expired(ILogger logger, string certificateFile, string notAfter);
    }
}
