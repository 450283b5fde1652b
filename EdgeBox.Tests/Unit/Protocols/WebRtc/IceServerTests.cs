using EdgeBox.Protocols.WebRtc;

namespace EdgeBox.Tests.Unit.Protocols.WebRtc;

public sealed class IceServerTests
{
    [Theory]
    [InlineData("stun:stun.example.com", "<stun:stun.example.com>; rel=\"ice-server\"")]
    [InlineData("stun:192.0.2.1:3478", "<stun:192.0.2.1:3478>; rel=\"ice-server\"")]
    [InlineData("turn:alice:s3cret@turn.example.com:3478?transport=udp",
        "<turn:turn.example.com:3478?transport=udp>; rel=\"ice-server\"; username=\"alice\"; credential=\"s3cret\"; credential-type=\"password\"")]
    [InlineData("turns:bob:pw@[2001:db8::1]:5349?transport=tcp",
        "<turns:[2001:db8::1]:5349?transport=tcp>; rel=\"ice-server\"; username=\"bob\"; credential=\"pw\"; credential-type=\"password\"")]
    public void Servers_become_link_headers_with_credentials_out_of_the_uri(string text, string link)
    {
        Assert.True(IceServer.TryParse(text, out var server));
        Assert.Equal(link, server.ToLinkHeader());
    }

    [Theory]
    [InlineData("")]
    [InlineData("stun.example.com")]
    [InlineData("http://stun.example.com")]
    [InlineData("stun:user:pw@stun.example.com")]
    [InlineData("stun:stun.example.com?transport=udp")]
    [InlineData("turn:turn.example.com:0")]
    [InlineData("turn:turn.example.com:99999")]
    [InlineData("turn:user@turn.example.com")]
    [InlineData("turn:turn.example.com?transport=sctp")]
    [InlineData("turn:a\"b:pw@turn.example.com")]
    [InlineData("turn:bad host!")]
    public void Anything_else_is_refused(string text) => Assert.False(IceServer.TryParse(text, out _));
}
