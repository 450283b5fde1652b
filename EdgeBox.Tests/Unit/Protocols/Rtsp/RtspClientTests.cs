using EdgeBox.Protocols.Rtsp;
using EdgeBox.Protocols.Rtsp.Client;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

public sealed class RtspClientTests
{
    [Theory]
    [InlineData("rtsp://10.0.0.5/live", false, "10.0.0.5", 554, "rtsp://10.0.0.5:554/live")]
    [InlineData("rtsps://cam.local/Streaming/Channels/101?transportmode=unicast", true, "cam.local", 322, "rtsps://cam.local:322/Streaming/Channels/101?transportmode=unicast")]
    [InlineData("rtsp://[::1]:8554/a/b", false, "::1", 8554, "rtsp://[::1]:8554/a/b")]
    [InlineData("RTSP://Cam:8554/x", false, "cam", 8554, "rtsp://cam:8554/x")]
    public void Source_urls_split_into_host_port_and_request_uri(string text, bool tls, string host, int port, string requestUri)
    {
        Assert.True(RtspSourceUrl.TryParse(text, out var url, out _));
        Assert.Equal(tls, url.Tls);
        Assert.Equal(host, url.Host);
        Assert.Equal(port, url.Port);
        Assert.Equal(requestUri, url.RequestUri);
        Assert.False(url.HasCredentials);
    }

    [Fact]
    public void Credentials_are_decoded_for_use_and_hidden_everywhere_else()
    {
        Assert.True(RtspSourceUrl.TryParse("rtsp://admin:p%40ss%3Aw0rd@192.168.1.64:554/stream1", out var url, out _));
        Assert.Equal("admin", url.User);
        Assert.Equal("p@ss:w0rd", url.Password);
        Assert.Equal("rtsp://192.168.1.64:554/stream1", url.RequestUri);
        Assert.Equal("rtsp://admin:***@192.168.1.64:554/stream1", url.Redacted);
        Assert.DoesNotContain("w0rd", url.ToString(), StringComparison.Ordinal);
        Assert.Equal("rtsp://admin:***@192.168.1.64:554/stream1", RtspSourceUrl.Redact("rtsp://admin:p%40ss%3Aw0rd@192.168.1.64/stream1"));
        Assert.Equal("publisher", RtspSourceUrl.Redact("publisher"));
    }

    [Theory]
    [InlineData("http://cam/live")]
    [InlineData("rtsp://")]
    [InlineData("rtsp:/cam")]
    [InlineData("cam1")]
    [InlineData("")]
    public void Other_text_is_not_a_source_url(string text)
    {
        Assert.False(RtspSourceUrl.TryParse(text, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Backoff_doubles_per_failure_within_its_bounds_and_stops_at_the_maximum()
    {
        var first = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(30);
        for (int failures = 1; failures <= 40; failures++)
        {
            double cap = Math.Min(30_000, 1000 * Math.Pow(2, failures - 1));
            Assert.Equal(cap / 2, RtspPullSource.BackoffDelay(failures, first, max, 0).TotalMilliseconds, 3);
            Assert.Equal(cap, RtspPullSource.BackoffDelay(failures, first, max, 1).TotalMilliseconds, 3);
        }
    }

    [Fact]
    public void Digest_is_preferred_over_basic_and_answers_with_the_method_and_uri()
    {
        string[] challenges = ["Basic realm=\"cam\"", "Digest realm=\"cam\", nonce=\"abc123\""];
        var auth = RtspClientAuth.FromChallenges(challenges, "admin", "secret")!;
        Assert.True(RtspDigestCredentials.TryParse(auth.Authorization("DESCRIBE", "rtsp://cam/live"), out var digest));
        Assert.Equal("admin", digest.Username);
        Assert.Equal("rtsp://cam/live", digest.Uri);
        Assert.True(RtspDigestAuth.Verify(digest, "DESCRIBE", "admin", "secret", "cam"));
    }

    [Fact]
    public void Basic_alone_is_answered_with_basic()
    {
        var auth = RtspClientAuth.FromChallenges(["Basic realm=\"cam\""], "admin", "secret")!;
        Assert.True(RtspBasicAuth.TryParseAuthorization(auth.Authorization("OPTIONS", "rtsp://cam"), out string user, out string pass));
        Assert.Equal(("admin", "secret"), (user, pass));
        Assert.Null(RtspClientAuth.FromChallenges(["Bearer realm=\"x\""], "admin", "secret"));
    }

    [Fact]
    public void The_same_challenge_again_means_wrong_credentials_and_is_not_retried()
    {
        var first = RtspClientAuth.FromChallenges(["Digest realm=\"cam\", nonce=\"n1\""], "a", "b")!;
        var same = RtspClientAuth.FromChallenges(["Digest realm=\"cam\", nonce=\"n1\""], "a", "b")!;
        var fresh = RtspClientAuth.FromChallenges(["Digest realm=\"cam\", nonce=\"n2\""], "a", "b")!;
        var stale = RtspClientAuth.FromChallenges(["Digest realm=\"cam\", nonce=\"n1\", stale=true"], "a", "b")!;
        Assert.False(same.IsNewChallenge(first));
        Assert.True(fresh.IsNewChallenge(first));
        Assert.True(stale.IsNewChallenge(first));
    }
}
