using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The uplink over TLS to a real Mosquitto that wants client certificates (<c>require_certificate</c>):
/// the box pins the fleet's CA and presents its own certificate; the fleet CLI does the same. A box
/// that pins another CA never connects, and says why.
/// </summary>
public sealed class UplinkTlsTests : IAsyncLifetime
{
    private readonly TempDirectory _pki = new();
    private (string Certificate, string Key) _ca;
    private (string Certificate, string Key) _box;
    private (string Certificate, string Key) _operator;
    private MosquittoBroker _broker = null!;

    private string Url => $"mqtts://127.0.0.1:{_broker.Port}";

    public async Task InitializeAsync()
    {
        _ca = await OpenSsl.CertificateAuthorityAsync(_pki.Path, "fleet-ca");
        var server = await OpenSsl.IssueAsync(_pki.Path, "broker", "broker", _ca);
        _box = await OpenSsl.IssueAsync(_pki.Path, "box", "tls-box", _ca);
        _operator = await OpenSsl.IssueAsync(_pki.Path, "operator", "operator", _ca);
        _broker = await MosquittoBroker.StartAsync(listenerOptions: $"""
            cafile {_ca.Certificate}
            certfile {server.Certificate}
            keyfile {server.Key}
            require_certificate true
            """);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _pki.Dispose();
    }

    private string BoxConfig(string ca) => $$"""
        uplink:
          mqtt: { url: "{{Url}}", ca: "{{ca}}", clientCert: "{{_box.Certificate}}", clientKey: "{{_box.Key}}" }
          deviceId: tls-box
          groups: [secure]
        """;

    [Fact]
    public async Task A_box_with_the_pinned_ca_and_its_certificate_connects_and_the_cli_sees_it_over_tls()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(BoxConfig(_ca.Certificate));
        await box.Process.WaitForOutputAsync("Uplink connected to mqtts://127.0.0.1", timeoutSeconds: 20);

        string binary = await AotBinary.PathAsync();
        string[] tls = ["--broker", Url, "--ca", _ca.Certificate, "--cert", _operator.Certificate, "--key", _operator.Key];
        var (code, output) = await EdgeBoxProcess.RunToEndAsync(binary, ["fleet", "list", "--json", .. tls]);
        Assert.True(code == 0, output);
        var device = output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(d => d.GetProperty("device").GetString() == "tls-box");
        Assert.Equal("online", device.GetProperty("state").GetProperty("state").GetString());

        string site = Path.Combine(_pki.Path, "site.yml");
        await File.WriteAllTextAsync(site, "paths:\n  securecam: {}\n");
        (code, output) = await EdgeBoxProcess.RunToEndAsync(binary, ["fleet", "push", "--group", "secure", site, "--version", "t1", "--wait", "15", .. tls]);
        Assert.True(code == 0, output + "\n" + box.Process.Output);
        Assert.Contains("tls-box\tapplied", output, StringComparison.Ordinal);
        using var paths = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/paths"));
        Assert.Contains("\"securecam\"", await paths.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_box_that_pins_another_ca_refuses_the_broker_and_logs_why()
    {
        var rogue = await OpenSsl.CertificateAuthorityAsync(_pki.Path, "other-ca");
        await using var box = await RtspTestServer.StartWithConfigAsync(BoxConfig(rogue.Certificate));
        await box.Process.WaitForOutputAsync("Uplink cannot reach mqtts://127.0.0.1", timeoutSeconds: 20);
        Assert.DoesNotContain("Uplink connected", box.Process.Output, StringComparison.Ordinal);

        // Without the CLI's client certificate the broker refuses it, and the CLI says so in one line.
        string binary = await AotBinary.PathAsync();
        var (code, output) = await EdgeBoxProcess.RunToEndAsync(binary, ["fleet", "list", "--broker", Url, "--ca", _ca.Certificate]);
        Assert.Equal(1, code);
        Assert.StartsWith("edgebox: ", output.Trim(), StringComparison.Ordinal);
    }
}
