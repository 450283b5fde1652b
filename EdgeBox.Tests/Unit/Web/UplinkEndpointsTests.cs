using EdgeBox.Web;

namespace EdgeBox.Tests.Unit.Web;

/// <summary>How <c>GET /api/v1/uplink</c> shows the broker and config URLs: no credentials, no query.</summary>
public sealed class UplinkEndpointsTests
{
    [Theory]
    [InlineData("mqtt://127.0.0.1:1883", "mqtt://127.0.0.1:1883")]
    [InlineData("mqtts://broker.example.com", "mqtts://broker.example.com")]
    [InlineData("mqtt://user:secret@broker.example.com:1884", "mqtt://broker.example.com:1884")]
    [InlineData("mqtt://[::1]:1883", "mqtt://[::1]:1883")]
    [InlineData("https://fleet.example.com/boxes/box-1/config?token=abc&x=1", "https://fleet.example.com/boxes/box-1/config")]
    [InlineData("https://admin:pw@fleet.example.com:8443/config#frag", "https://fleet.example.com:8443/config")]
    [InlineData("https://fleet.example.com/", "https://fleet.example.com")]
    [InlineData("not a url", "(not a URL)")]
    public void Urls_are_shown_without_credentials_or_query(string url, string shown) => Assert.Equal(shown, UplinkEndpoints.Shown(url));
}
