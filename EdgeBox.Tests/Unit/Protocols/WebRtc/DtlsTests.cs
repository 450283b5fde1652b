using System.Diagnostics;
using EdgeBox.Protocols.WebRtc.Dtls;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Tls;
using Xunit.Abstractions;

namespace EdgeBox.Tests.Unit.Protocols.WebRtc;

/// <summary>
/// DTLS-SRTP between two in-process endpoints wired by their send callbacks: both roles, mirrored SRTP
/// keys, fingerprint checks, garbage on the path, timeouts, closing; the certificate store and the
/// SDP fingerprint codec.
/// </summary>
public sealed class DtlsTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private static readonly DtlsCertificate ServerCertificate = DtlsCertificate.CreateEphemeral(TimeProvider.System);
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.CreateEphemeral(TimeProvider.System);
    private static readonly DtlsCertificate OtherCertificate = DtlsCertificate.CreateEphemeral(TimeProvider.System);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Server_and_client_derive_mirrored_srtp_keys_with_aes_gcm_preferred()
    {
        using var pair = new EndpointPair();
        var (server, client) = await pair.HandshakeAsync();

        Assert.Equal(SrtpKeyMaterial.AeadAes128Gcm, server.ProfileId);
        Assert.Equal(SrtpKeyMaterial.AeadAes128Gcm, client.ProfileId);
        Assert.Equal(16, server.LocalKey.Length);
        Assert.Equal(12, server.LocalSalt.Length);
        Assert.Equal(client.LocalKey, server.RemoteKey);
        Assert.Equal(client.LocalSalt, server.RemoteSalt);
        Assert.Equal(client.RemoteKey, server.LocalKey);
        Assert.Equal(client.RemoteSalt, server.LocalSalt);
        Assert.NotEqual(server.LocalKey, server.RemoteKey);
        Assert.False(pair.Server.Closed.IsCompleted);
        Assert.False(pair.Client.Closed.IsCompleted);
    }

    [Fact]
    public async Task Each_handshake_derives_new_keys()
    {
        using var first = new EndpointPair();
        using var second = new EndpointPair();
        var (a, _) = await first.HandshakeAsync();
        var (b, _) = await second.HandshakeAsync();
        Assert.NotEqual(a.LocalKey, b.LocalKey);
    }

    [Fact]
    public async Task A_handshake_takes_a_few_milliseconds()
    {
        using (var warmUp = new EndpointPair())
        {
            await warmUp.HandshakeAsync();
        }

        var times = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            using var pair = new EndpointPair();
            long start = Stopwatch.GetTimestamp();
            await pair.HandshakeAsync();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        output.WriteLine($"20 in-process DTLS 1.2 handshakes (both sides, ECDHE-ECDSA P-256, mutual auth): median {times[10]:0.0} ms, min {times[0]:0.0} ms, max {times[^1]:0.0} ms");
        Assert.True(times[10] < 500, $"median handshake {times[10]:0.0} ms");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_peer_whose_certificate_is_not_the_one_in_its_sdp_is_refused(bool serverChecks)
    {
        using var pair = serverChecks
            ? new EndpointPair(serverExpects: Fingerprint(OtherCertificate))
            : new EndpointPair(clientExpects: Fingerprint(OtherCertificate));
        var serverTask = pair.Server.HandshakeAsync(CancellationToken.None);
        var clientTask = pair.Client.HandshakeAsync(CancellationToken.None);
        var (checker, other) = serverChecks ? (serverTask, clientTask) : (clientTask, serverTask);

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => checker.WaitAsync(Bound));
        Assert.Equal(DtlsFailure.FingerprintMismatch, error.Reason);
        Assert.Contains((serverChecks ? ClientCertificate : ServerCertificate).Fingerprint, error.Message, StringComparison.Ordinal);
        Assert.Contains(OtherCertificate.Fingerprint, error.Message, StringComparison.Ordinal);

        // The other side learns it from the bad_certificate alert.
        var otherError = await Assert.ThrowsAsync<DtlsHandshakeException>(() => other.WaitAsync(Bound));
        Assert.Equal(DtlsFailure.AlertReceived, otherError.Reason);
        Assert.Contains("bad_certificate", otherError.Message, StringComparison.Ordinal);
        await pair.Server.Closed.WaitAsync(Bound);
        await pair.Client.Closed.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_fingerprint_with_another_hash_function_is_checked_with_that_function()
    {
        var sha1 = DtlsFingerprint.Compute(DtlsFingerprint.Sha1, ClientCertificate.CertificateDer);
        var sha512 = DtlsFingerprint.Compute(DtlsFingerprint.Sha512, ServerCertificate.CertificateDer);
        using var pair = new EndpointPair(serverExpects: sha1, clientExpects: sha512);
        await pair.HandshakeAsync();
    }

    [Fact]
    public async Task Garbage_and_every_prefix_of_the_client_hello_are_dropped_and_the_handshake_completes()
    {
        var random = new Random(5764);
        bool genuineSent = false;
        int serverAnsweredGarbage = 0;
        int clientDatagrams = 0;
        int serverDatagrams = 0;
        DtlsEndpoint? client = null;
        DtlsEndpoint? server = null;
        server = new DtlsEndpoint(ServerCertificate, isServer: true, Fingerprint(ClientCertificate), datagram =>
        {
            if (!Volatile.Read(ref genuineSent))
            {
                Interlocked.Increment(ref serverAnsweredGarbage);
            }

            if (Interlocked.Increment(ref serverDatagrams) == 1)
            {
                // Garbage to the client before the server's first flight.
                FeedDrained(client!, Garbage(random, 40));
            }

            client!.Receive(datagram.Span);
        }, TimeProvider.System);
        client = new DtlsEndpoint(ClientCertificate, isServer: false, Fingerprint(ServerCertificate), datagram =>
        {
            if (Interlocked.Increment(ref clientDatagrams) == 1)
            {
                var hello = datagram.ToArray();
                var junk = Garbage(random, 100);
                for (int length = 0; length < hello.Length; length++)
                {
                    junk.Add(hello[..length]);
                }

                FeedDrained(server, junk);
                Volatile.Write(ref genuineSent, true);
            }

            server.Receive(datagram.Span);
        }, TimeProvider.System);

        try
        {
            var serverTask = server.HandshakeAsync(CancellationToken.None);
            var clientTask = client.HandshakeAsync(CancellationToken.None);
            var serverKeys = await serverTask.WaitAsync(Bound);
            var clientKeys = await clientTask.WaitAsync(Bound);
            Assert.Equal(clientKeys.LocalKey, serverKeys.RemoteKey);
            Assert.Equal(0, serverAnsweredGarbage);

            // Garbage after the handshake (including records that look like epoch-1 DTLS) closes nothing.
            FeedDrained(server, Garbage(random, 50));
            FeedDrained(client, Garbage(random, 50));
            await Task.Delay(100);
            Assert.False(server.Closed.IsCompleted);
            Assert.False(client.Closed.IsCompleted);
        }
        finally
        {
            server.Dispose();
            client.Dispose();
        }
    }

    [Fact]
    public async Task Disposing_one_side_sends_close_notify_and_completes_the_others_closed()
    {
        using var pair = new EndpointPair();
        await pair.HandshakeAsync();
        pair.Server.Dispose();
        await pair.Client.Closed.WaitAsync(Bound);
        Assert.True(pair.Server.Closed.IsCompleted);
    }

    [Fact]
    public async Task The_handshake_times_out_when_the_peer_never_answers()
    {
        var time = new FakeTimeProvider();
        using var server = new DtlsEndpoint(ServerCertificate, isServer: true, Fingerprint(ClientCertificate), _ => { }, time);
        var handshake = server.HandshakeAsync(CancellationToken.None);
        time.Advance(DtlsEndpoint.DefaultHandshakeTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(handshake.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => handshake.WaitAsync(Bound));
        Assert.Equal(DtlsFailure.Timeout, error.Reason);
        Assert.Contains("10 s", error.Message, StringComparison.Ordinal);
        Assert.True(server.Closed.IsCompleted);
    }

    [Fact]
    public async Task A_client_retransmits_its_hello_until_its_short_timeout()
    {
        int sent = 0;
        using var client = new DtlsEndpoint(ClientCertificate, isServer: false, Fingerprint(ServerCertificate),
            _ => Interlocked.Increment(ref sent), TimeProvider.System, TimeSpan.FromMilliseconds(2500));
        long start = Stopwatch.GetTimestamp();

        var error = await Assert.ThrowsAsync<DtlsHandshakeException>(() => client.HandshakeAsync(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(DtlsFailure.Timeout, error.Reason);
        Assert.InRange(Stopwatch.GetElapsedTime(start).TotalSeconds, 2.4, 8);

        // The first ClientHello and its retransmission after BouncyCastle's 1 s timer (the next would
        // come 2 s later; the margin covers a thread pool slow to start the handshake under test load).
        Assert.True(Volatile.Read(ref sent) >= 2, $"{sent} datagrams sent");
    }

    [Fact]
    public async Task Cancellation_ends_the_handshake_with_operation_canceled()
    {
        using var cts = new CancellationTokenSource();
        using var server = new DtlsEndpoint(ServerCertificate, isServer: true, Fingerprint(ClientCertificate), _ => { }, TimeProvider.System);
        var handshake = server.HandshakeAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handshake.WaitAsync(Bound));
    }

    [Fact]
    public async Task Disposing_during_the_handshake_ends_it()
    {
        var server = new DtlsEndpoint(ServerCertificate, isServer: true, Fingerprint(ClientCertificate), _ => { }, TimeProvider.System);
        var handshake = server.HandshakeAsync(CancellationToken.None);
        server.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => handshake.WaitAsync(Bound));
        Assert.True(server.Closed.IsCompleted);
        server.Dispose();
    }

    [Fact]
    public async Task The_handshake_runs_once()
    {
        using var pair = new EndpointPair();
        await pair.HandshakeAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => pair.Server.HandshakeAsync(CancellationToken.None));
    }

    [Fact]
    public void A_full_queue_drops_datagrams_and_a_disposed_endpoint_takes_none()
    {
        var server = new DtlsEndpoint(ServerCertificate, isServer: true, Fingerprint(ClientCertificate), _ => { }, TimeProvider.System);
        for (int i = 0; i < DtlsDatagramTransport.MaxQueuedDatagrams + 10; i++)
        {
            server.Receive(new byte[100]);
        }

        server.Receive(new byte[DtlsDatagramTransport.MaxDatagramSize + 1]);
        Assert.Equal(DtlsDatagramTransport.MaxQueuedDatagrams, server.QueuedDatagrams);
        server.Dispose();
        Assert.Equal(0, server.QueuedDatagrams);
        server.Receive(new byte[100]);
        Assert.Equal(0, server.QueuedDatagrams);
    }

    [Fact]
    public void An_unparsable_remote_fingerprint_is_refused_at_construction() =>
        Assert.Throws<ArgumentException>(() => new DtlsEndpoint(ServerCertificate, true, new DtlsFingerprint("md5", "AB"), _ => { }, TimeProvider.System));

    [Fact]
    public void The_exporter_output_is_split_client_key_server_key_client_salt_server_salt()
    {
        byte[] exported = Enumerable.Range(0, 60).Select(i => (byte)i).ToArray();
        var client = SrtpKeyMaterial.FromExporter(SrtpKeyMaterial.Aes128CmHmacSha1_80, exported, isClient: true);
        var server = SrtpKeyMaterial.FromExporter(SrtpKeyMaterial.Aes128CmHmacSha1_80, exported, isClient: false);
        Assert.Equal(exported[..16], client.LocalKey);
        Assert.Equal(exported[16..32], client.RemoteKey);
        Assert.Equal(exported[32..46], client.LocalSalt);
        Assert.Equal(exported[46..60], client.RemoteSalt);
        Assert.Equal(client.LocalKey, server.RemoteKey);
        Assert.Equal(client.LocalSalt, server.RemoteSalt);
        Assert.Equal(56, SrtpKeyMaterial.ExportLength(SrtpKeyMaterial.AeadAes128Gcm));
        Assert.Throws<ArgumentException>(() => SrtpKeyMaterial.FromExporter(SrtpKeyMaterial.AeadAes128Gcm, exported, isClient: true));
    }

    [Theory]
    [InlineData(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, false, 24, new[] { 0, 8, 23 }, new[] { 24, 25, 100 })]
    [InlineData(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, true, 24, new[] { 23 }, new[] { 24 })]
    [InlineData(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, false, 37, new[] { 0, 16, 32, 37, 40, 47, 49 }, new[] { 48, 64, 80 })]
    [InlineData(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, true, 52, new[] { 0, 36, 48, 51, 53, 64 }, new[] { 52, 68, 84 })]
    public void Encrypted_records_too_short_or_misaligned_for_the_suite_are_screened_out(int suite, bool encryptThenMac, int minLength, int[] refused, int[] accepted)
    {
        var shape = DtlsCiphertextShape.For(suite, encryptThenMac);
        Assert.NotNull(shape);
        Assert.Equal(minLength, shape.Value.MinLength);
        foreach (int length in refused)
        {
            Assert.False(DtlsRecordFilter.IsAcceptable(Record(epoch: 1, length), shape), $"{length} bytes accepted");
            Assert.True(DtlsRecordFilter.IsAcceptable(Record(epoch: 0, length), shape), $"{length} bytes of epoch 0 refused");
        }

        foreach (int length in accepted)
        {
            Assert.True(DtlsRecordFilter.IsAcceptable(Record(epoch: 1, length), shape), $"{length} bytes refused");
            Assert.True(DtlsRecordFilter.IsAcceptable(Record(epoch: 1, length), null));
        }

        // Every record of a datagram is checked; one cut short is left to the engine.
        byte[] good = Record(epoch: 1, accepted[0]);
        byte[] bad = Record(epoch: 1, refused[^1]);
        Assert.False(DtlsRecordFilter.IsAcceptable([.. good, .. bad], shape));
        Assert.True(DtlsRecordFilter.IsAcceptable([.. good, .. good], shape));
        Assert.True(DtlsRecordFilter.IsAcceptable([.. good, .. bad[..^1]], shape));
        Assert.True(DtlsRecordFilter.IsAcceptable(good.AsSpan(0, 5), shape));
    }

    [Fact]
    public void Suites_other_than_aes_gcm_and_aes_cbc_are_not_screened() =>
        Assert.Null(DtlsCiphertextShape.For(CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, false));

    [Fact]
    public void The_certificate_is_created_once_and_then_loaded_with_the_same_fingerprint()
    {
        var first = DtlsCertificate.LoadOrCreate(_dir.Path, TimeProvider.System, out bool created);
        Assert.True(created);
        var second = DtlsCertificate.LoadOrCreate(_dir.Path, TimeProvider.System, out created);
        Assert.False(created);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.StartsWith("sha-256 ", first.Fingerprint, StringComparison.Ordinal);
        Assert.Matches("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", first.Fingerprint);

        string path = Path.Combine(_dir.Path, "webrtc", "dtls.pem");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(Path.Combine(_dir.Path, "webrtc")));
        string pem = File.ReadAllText(path);
        Assert.Contains("-----BEGIN CERTIFICATE-----", pem, StringComparison.Ordinal);
        Assert.Contains("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("truncated")]
    [InlineData("key of another certificate")]
    [InlineData("no key")]
    [InlineData("bad base64")]
    public void A_corrupt_certificate_file_is_replaced(string damage)
    {
        var original = DtlsCertificate.LoadOrCreate(_dir.Path, TimeProvider.System, out _);
        string path = Path.Combine(_dir.Path, DtlsCertificate.RelativePath);
        string pem = File.ReadAllText(path);
        string otherKey = OtherCertificate.ToPem()[OtherCertificate.ToPem().IndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal)..];
        File.WriteAllText(path, damage switch
        {
            "empty" => string.Empty,
            "text" => "not a certificate\n",
            "truncated" => pem[..(pem.Length / 2)],
            "key of another certificate" => pem[..pem.IndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal)] + otherKey,
            "no key" => pem[..pem.IndexOf("-----BEGIN PRIVATE KEY", StringComparison.Ordinal)],
            _ => pem.Replace("MI", "M!", StringComparison.Ordinal),
        });

        var replaced = DtlsCertificate.LoadOrCreate(_dir.Path, TimeProvider.System, out bool created);
        Assert.True(created);
        Assert.NotEqual(original.Fingerprint, replaced.Fingerprint);
        var reloaded = DtlsCertificate.LoadOrCreate(_dir.Path, TimeProvider.System, out created);
        Assert.False(created);
        Assert.Equal(replaced.Fingerprint, reloaded.Fingerprint);
    }

    [Fact]
    public void An_expired_certificate_is_replaced()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var original = DtlsCertificate.LoadOrCreate(_dir.Path, time, out _);
        Assert.Equal(time.GetUtcNow().AddYears(10), original.NotAfter);
        time.Advance(TimeSpan.FromDays((10 * 366) + 1));
        var replaced = DtlsCertificate.LoadOrCreate(_dir.Path, time, out bool created);
        Assert.True(created);
        Assert.NotEqual(original.Fingerprint, replaced.Fingerprint);
    }

    [Theory]
    [InlineData("sha-256 AB:CD", false)]
    [InlineData("sha-256", false)]
    [InlineData("", false)]
    [InlineData("md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", false)]
    [InlineData("sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33", true)]
    [InlineData("SHA-1 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33", true)]
    [InlineData("sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22", false)]
    [InlineData("sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:3G", false)]
    [InlineData("sha-1 00-11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33", false)]
    [InlineData("sha-1 0011:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:", false)]
    [InlineData("  sha-1   00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33  ", true)]
    [InlineData("sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33 extra", false)]
    public void Fingerprint_attributes_parse_when_well_formed(string value, bool valid)
    {
        Assert.Equal(valid, DtlsFingerprint.TryParse(value, out var fingerprint));
        if (valid)
        {
            Assert.Equal(DtlsFingerprint.Sha1, fingerprint!.Algorithm);
            Assert.Equal("00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33", fingerprint.Value);
        }
    }

    [Theory]
    [InlineData(DtlsFingerprint.Sha1)]
    [InlineData(DtlsFingerprint.Sha256)]
    [InlineData(DtlsFingerprint.Sha384)]
    [InlineData(DtlsFingerprint.Sha512)]
    public void A_fingerprint_matches_its_certificate_only(string algorithm)
    {
        var computed = DtlsFingerprint.Compute(algorithm, ServerCertificate.CertificateDer);
        Assert.True(DtlsFingerprint.TryParse(computed.ToString().ToLowerInvariant(), out var parsed));
        Assert.True(parsed.Matches(ServerCertificate.CertificateDer));
        Assert.True(new DtlsFingerprint(algorithm, computed.Value.ToLowerInvariant()).Matches(ServerCertificate.CertificateDer));
        Assert.False(parsed.Matches(ClientCertificate.CertificateDer));
        Assert.False(new DtlsFingerprint("md5", computed.Value).Matches(ServerCertificate.CertificateDer));
    }

    [Fact]
    public void Our_certificate_fingerprint_parses_back()
    {
        Assert.True(DtlsFingerprint.TryParse(ServerCertificate.Fingerprint, out var fingerprint));
        Assert.Equal(ServerCertificate.Fingerprint, fingerprint.ToString());
        Assert.True(fingerprint.Matches(ServerCertificate.CertificateDer));
    }

    private static byte[] Record(int epoch, int length)
    {
        byte[] record = new byte[DtlsRecordFilter.HeaderSize + length];
        record[0] = 23;
        record[1] = 0xFE;
        record[2] = 0xFD;
        record[4] = (byte)epoch;
        record[11] = (byte)(length >> 8);
        record[12] = (byte)length;
        return record;
    }

    internal static DtlsFingerprint Fingerprint(DtlsCertificate certificate) =>
        DtlsFingerprint.TryParse(certificate.Fingerprint, out var fingerprint) ? fingerprint : throw new InvalidOperationException();

    /// <summary>
    /// Random datagrams; every other one has a DTLS 1.2 record header: a handshake record of epoch 0
    /// cut short of its length field, or an epoch-1 record whose MAC cannot verify. (A whole epoch-0
    /// record is not garbage but a forgery: it has no MAC, and one with a far-ahead sequence number
    /// moves the replay window past the genuine flight, RFC 6347 §4.1.2.6. Only ICE-validated
    /// datagrams reach an endpoint, which keeps forgers off the path.)
    /// </summary>
    private static List<byte[]> Garbage(Random random, int count)
    {
        var list = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            byte[] datagram = new byte[random.Next(1, 300)];
            random.NextBytes(datagram);
            if (i % 2 == 0 && datagram.Length > 13)
            {
                bool truncated = i % 4 == 0;
                datagram[0] = (byte)(truncated ? 22 : 23);
                datagram[1] = 0xFE;
                datagram[2] = 0xFD;
                datagram[3] = 0;
                datagram[4] = (byte)(truncated ? 0 : 1);
                int length = datagram.Length - 13 + (truncated ? 1 + random.Next(100) : 0);
                datagram[11] = (byte)(length >> 8);
                datagram[12] = (byte)length;
            }

            list.Add(datagram);
        }

        return list;
    }

    /// <summary>Feeds datagrams no faster than the endpoint reads them, so none is dropped for a full queue.</summary>
    private static void FeedDrained(DtlsEndpoint endpoint, List<byte[]> datagrams)
    {
        foreach (byte[] datagram in datagrams)
        {
            Assert.True(SpinWait.SpinUntil(() => endpoint.QueuedDatagrams < 8, Bound));
            endpoint.Receive(datagram);
        }

        Assert.True(SpinWait.SpinUntil(() => endpoint.QueuedDatagrams == 0, Bound));
    }

    /// <summary>A server and a client endpoint whose send callbacks feed each other.</summary>
    private sealed class EndpointPair : IDisposable
    {
        public EndpointPair(DtlsFingerprint? serverExpects = null, DtlsFingerprint? clientExpects = null)
        {
            DtlsEndpoint? client = null;
            Server = new DtlsEndpoint(ServerCertificate, isServer: true, serverExpects ?? Fingerprint(ClientCertificate),
                datagram => client!.Receive(datagram.Span), TimeProvider.System);
            Client = client = new DtlsEndpoint(ClientCertificate, isServer: false, clientExpects ?? Fingerprint(ServerCertificate),
                datagram => Server.Receive(datagram.Span), TimeProvider.System);
        }

        public DtlsEndpoint Server { get; }

        public DtlsEndpoint Client { get; }

        public async Task<(SrtpKeyMaterial Server, SrtpKeyMaterial Client)> HandshakeAsync()
        {
            var server = Server.HandshakeAsync(CancellationToken.None);
            var client = Client.HandshakeAsync(CancellationToken.None);
            return (await server.WaitAsync(Bound), await client.WaitAsync(Bound));
        }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }
}
