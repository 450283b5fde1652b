namespace EdgeBox.Tests.Infrastructure;

/// <summary>Certificates made with the <c>openssl</c> command line, the way a user makes them for EdgeBox.</summary>
internal static class OpenSsl
{
    /// <summary>
    /// <c>openssl req -x509</c>: a self-signed certificate for localhost and 127.0.0.1 with an unencrypted
    /// key (ECDSA P-256, or RSA 2048), as <c>NAME.crt</c> and <c>NAME.key</c> in <paramref name="directory"/>.
    /// </summary>
    public static async Task<(string Certificate, string Key)> SelfSignedAsync(string directory, string name, bool rsa = false)
    {
        string certificate = Path.Combine(directory, name + ".crt");
        string key = Path.Combine(directory, name + ".key");
        string[] newKey = rsa ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
        await RunAsync(["req", "-x509", .. newKey, "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]);
        return (certificate, key);
    }

    /// <summary>A CA (<c>NAME.crt</c>, <c>NAME.key</c>, ECDSA P-256) for <see cref="IssueAsync"/>.</summary>
    public static async Task<(string Certificate, string Key)> CertificateAuthorityAsync(string directory, string name)
    {
        string certificate = Path.Combine(directory, name + ".crt");
        string key = Path.Combine(directory, name + ".key");
        await RunAsync(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "2", "-subj", $"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        return (certificate, key);
    }

    /// <summary>
    /// A certificate for <paramref name="commonName"/> (valid for localhost and 127.0.0.1 too) issued by
    /// <paramref name="ca"/>, as <c>NAME.crt</c> and <c>NAME.key</c>: a broker's or a client's.
    /// </summary>
    public static async Task<(string Certificate, string Key)> IssueAsync(string directory, string name, string commonName, (string Certificate, string Key) ca)
    {
        string certificate = Path.Combine(directory, name + ".crt");
        string key = Path.Combine(directory, name + ".key");
        string request = Path.Combine(directory, name + ".csr");
        string extensions = Path.Combine(directory, name + ".ext");
        await File.WriteAllTextAsync(extensions, "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
        await RunAsync(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", request, "-subj", $"/CN={commonName}"]);
        await RunAsync(["x509", "-req", "-in", request, "-CA", ca.Certificate, "-CAkey", ca.Key, "-CAcreateserial", "-out", certificate, "-days", "2",
            "-extfile", extensions]);
        return (certificate, key);
    }

    /// <summary>The certificate's SHA-256 fingerprint as <c>openssl x509 -fingerprint -sha256</c> prints it: <c>AB:CD:...</c>.</summary>
    public static async Task<string> FingerprintAsync(string certificate)
    {
        string output = (await RunAsync(["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"])).Trim();
        return output[(output.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    /// <summary>
    /// The SHA-256 fingerprint of the certificate a TLS server presents, as <c>openssl s_client</c> receives
    /// it (asking for <c>localhost</c> by SNI); the PEM it printed is kept in <paramref name="directory"/>.
    /// </summary>
    public static async Task<string> ServedFingerprintAsync(Uri server, string directory)
    {
        const string Begin = "-----BEGIN CERTIFICATE-----", End = "-----END CERTIFICATE-----";
        await using var client = ExternalProcess.Start("openssl", "s_client", "-connect", $"{server.Host}:{server.Port}", "-servername", "localhost");
        client.CloseStandardInput(); // EOF on stdin: s_client prints the handshake, closes and quits
        Assert.True(await client.WaitForExitAsync(TimeSpan.FromSeconds(15)), "openssl s_client did not finish:\n" + client.StandardError);
        string output = client.StandardOutput;
        int begin = output.IndexOf(Begin, StringComparison.Ordinal), end = output.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"no certificate from {server}:\n{output}\n{client.StandardError}");
        string file = Path.Combine(directory, $"served-{Guid.NewGuid():N}.crt");
        await File.WriteAllTextAsync(file, output[begin..(end + End.Length)] + "\n");
        return await FingerprintAsync(file);
    }

    /// <summary>
    /// <c>openssl genpkey</c> with <paramref name="algorithm"/> (e.g. <c>-algorithm ed25519</c>), then
    /// <c>openssl pkey -pubout</c>: the private key (PKCS#8 PEM) as <c>NAME.key</c> and its public key
    /// (SubjectPublicKeyInfo PEM) as <c>NAME.pub</c> in <paramref name="directory"/>.
    /// </summary>
    public static async Task<(string PrivateKey, string PublicKey)> KeyPairAsync(string directory, string name, params string[] algorithm)
    {
        string privateKey = Path.Combine(directory, name + ".key");
        string publicKey = Path.Combine(directory, name + ".pub");
        await RunAsync(["genpkey", .. algorithm, "-out", privateKey]);
        await RunAsync("pkey", "-in", privateKey, "-pubout", "-out", publicKey);
        return (privateKey, publicKey);
    }

    /// <summary>Runs openssl to completion (30 s at most); fails the test when it fails. Returns its stdout.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(30), "openssl", arguments);
        Assert.True(code == 0, $"openssl {string.Join(' ', arguments)} exited with {code}:\n{stderr}");
        return stdout;
    }
}
