using EdgeBox.Configuration;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Configuration;

/// <summary>The <c>https</c> section: reading, environment overrides, the rules across its keys, and the certificate files checked at load.</summary>
public sealed class HttpsConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ConfigLoadResult Load(string yaml, Dictionary<string, string>? env = null) => ConfigLoader.Load(yaml, env);

    private static ConfigError SingleError(string yaml)
    {
        var result = Load(yaml);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Https_is_off_by_default_with_a_self_signed_certificate_on_port_8443()
    {
        var https = Load("").Config!.Https;
        Assert.False(https.Enabled);
        Assert.Equal("0.0.0.0:8443", https.Address);
        Assert.Equal(("", ""), (https.Certificate, https.Key));
        Assert.False(https.Redirect);
        Assert.True(https.IsSelfSigned);
    }

    [Fact]
    public void Every_key_reads_and_a_self_signed_listener_needs_no_file()
    {
        var result = Load("https: { enabled: true, address: 127.0.0.1:9443, redirect: true, certificate: , key: '' }");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var https = result.Config!.Https;
        Assert.True(https.Enabled);
        Assert.Equal("127.0.0.1:9443", https.Address);
        Assert.True(https.Redirect);
        Assert.True(https.IsSelfSigned);
    }

    [Fact]
    public void Missing_files_are_an_error_with_the_line_only_when_https_is_on()
    {
        Assert.True(Load("https: { enabled: false, certificate: /nonexistent/a.crt, key: /nonexistent/a.key }").IsValid);

        var error = SingleError("https:\n  enabled: true\n  certificate: /nonexistent/a.crt\n  key: /nonexistent/a.key\n");
        Assert.Equal(("https.certificate", 3), (error.Path, error.Line));
        Assert.Contains("/nonexistent/a.crt", error.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pair_from_openssl_is_accepted_with_paths_relative_to_the_data_directory()
    {
        string data = _dir.File("data");
        Directory.CreateDirectory(Path.Combine(data, "certs"));
        await OpenSsl.SelfSignedAsync(Path.Combine(data, "certs"), "box");

        var result = Load($"data: {data}\nhttps: {{ enabled: true, certificate: certs/box.crt, key: certs/box.key }}");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public async Task A_key_of_another_certificate_is_an_error_on_the_key()
    {
        var (certificate, _) = await OpenSsl.SelfSignedAsync(_dir.Path, "one");
        var (_, otherKey) = await OpenSsl.SelfSignedAsync(_dir.Path, "two");

        var error = SingleError($"https:\n  enabled: true\n  certificate: {certificate}\n  key: {otherKey}\n");
        Assert.Equal(("https.key", 4), (error.Path, error.Line));
        Assert.Contains("is not the private key of the certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_pem_is_an_error_on_the_certificate()
    {
        File.WriteAllText(_dir.File("junk.crt"), "not a certificate\n");
        File.WriteAllText(_dir.File("junk.key"), "not a key\n");
        var error = SingleError($"https: {{ enabled: true, certificate: {_dir.File("junk.crt")}, key: {_dir.File("junk.key")} }}");
        Assert.Equal("https.certificate", error.Path);
        Assert.Contains("holds no PEM certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_https_change_requires_a_restart()
    {
        var before = Load("").Config!;
        foreach (string yaml in new[] { "https: { enabled: true }", "https: { address: ':9443' }", "https: { enabled: true, redirect: true }" })
        {
            var change = Assert.Single(ConfigDiff.Compute(before, Load(yaml).Config!));
            Assert.Equal("https", change.Key);
            Assert.True(change.RequiresRestart);
        }
    }

    [Fact]
    public void Written_https_section_reads_back_equal()
    {
        var first = Load("https: { enabled: false, address: '[::]:9443', certificate: /etc/edgebox/box.crt, key: /etc/edgebox/box.key, redirect: false }").Config!;
        string written = ConfigWriter.Write(first);
        var second = Load(written);
        Assert.True(second.IsValid, written + "\n" + string.Join("\n", second.Errors));
        Assert.Equal(first.Https, second.Config!.Https);
    }
}
