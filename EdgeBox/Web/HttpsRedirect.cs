using Microsoft.AspNetCore.Http.Extensions;

namespace EdgeBox.Web;

/// <summary>
/// <c>https.redirect</c>: the plain HTTP listener answers every request with 308 Permanent Redirect
/// (RFC 9110 §15.4.9: unlike 301 the client keeps the method and body, so a PUT or a WHIP POST is
/// redirected as it was sent) to the same path and query on the HTTPS listener, under the host name
/// the client used. The health check stays on plain HTTP: load balancers and container probes often
/// cannot check a self-signed certificate.
/// </summary>
internal static class HttpsRedirect
{
    public const string HealthPath = "/api/v1/health";

    /// <param name="app">The application; the middleware goes first, before any endpoint.</param>
    /// <param name="httpsPort">The port the HTTPS listener bound (known once Kestrel has bound it).</param>
    public static void Use(WebApplication app, Func<int> httpsPort) =>
        app.Use((context, next) =>
        {
            var request = context.Request;
            int port = httpsPort();
            if (request.IsHttps || port == 0 || IsHealth(request.Path))
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            context.Response.Headers.Location = Location(request, context.Connection.LocalIpAddress, port);
            return Task.CompletedTask;
        });

    /// <summary>https://HOST[:PORT]/path?query: the request's host (without its port) on the HTTPS port; the listener's address when the request named no host (HTTP/1.0).</summary>
    internal static string Location(HttpRequest request, System.Net.IPAddress? localAddress, int httpsPort)
    {
        string host = request.Host.HasValue ? request.Host.Host // IPv6 literals keep their brackets
            : localAddress is null ? "localhost"
            : localAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{localAddress}]"
            : localAddress.ToString();
        var target = httpsPort == 443 ? new HostString(host) : new HostString(host, httpsPort);
        return UriHelper.BuildAbsolute("https", target, request.PathBase, request.Path, request.QueryString);
    }

    /// <summary>Routing matches without regard to case and with a trailing slash, so the exemption does too.</summary>
    private static bool IsHealth(PathString path) =>
        path.StartsWithSegments(HealthPath, StringComparison.OrdinalIgnoreCase, out var rest) && (!rest.HasValue || rest.Value == "/");
}
