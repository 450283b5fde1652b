using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeBox.Protocols.WebRtc.Dtls;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Our DTLS-SRTP endpoint against OpenSSL's s_client and s_server over real UDP sockets on loopback,
/// in both roles: the same SRTP keying material on both sides (OpenSSL prints what it exported with
/// -keymatexport), mutual certificate authentication, close_notify either way, and refusals.
/// </summary>
public sealed class DtlsOpensslTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly DtlsCertificate OurCertificate = DtlsCertificate.CreateEphemeral(TimeProvider.System);

    private readonly TempDirectory _dir = new();
    private readonly Lazy<Task<DtlsFingerprint>> _opensslCertificate;

    public DtlsOpensslTests() => _opensslCertificate = new Lazy<Task<DtlsFingerprint>>(CreateOpensslCertificateAsync);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("SRTP_AES128_CM_SHA1_80", SrtpKeyMaterial.Aes128CmHmacSha1_80)]
    [InlineData("SRTP_AEAD_AES_128_GCM", SrtpKeyMaterial.AeadAes128Gcm)]
    public async Task Openssl_s_client_and_our_server_export_the_same_srtp_keys(string profileName, int profileId)
    {
        using var server = new UdpDtlsEndpoint(isServer: true, await _opensslCertificate.Value, peer: null);
        var handshake = server.Endpoint.HandshakeAsync(CancellationToken.None);
        await using var client = StartClient(server.Port, profileName, SrtpKeyMaterial.ExportLength(profileId));

        var keys = await handshake.WaitAsync(Bound);
        Assert.Equal(profileId, keys.ProfileId);
        byte[] printed = await KeyingMaterialAsync(client);
        Assert.Equal(Concat(keys.RemoteKey, keys.LocalKey, keys.RemoteSalt, keys.LocalSalt), printed);

        // EOF on its stdin makes s_client send close_notify and quit.
        Assert.False(server.Endpoint.Closed.IsCompleted);
        client.CloseStandardInput();
        await server.Endpoint.Closed.WaitAsync(Bound);
        Assert.True(await client.WaitForExitAsync(Bound));
    }

    [Theory]
    [InlineData("SRTP_AES128_CM_SHA1_80", SrtpKeyMaterial.Aes128CmHmacSha1_80)]
    [InlineData("SRTP_AEAD_AES_128_GCM", SrtpKeyMaterial.AeadAes128Gcm)]
    public async Task Our_client_and_openssl_s_server_export_the_same_srtp_keys(string profileName, int profileId)
    {
        var fingerprint = await _opensslCertificate.Value;
        await using var server = ExternalProcess.Start("openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:0", "-naccept", "1",
            "-cert", _dir.File("c.pem"), "-key", _dir.File("k.pem"), "-Verify", "1", "-use_srtp", profileName,
            "-keymatexport", SrtpKeyMaterial.ExporterLabel, "-keymatexportlen", SrtpKeyMaterial.ExportLength(profileId).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(await server.WaitForOutputAsync("ACCEPT", Bound), server.StandardError);
        string accept = server.StandardOutput.Split('\n').First(line => line.StartsWith("ACCEPT", StringComparison.Ordinal));
        int port = int.Parse(accept[(accept.LastIndexOf(':') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);

        using (var client = new UdpDtlsEndpoint(isServer: false, fingerprint, new IPEndPoint(IPAddress.Loopback, port)))
        {
            var keys = await client.Endpoint.HandshakeAsync(CancellationToken.None).WaitAsync(Bound);
            Assert.Equal(profileId, keys.ProfileId);
            byte[] printed = await KeyingMaterialAsync(server);
            Assert.Equal(Concat(keys.LocalKey, keys.RemoteKey, keys.LocalSalt, keys.RemoteSalt), printed);

            // s_server asked for our certificate (-Verify) and printed the one it got.
            Assert.True(await server.WaitForOutputAsync("-----END CERTIFICATE-----", Bound), server.StandardOutput);
            Assert.Equal(OurCertificate.Fingerprint, PrintedCertificateFingerprint(server.StandardOutput));
        }

        // Disposing sent close_notify: s_server ends the connection and, after -naccept 1, exits.
        Assert.True(await server.WaitForExitAsync(Bound), server.StandardOutput + server.StandardError);
        Assert.Contains("DONE", server.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_aes_cbc_suite_with_encrypt_then_mac_works_and_stray_records_do_not_end_it()
    {
        using var server = new UdpDtlsEndpoint(isServer: true, await _opensslCertificate.Value, peer: null);
        var handshake = server.Endpoint.HandshakeAsync(CancellationToken.None);
        await using var client = StartClient(server.Port, "SRTP_AES128_CM_SHA1_80", 60, "-cipher", "ECDHE-ECDSA-AES128-SHA");

        var keys = await handshake.WaitAsync(Bound);
        Assert.Equal(Concat(keys.RemoteKey, keys.LocalKey, keys.RemoteSalt, keys.LocalSalt), await KeyingMaterialAsync(client));
        Assert.Contains("ECDHE-ECDSA-AES128-SHA", client.StandardOutput, StringComparison.Ordinal);

        // Epoch-1 records of every length up to a few blocks: too short, misaligned, or whole blocks
        // with a MAC that cannot verify. None may end the association.
        for (int length = 0; length < 100; length++)
        {
            byte[] record = new byte[13 + length];
            RandomNumberGenerator.Fill(record);
            record[0] = 23;
            record[1] = 0xFE;
            record[2] = 0xFD;
            record[3] = 0;
            record[4] = 1;
            record[11] = 0;
            record[12] = (byte)length;
            server.Endpoint.Receive(record);
            Assert.True(SpinWait.SpinUntil(() => server.Endpoint.QueuedDatagrams == 0, Bound));
        }

        Assert.False(server.Endpoint.Closed.IsCompleted);
        client.CloseStandardInput();
        await server.Endpoint.Closed.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_client_whose_certificate_is_not_in_the_sdp_is_refused()
    {
        _ = await _opensslCertificate.Value;
        var notTheClients = DtlsFingerprint.Compute(DtlsFingerprint.Sha256, OurCertificate.CertificateDer);
        using var server = new UdpDtlsEndpoint(isServer: true, notTheClients, peer: null);
        var handshake = server.Endpoint.HandshakeAsync(CancellationToken.None);
        await using var client = StartClient(server.Port, "SRTP_AES128_CM_SHA1_80", 60);

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Bound));
        Assert.Equal(DtlsFailure.FingerprintMismatch, error.Reason);
        Assert.True(await client.WaitForExitAsync(Bound));
        Assert.Contains("bad certificate", client.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_without_use_srtp_is_refused()
    {
        using var server = new UdpDtlsEndpoint(isServer: true, await _opensslCertificate.Value, peer: null);
        var handshake = server.Endpoint.HandshakeAsync(CancellationToken.None);
        await using var client = ExternalProcess.Start("openssl", "s_client", "-dtls1_2", "-connect", $"127.0.0.1:{server.Port}",
            "-cert", _dir.File("c.pem"), "-key", _dir.File("k.pem"));

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Bound));
        Assert.Equal(DtlsFailure.NoSrtpProfile, error.Reason);
        Assert.True(await client.WaitForExitAsync(Bound));
        Assert.Contains("handshake failure", client.StandardError, StringComparison.Ordinal);
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    /// <summary>The hex after "Keying material:" that -keymatexport prints once the handshake is done.</summary>
    private static async Task<byte[]> KeyingMaterialAsync(ExternalProcess process)
    {
        const string Marker = "Keying material:";
        Assert.True(await process.WaitForOutputAsync(Marker, Bound), process.StandardOutput + process.StandardError);
        string line = process.StandardOutput.Split('\n').First(l => l.Contains(Marker, StringComparison.Ordinal));
        return Convert.FromHexString(line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim());
    }

    private static string PrintedCertificateFingerprint(string output)
    {
        const string Begin = "-----BEGIN CERTIFICATE-----";
        int start = output.IndexOf(Begin, StringComparison.Ordinal);
        var fields = PemEncoding.Find(output.AsSpan(start));
        byte[] der = Convert.FromBase64String(output.AsSpan(start)[fields.Base64Data].ToString());
        return DtlsFingerprint.Compute(DtlsFingerprint.Sha256, der).ToString();
    }

    private ExternalProcess StartClient(int port, string profileName, int exportLength, params string[] extra) =>
        ExternalProcess.Start("openssl",
        [
            "s_client", "-dtls1_2", "-connect", $"127.0.0.1:{port}", "-cert", _dir.File("c.pem"), "-key", _dir.File("k.pem"),
            "-use_srtp", profileName, "-keymatexport", SrtpKeyMaterial.ExporterLabel,
            "-keymatexportlen", exportLength.ToString(System.Globalization.CultureInfo.InvariantCulture), .. extra,
        ]);

    /// <summary>An ECDSA P-256 certificate for OpenSSL, and its fingerprint as OpenSSL computes it.</summary>
    private async Task<DtlsFingerprint> CreateOpensslCertificateAsync()
    {
        var (code, _, error) = await ExternalProcess.RunAsync(Bound, "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=openssl-peer", "-days", "2",
            "-keyout", _dir.File("k.pem"), "-out", _dir.File("c.pem"));
        Assert.True(code == 0, error);

        // OpenSSL 3 prints "sha256 Fingerprint=AB:...", 1.1 "SHA256 Fingerprint=AB:...".
        var (_, output, _) = await ExternalProcess.RunAsync(Bound, "openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", _dir.File("c.pem"));
        Assert.True(DtlsFingerprint.TryParse("sha-256 " + output[(output.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim(), out var fingerprint), output);
        return fingerprint;
    }

    /// <summary>Our endpoint on a UDP socket, as the ICE mux will drive it: datagrams in, datagrams out, one peer.</summary>
    private sealed class UdpDtlsEndpoint : IDisposable
    {
        private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new();
        private IPEndPoint? _peer;

        /// <param name="peer">Where to send; null for a server, which answers whoever sent the first datagram.</param>
        public UdpDtlsEndpoint(bool isServer, DtlsFingerprint remote, IPEndPoint? peer)
        {
            _peer = peer;
            Endpoint = new DtlsEndpoint(OurCertificate, isServer, remote, Send, TimeProvider.System);
            _ = ReceiveLoopAsync();
        }

        public DtlsEndpoint Endpoint { get; }

        public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

        public void Dispose()
        {
            Endpoint.Dispose();
            _stop.Cancel();
            _udp.Dispose();
            _stop.Dispose();
        }

        private void Send(ReadOnlyMemory<byte> datagram)
        {
            if (Volatile.Read(ref _peer) is { } peer)
            {
                _udp.Send(datagram.Span, peer);
            }
        }

        private async Task ReceiveLoopAsync()
        {
            try
            {
                while (true)
                {
                    var result = await _udp.ReceiveAsync(_stop.Token);
                    Interlocked.CompareExchange(ref _peer, result.RemoteEndPoint, null);
                    Endpoint.Receive(result.Buffer);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Disposed.
            }
        }
    }
}
