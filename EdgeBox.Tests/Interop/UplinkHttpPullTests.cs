using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// HTTPS pull mode (<c>uplink.http</c>) against a small config server in the test: the box fetches the
/// desired document, applies it, reports to <c>reportUrl</c>, then asks with <c>If-None-Match</c> and is
/// answered 304 until the document changes. Over plain HTTP, and over HTTPS with a self-signed
/// certificate the box pins (<c>ca</c>). Loopback only.
/// </summary>
public sealed class UplinkHttpPullTests(ITestOutputHelper testOutput) : IClassFixture<AotBinaryPublished>
{
    /// <summary>One request the server answered: method, path, If-None-Match, status.</summary>
    private sealed record Served(string Method, string Path, string? IfNoneMatch, int Status);

    /// <summary>
    /// A one-connection-at-a-time HTTP/1.1 server on 127.0.0.1 (TLS with a certificate): <c>GET /desired</c>
    /// serves the document with its ETag (304 when If-None-Match has it), <c>POST /report</c> keeps the body.
    /// </summary>
    private sealed class ConfigServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly X509Certificate2? _certificate;
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _gate = new();
        private readonly List<Served> _served = [];
        private readonly List<string> _reports = [];
        private readonly Task _serving;
        private (string Document, string ETag) _desired = ("", "");

        public ConfigServer(X509Certificate2? certificate)
        {
            _certificate = certificate;
            _listener.Start();
            _serving = ServeAsync();
        }

        public Uri Url => new($"{(_certificate is null ? "http" : "https")}://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        public IReadOnlyList<Served> Served
        {
            get
            {
                lock (_gate)
                {
                    return [.. _served];
                }
            }
        }

        public IReadOnlyList<JsonElement> Reports
        {
            get
            {
                lock (_gate)
                {
                    return _reports.Select(r => JsonDocument.Parse(r).RootElement.Clone()).ToList();
                }
            }
        }

        /// <summary>The document for <c>device/box-h</c> at <paramref name="version"/>, adding the path <paramref name="path"/>, tagged <c>"vVERSION"</c>.</summary>
        public void Publish(string version, string path)
        {
            lock (_gate)
            {
                _desired = ($"version: \"{version}\"\ntarget: device/box-h\nconfig:\n  paths:\n    {path}: {{ source: publisher }}\n", $"\"v{version}\"");
            }
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    await using var network = client.GetStream();
                    Stream stream = network;
                    if (_certificate is not null)
                    {
                        var tls = new SslStream(network);
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                        stream = tls;
                    }

                    await using (stream)
                    {
                        await AnswerAsync(stream);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException)
                {
                    // A client that went away mid-request: the next one is served.
                }
            }
        }

        private async Task AnswerAsync(Stream stream)
        {
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                await stream.ReadExactlyAsync(one, _stop.Token);
                head.Append((char)one[0]);
            }

            string[] lines = head.ToString().Split("\r\n");
            string[] request = lines[0].Split(' ');
            string? Header(string name) => lines.Skip(1).Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
                .Select(l => l[(name.Length + 1)..].Trim()).FirstOrDefault();
            var body = new byte[int.Parse(Header("Content-Length") ?? "0", CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body, _stop.Token);

            string? ifNoneMatch = Header("If-None-Match");
            int status;
            string extra = "", content = "";
            lock (_gate)
            {
                (status, extra, content) = (request[0], request[1]) switch
                {
                    ("GET", "/desired") when ifNoneMatch == _desired.ETag => (304, $"ETag: {_desired.ETag}\r\n", ""),
                    ("GET", "/desired") => (200, $"ETag: {_desired.ETag}\r\nContent-Type: application/yaml\r\n", _desired.Document),
                    ("POST", "/report") => (204, "", ""),
                    _ => (404, "", ""),
                };
                if (status == 204)
                {
                    _reports.Add(Encoding.UTF8.GetString(body));
                }

                _served.Add(new Served(request[0], request[1], ifNoneMatch, status));
            }

            byte[] payload = Encoding.UTF8.GetBytes(content);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\n{extra}Content-Length: {payload.Length}\r\nConnection: close\r\n\r\n"), _stop.Token);
            await stream.WriteAsync(payload, _stop.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving;
            _stop.Dispose();
            _certificate?.Dispose();
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_box_applies_the_document_reports_it_polls_with_If_None_Match_for_304s_and_applies_a_changed_one(bool https)
    {
        using var files = new TempDirectory();
        string ca = "";
        X509Certificate2? certificate = null;
        if (https)
        {
            var (crt, key) = await OpenSsl.SelfSignedAsync(files.Path, "fleet");
            certificate = X509Certificate2.CreateFromPemFile(crt, key);
            ca = $", ca: '{crt}'";
        }

        await using var server = new ConfigServer(certificate);
        server.Publish("1", "pulled1");
        await using var box = await RtspTestServer.StartWithConfigAsync(UplinkFleet.Config(null, "box-h",
            uplink: $"http: {{ configUrl: '{server.Url}desired', reportUrl: '{server.Url}report', interval: 1s{ca} }}"));
        string Logs() => $"served: {string.Join(", ", server.Served)}\n" + UplinkFleet.Logs(box.Process, null);

        async Task<JsonElement> AppliedAsync(string version, string path)
        {
            await UplinkFleet.WaitForAsync(async () => (await UplinkFleet.PathNamesAsync(box.Http, box.Api)).Contains(path), TimeSpan.FromSeconds(15),
                () => $"{path} not added\n{Logs()}");
            await UplinkFleet.WaitForAsync(() => Task.FromResult(server.Reports.Any(r => r.GetProperty("appliedVersion").GetString() == "device/box-h@" + version)),
                TimeSpan.FromSeconds(10), () => $"no report of {version}\n{Logs()}");
            return server.Reports[^1];
        }

        // Applied and reported, then asked for again with the tag it came with: 304s.
        var report = await AppliedAsync("1", "pulled1");
        Assert.Equal("applied", report.GetProperty("result").GetString());
        Assert.Equal("box-h", report.GetProperty("device").GetString());
        await UplinkFleet.WaitForAsync(() => Task.FromResult(server.Served.Count(s => s.Status == 304) >= 3), TimeSpan.FromSeconds(10), Logs);
        var polls = server.Served.Where(s => s.Method == "GET").ToList();
        Assert.Equal((200, (string?)null), (polls[0].Status, polls[0].IfNoneMatch));
        Assert.All(polls.Skip(1), p => Assert.Equal(("\"v1\"", 304), (p.IfNoneMatch, p.Status)));

        // A new document (new tag): applied again, the first one's path gone with its version.
        server.Publish("2", "pulled2");
        report = await AppliedAsync("2", "pulled2");
        Assert.Equal("applied", report.GetProperty("result").GetString());
        Assert.DoesNotContain("pulled1", await UplinkFleet.PathNamesAsync(box.Http, box.Api));
        int served = server.Served.Count;
        await UplinkFleet.WaitForAsync(() => Task.FromResult(server.Served.Skip(served).Count(s => s.Status == 304) >= 2), TimeSpan.FromSeconds(10), Logs);
        Assert.All(server.Served.Skip(served), s => Assert.Equal(("\"v2\"", 304), (s.IfNoneMatch, s.Status)));
        testOutput.WriteLine(string.Join("\n", server.Served));
        Assert.Equal(2, server.Reports.Count); // one report a document, none for a 304
        Assert.Contains("local1", await UplinkFleet.PathNamesAsync(box.Http, box.Api));
    }
}
