using System.Buffers;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

public sealed class RtspAuthTests
{
    [Fact]
    public void Rfc2617_section_3_5_example_with_qop_auth()
    {
        var ha1 = RtspDigestAuth.ComputeHa1("Mufasa", "testrealm@host.com", "Circle Of Life");
        var response = RtspDigestAuth.ComputeResponse(ha1, null, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET", "/dir/index.html", "auth", "00000001", "0a4f113b");
        Assert.Equal("6629fae49393a05397450978507c4ef1", response);

        // The header of that example, as the RFC prints it (with its line folding removed).
        Assert.True(RtspDigestCredentials.TryParse(
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
            + "qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
            out var credentials));
        Assert.Equal("auth", credentials.Qop);
        Assert.Equal("00000001", credentials.NonceCount);
        Assert.Equal("5ccc069c403ebaf9f0171e9517f40e41", credentials.Opaque);
        Assert.True(RtspDigestAuth.Verify(credentials, "GET", "Mufasa", "Circle Of Life", "testrealm@host.com"));
        Assert.False(RtspDigestAuth.Verify(credentials, "GET", "Mufasa", "circle of life", "testrealm@host.com"));
        Assert.False(RtspDigestAuth.Verify(credentials, "POST", "Mufasa", "Circle Of Life", "testrealm@host.com"));
        Assert.False(RtspDigestAuth.Verify(credentials, "GET", "mufasa", "Circle Of Life", "testrealm@host.com"));
        Assert.False(RtspDigestAuth.Verify(credentials, "GET", "Mufasa", "Circle Of Life", "otherrealm"));
        Assert.False(RtspDigestAuth.Verify(credentials with { NonceCount = "00000002" }, "GET", "Mufasa", "Circle Of Life", "testrealm@host.com"));
        Assert.False(RtspDigestAuth.Verify(credentials with { NonceCount = null }, "GET", "Mufasa", "Circle Of Life", "testrealm@host.com"));
    }

    [Fact]
    public void Md5_sess_hashes_the_nonces_into_ha1()
    {
        var ha1 = RtspDigestAuth.ComputeHa1("Mufasa", "testrealm@host.com", "Circle Of Life");
        Assert.Equal(
            "8e3825c57e897f5a0dec6c2d4e5059d0",
            RtspDigestAuth.ComputeResponse(ha1, "MD5-sess", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET", "/dir/index.html", "auth", "00000001", "0a4f113b"));
    }

    [Theory]
    [InlineData("ffmpeg-publish-digest.bin", 4)]
    [InlineData("gstreamer-publish-digest-udp.bin", 4)]
    public void Captured_client_digests_verify_with_the_password_and_fail_with_another(string capture, int expected)
    {
        var buffer = new ReadOnlySequence<byte>(RtspTestData.Read(capture));
        var verified = 0;
        while (RtspParser.Classify(ref buffer) == RtspInputKind.Message && RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out _))
        {
            if (request.Headers[RtspHeaderNames.Authorization] is not { } authorization)
            {
                continue;
            }

            Assert.True(RtspDigestCredentials.TryParse(authorization, out var credentials));
            Assert.Equal("admin", credentials.Username);
            Assert.Equal("0123456789abcdef0123456789abcdef", credentials.Nonce);
            Assert.Equal(request.Uri, credentials.Uri); // ffmpeg and GStreamer hash the request URI, track URL on SETUP
            Assert.True(RtspDigestAuth.Verify(credentials, request.Method, "admin", "secret", "EdgeBox"), request.Method);
            Assert.False(RtspDigestAuth.Verify(credentials, request.Method, "admin", "Secret", "EdgeBox"));
            Assert.True(RtspDigestAuth.VerifyHa1(credentials, request.Method, "admin", RtspDigestAuth.ComputeHa1("admin", "EdgeBox", "secret"), "EdgeBox"));
            verified++;
        }

        Assert.Equal(expected, verified);
    }

    [Fact]
    public void Ffmpeg_digest_response_is_reproduced_exactly()
    {
        var challenge = new RtspDigestChallenge("EdgeBox", "0123456789abcdef0123456789abcdef");
        var credentials = RtspDigestAuth.CreateCredentials(challenge, "admin", "secret", "OPTIONS", "rtsp://127.0.0.1:18556/x");
        // The Authorization line ffmpeg 5.1 sent for this challenge (ffmpeg-publish-digest.bin).
        Assert.Equal(
            "Digest username=\"admin\", realm=\"EdgeBox\", nonce=\"0123456789abcdef0123456789abcdef\", uri=\"rtsp://127.0.0.1:18556/x\", response=\"e5199935d84dba58898ab25e3d11f4e6\"",
            credentials.ToString());
    }

    [Fact]
    public void Live555_sends_its_base_url_as_digest_uri_and_that_verifies()
    {
        // live555 (VLC) computes every request's digest over the URL it was opened with, whatever the request URI.
        const string setup = "SETUP rtsp://127.0.0.1:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 5\r\n"
            + "Authorization: Digest username=\"admin\", realm=\"EdgeBox\", nonce=\"8a3c5b2e1f\", uri=\"rtsp://127.0.0.1:8554/cam/\", response=\"89858b930ca0ea712aaad9ac7b0ba260\"\r\n"
            + "User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2021.08.24)\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n";
        var buffer = RtspTestData.Sequence(setup);
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out _));
        Assert.True(RtspDigestCredentials.TryParse(request.Headers[RtspHeaderNames.Authorization], out var credentials));
        Assert.True(RtspDigestAuth.Verify(credentials, request.Method, "admin", "secret", "EdgeBox"));

        var describe = new RtspDigestCredentials("admin", "EdgeBox", "8a3c5b2e1f", "rtsp://127.0.0.1:8554/cam", "025076CAF1CE1EB890EE433D9001ED5C");
        Assert.True(RtspDigestAuth.Verify(describe, "DESCRIBE", "admin", "secret", "EdgeBox")); // upper-case hex is accepted
    }

    [Fact]
    public void Challenge_is_formatted_with_quoted_strings_and_bare_tokens()
    {
        Assert.Equal("Digest realm=\"EdgeBox\", nonce=\"abc\"", new RtspDigestChallenge("EdgeBox", "abc").ToString());
        var full = new RtspDigestChallenge("Edge \"Box\"", "abc") { Opaque = "xyz", Algorithm = "MD5", Qop = "auth", Stale = true };
        Assert.Equal("Digest realm=\"Edge \\\"Box\\\"\", nonce=\"abc\", opaque=\"xyz\", algorithm=MD5, qop=\"auth\", stale=TRUE", full.ToString());
        Assert.True(RtspDigestChallenge.TryParse(full.ToString(), out var parsed));
        Assert.Equal(full, parsed);
        Assert.Equal("Basic realm=\"EdgeBox\"", RtspBasicAuth.FormatChallenge("EdgeBox"));
        Assert.Matches("^[0-9a-f]{32}$", RtspDigestChallenge.CreateNonce());
        Assert.NotEqual(RtspDigestChallenge.CreateNonce(), RtspDigestChallenge.CreateNonce());
    }

    [Fact]
    public void Camera_challenges_with_unusual_spacing_and_case_parse()
    {
        Assert.True(RtspDigestChallenge.TryParse("Digest realm=\"IP Camera(12345)\",nonce=\"7d8a6b5c\",stale=\"FALSE\"", out var hik));
        Assert.Equal("IP Camera(12345)", hik.Realm);
        Assert.False(hik.Stale);
        Assert.True(RtspDigestChallenge.TryParse("digest  REALM=\"Login to 5J0\" ,  NONCE=\"a1b2\", Algorithm=md5", out var dahua));
        Assert.Equal("Login to 5J0", dahua.Realm);
        Assert.Equal("a1b2", dahua.Nonce);
        Assert.Equal("md5", dahua.Algorithm);
        Assert.False(RtspDigestChallenge.TryParse("Basic realm=\"x\"", out _));
        Assert.False(RtspDigestChallenge.TryParse("Digest realm=\"x\"", out _));
    }

    [Fact]
    public void Client_answers_a_qop_challenge_with_nc_and_cnonce_and_the_server_verifies_it()
    {
        var challenge = new RtspDigestChallenge("testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093") { Qop = "auth,auth-int", Opaque = "5ccc069c403ebaf9f0171e9517f40e41" };
        var credentials = RtspDigestAuth.CreateCredentials(challenge, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1, "0a4f113b");
        Assert.Equal("6629fae49393a05397450978507c4ef1", credentials.Response);
        Assert.Equal(
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
            credentials.ToString());
        Assert.True(RtspDigestCredentials.TryParse(credentials.ToString(), out var parsed));
        Assert.True(RtspDigestAuth.Verify(parsed, "GET", "Mufasa", "Circle Of Life", "testrealm@host.com"));
    }

    [Fact]
    public void Basic_credentials_round_trip_and_the_password_may_hold_colons()
    {
        Assert.Equal("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", RtspBasicAuth.FormatAuthorization("Aladdin", "open sesame"));
        Assert.True(RtspBasicAuth.TryParseAuthorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", out var user, out var password));
        Assert.Equal(("Aladdin", "open sesame"), (user, password));
        Assert.True(RtspBasicAuth.TryParseAuthorization(RtspBasicAuth.FormatAuthorization("admin", "a:b:ç"), out user, out password));
        Assert.Equal(("admin", "a:b:ç"), (user, password));
        Assert.True(RtspBasicAuth.TryParseAuthorization("basic   YWRtaW46", out user, out password));
        Assert.Equal(("admin", ""), (user, password));
        Assert.False(RtspBasicAuth.TryParseAuthorization("Basic !!!", out _, out _));
        Assert.False(RtspBasicAuth.TryParseAuthorization("Basic YWRtaW4=", out _, out _)); // no colon
        Assert.False(RtspBasicAuth.TryParseAuthorization("Digest username=\"a\"", out _, out _));
    }

    [Fact]
    public void Quoted_strings_keep_commas_and_escaped_quotes()
    {
        Assert.True(RtspAuthHeader.TryParse("Digest realm=\"a, b\", nonce=\"x\\\"y\", uri=\"rtsp://h/p?a=1,2\"", out var header));
        Assert.Equal("a, b", header["realm"]);
        Assert.Equal("x\"y", header["NONCE"]);
        Assert.Equal("rtsp://h/p?a=1,2", header["uri"]);
        Assert.False(RtspDigestChallenge.TryParse("Digest realm", out _)); // a token68, not auth-params
    }
}
