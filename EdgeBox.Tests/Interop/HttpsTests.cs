using System.Net;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The HTTPS listener of the published AOT binary against curl and openssl s_client, on loopback:
/// the self-signed certificate a client is told to trust (chain and name checked, never <c>-k</c>),
/// that it survives a restart, a certificate made with openssl, the HTTP to HTTPS redirect, and the
/// start-up errors. Only the health check and the console files are asked for: the rest of the API
/// may require a login.
/// </summary>
public sealed class HttpsTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();
    private readonly List<EdgeBoxProcess> _processes = [];
    private string _binary = "";

    private string Data => _dir.File("data");

    private string SelfSignedCertificate => Path.Combine(Data, "tls", "edgebox.crt");

    public async Task InitializeAsync() => _binary = await AotBinary.PathAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _dir.Dispose();
    }

    private static Dictionary<string, string?> HttpsEnvironment(bool redirect = false)
    {
        var environment = EdgeBoxProcess.LoopbackEnvironment();
        environment["EDGEBOX_HTTPS_ENABLED"] = "true";
        environment["EDGEBOX_HTTPS_REDIRECT"] = redirect ? "true" : "false";
        return environment;
    }

    /// <summary>Starts EdgeBox with HTTPS on and waits for both listeners; returns it and its HTTPS base URL.</summary>
    private async Task<(EdgeBoxProcess Process, Uri Https)> StartAsync(bool redirect = false, params string[] extra)
    {
        var process = EdgeBoxProcess.Start(_binary, ["run", "--data", Data, .. extra], HttpsEnvironment(redirect));
        _processes.Add(process);
        await process.WaitForHttpAsync();
        return (process, process.HttpsAddress ?? throw new InvalidOperationException("no 'Listening for https' line:\n" + process.Output));
    }

    /// <summary>curl with a time limit; fails the test when curl fails. Returns the lines it printed (line ends dropped).</summary>
    private static async Task<string[]> CurlAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(Bound, "curl", ["--silent", "--show-error", "--max-time", "10", .. arguments]);
        Assert.True(code == 0, $"curl {string.Join(' ', arguments)} exited with {code}: {stderr}");
        return stdout.Split('\n').Select(line => line.TrimEnd('\r')).ToArray()[..^1];
    }

    /// <summary>GETs <paramref name="url"/> with curl (options <paramref name="extra"/>); returns the status code and the body.</summary>
    private static async Task<(int Status, string Body)> GetAsync(string url, params string[] extra)
    {
        string[] lines = await CurlAsync([.. extra, "--write-out", "\n%{http_code}", url]);
        return (int.Parse(lines[^1], System.Globalization.CultureInfo.InvariantCulture), string.Join('\n', lines[..^1]));
    }

    /// <summary>GETs <paramref name="url"/> trusting only <paramref name="trusted"/> (the chain and the name are checked).</summary>
    private static Task<(int Status, string Body)> GetTrustingAsync(string trusted, string url, params string[] extra) =>
        GetAsync(url, ["--cacert", trusted, .. extra]);

    [Fact]
    public async Task Self_signed_certificate_is_generated_trusted_by_curl_and_kept_across_restarts()
    {
        var (first, https) = await StartAsync();

        var (status, body) = await GetTrustingAsync(SelfSignedCertificate, new Uri(https, "/api/v1/health").ToString());
        Assert.Equal(200, status);
        Assert.Contains("\"status\"", body, StringComparison.Ordinal);

        // The name is checked too: localhost is in the certificate (curl connects to 127.0.0.1 by it).
        (status, body) = await GetTrustingAsync(SelfSignedCertificate, $"https://localhost:{https.Port}/", "--resolve", $"localhost:{https.Port}:127.0.0.1");
        Assert.Equal(200, status);
        Assert.Contains("<title>EdgeBox", body, StringComparison.Ordinal);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Data, "tls", "edgebox.key")));
        string fingerprint = await OpenSsl.FingerprintAsync(SelfSignedCertificate);
        Assert.Equal(fingerprint, await OpenSsl.ServedFingerprintAsync(https, _dir.Path));
        Assert.Contains("Generated a self-signed HTTPS certificate", first.Output, StringComparison.Ordinal);
        Assert.Contains($"SHA-256 fingerprint {fingerprint}", first.Output, StringComparison.Ordinal);

        first.Signal(EdgeBoxProcess.SIGTERM);
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(5)), "did not stop:\n" + first.Output);

        var (second, again) = await StartAsync();
        Assert.Equal(fingerprint, await OpenSsl.ServedFingerprintAsync(again, _dir.Path));
        Assert.DoesNotContain("Generated a self-signed", second.Output, StringComparison.Ordinal);
        (status, _) = await GetTrustingAsync(SelfSignedCertificate, new Uri(again, "/api/v1/health").ToString());
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Certificate_made_with_openssl_is_served()
    {
        var (certificate, key) = await OpenSsl.SelfSignedAsync(_dir.Path, "box");
        string config = _dir.File("edgebox.yml");
        await File.WriteAllTextAsync(config, $"https: {{ enabled: true, certificate: '{certificate}', key: '{key}' }}\n");

        var (process, https) = await StartAsync(false, "--config", config);

        var (status, body) = await GetTrustingAsync(certificate, new Uri(https, "/ui/app.js").ToString());
        Assert.Equal(200, status);
        Assert.Contains("/api/v1/health", body, StringComparison.Ordinal);
        string fingerprint = await OpenSsl.FingerprintAsync(certificate);
        Assert.Equal(fingerprint, await OpenSsl.ServedFingerprintAsync(https, _dir.Path));
        Assert.Contains($"({"configured"})", process.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Data, "tls")));
    }

    [Fact]
    public async Task Redirect_sends_http_to_https_but_the_health_check()
    {
        var (process, https) = await StartAsync(redirect: true);
        var http = process.BaseAddress!;

        string[] headers = await CurlAsync("--head", new Uri(http, "/ui/app.js").ToString());
        Assert.StartsWith("HTTP/1.1 308", headers[0], StringComparison.Ordinal);
        Assert.Contains($"location: https://127.0.0.1:{https.Port}/ui/app.js", headers, StringComparer.OrdinalIgnoreCase);

        headers = await CurlAsync("--head", $"http://localhost:{http.Port}/ui/app.js?v=2", "--resolve", $"localhost:{http.Port}:127.0.0.1");
        Assert.Contains($"location: https://localhost:{https.Port}/ui/app.js?v=2", headers, StringComparer.OrdinalIgnoreCase);

        var (status, body) = await GetAsync(new Uri(http, "/api/v1/health").ToString());
        Assert.Equal(200, status);
        Assert.Contains("\"status\"", body, StringComparison.Ordinal);

        // A client that follows the redirect and trusts the certificate lands on the console.
        (status, body) = await GetTrustingAsync(SelfSignedCertificate, new Uri(http, "/").ToString(), "--location");
        Assert.Equal(200, status);
        Assert.Contains("<title>EdgeBox", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_certificate_file_is_a_config_error_at_start()
    {
        string config = _dir.File("edgebox.yml");
        await File.WriteAllTextAsync(config, $"https:\n  enabled: true\n  certificate: {_dir.File("none.crt")}\n  key: {_dir.File("none.key")}\n");
        var (code, output) = await EdgeBoxProcess.RunToEndAsync(_binary, ["run", "--config", config, "--data", Data], EdgeBoxProcess.LoopbackEnvironment());
        Assert.Equal(1, code);
        Assert.Contains($"https.certificate (line 3): cannot read {_dir.File("none.crt")}: no such file or directory", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unwritable_certificate_folder_is_one_line_and_exit_1()
    {
        Directory.CreateDirectory(Data);
        await File.WriteAllTextAsync(Path.Combine(Data, "tls"), "a file where the folder goes");
        var (code, output) = await EdgeBoxProcess.RunToEndAsync(_binary, ["run", "--data", Data], HttpsEnvironment());
        Assert.Equal(1, code);
        string line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("edgebox:", StringComparison.Ordinal));
        Assert.StartsWith("edgebox: https: cannot write the self-signed certificate to", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Taken_https_port_is_one_error_line_and_exit_1()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var environment = HttpsEnvironment();
        environment["EDGEBOX_HTTPS_ADDRESS"] = taken.LocalEndpoint.ToString();

        var (code, output) = await EdgeBoxProcess.RunToEndAsync(_binary, ["run", "--data", Data], environment);

        Assert.Equal(1, code);
        Assert.Contains($"edgebox: cannot listen on https {taken.LocalEndpoint}", output, StringComparison.Ordinal);
        Assert.Contains("address already in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
