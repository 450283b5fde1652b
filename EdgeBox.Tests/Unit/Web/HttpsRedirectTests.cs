using System.Net;
using EdgeBox.Web;
using Microsoft.AspNetCore.Http;

namespace EdgeBox.Tests.Unit.Web;

/// <summary>Where <c>https.redirect</c> sends a plain HTTP request.</summary>
public sealed class HttpsRedirectTests
{
    private static string Location(string? host, string path, string query = "", int port = 8443, IPAddress? local = null)
    {
        var request = new DefaultHttpContext().Request;
        if (host is not null)
        {
            request.Host = new HostString(host);
        }

        request.Path = path;
        request.QueryString = new QueryString(query);
        return HttpsRedirect.Location(request, local, port);
    }

    [Theory]
    [InlineData("box.example:8080", "/ui/app.js", "", 8443, "https://box.example:8443/ui/app.js")]
    [InlineData("127.0.0.1:8080", "/cam1/whep", "?a=1&b=%20", 8443, "https://127.0.0.1:8443/cam1/whep?a=1&b=%20")]
    [InlineData("[::1]:8080", "/", "", 9443, "https://[::1]:9443/")]
    [InlineData("box.example", "/live/cam 2/index.m3u8", "", 443, "https://box.example/live/cam%202/index.m3u8")]
    public void Same_host_and_path_on_the_https_port(string host, string path, string query, int port, string expected) =>
        Assert.Equal(expected, Location(host, path, query, port));

    [Fact]
    public void Without_a_host_header_the_listener_address_is_used()
    {
        Assert.Equal("https://[fd00::2]:8443/", Location(null, "/", local: IPAddress.Parse("fd00::2")));
        Assert.Equal("https://192.0.2.7:8443/x", Location(null, "/x", local: IPAddress.Parse("192.0.2.7")));
        Assert.Equal("https://localhost:8443/x", Location(null, "/x"));
    }
}
