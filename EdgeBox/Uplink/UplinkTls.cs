using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace EdgeBox.Uplink;

/// <summary>
/// TLS for the uplink: with <c>ca</c> set, the server's certificate must chain to that CA alone (the
/// system's CAs are not consulted: pinning) and name the host; without it, the system's CAs decide.
/// A client certificate and key (PEM) authenticate the box where the broker asks for one.
/// </summary>
internal static class UplinkTls
{
    public static MqttClientTlsOptions Configure(string caPath, string certPath, string keyPath, string host)
    {
        var builder = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithTargetHost(host);
        if (caPath.Length > 0)
        {
            var ca = LoadCa(caPath);
            builder.WithCertificateValidationHandler(args => Validate(ca, args.Certificate, args.SslPolicyErrors));
        }

        if (certPath.Length > 0)
        {
            builder.WithClientCertificates([LoadClientCertificate(certPath, keyPath)]);
        }

        return builder.Build();
    }

    public static X509Certificate2 LoadCa(string path)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new UplinkException($"CA certificate {path}: {ex.Message}");
        }
    }

    private static X509Certificate2 LoadClientCertificate(string certPath, string keyPath)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);

            // SslStream on Linux wants the key in a PKCS#12 round trip for client authentication.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new UplinkException($"client certificate {certPath} with key {keyPath}: {ex.Message}");
        }
    }

    /// <summary>The server's certificate names the host and chains to <paramref name="ca"/>, and to nothing else.</summary>
    public static bool Validate(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
