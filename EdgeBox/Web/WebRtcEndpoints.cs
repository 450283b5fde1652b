using System.Text;
using EdgeBox.Configuration;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtsp;
using EdgeBox.Protocols.WebRtc;

namespace EdgeBox.Web;

/// <summary>
/// WHIP (RFC 9725) and WHEP on the HTTP port, with MediaMTX's URLs: <c>POST /{path}/whip</c> and
/// <c>POST /{path}/whep</c> take an SDP offer and answer 201 with the SDP answer and the session's
/// <c>Location</c>; <c>PATCH</c> on that location takes trickled candidates
/// (<c>application/trickle-ice-sdpfrag</c>, RFC 8840); <c>DELETE</c> ends the session; <c>OPTIONS</c>
/// answers CORS preflights so a page on another origin can publish or play. Path names may contain
/// slashes, so the routes are one catch-all that reads the suffix.
/// </summary>
internal static class WebRtcEndpoints
{
    /// <summary>Largest offer read: Chromium's are 3-8 KB (<see cref="Protocols.WebRtc.Sdp.WebRtcOffer.MaxBytes"/>).</summary>
    private const int MaxBody = Protocols.WebRtc.Sdp.WebRtcOffer.MaxBytes;

    public static void Map(WebApplication app) =>
        app.MapMethods("/{**rest}", ["POST", "PATCH", "DELETE", "OPTIONS"], (RequestDelegate)HandleAsync);

    private static async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = "Location, Link, ETag, Accept-Patch, Accept-Post";
        if (!TryRoute((string?)context.Request.RouteValues["rest"] ?? "", out string pathName, out var kind, out string? sessionId))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var server = context.RequestServices.GetRequiredService<WebRtcServer>();
        string method = context.Request.Method;
        if (HttpMethods.IsOptions(method))
        {
            response.Headers.AccessControlAllowMethods = sessionId is null ? "OPTIONS, POST" : "OPTIONS, PATCH, DELETE";
            response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, If-Match";
            response.Headers["Accept-Post"] = "application/sdp";
            if (sessionId is null)
            {
                response.Headers.Link = server.IceServerLinks.ToArray();
            }

            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (sessionId is not null)
        {
            await SessionRequestAsync(context, server, pathName, kind, sessionId).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(method))
        {
            response.Headers.Allow = "OPTIONS, POST";
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        await OfferAsync(context, server, pathName, kind).ConfigureAwait(false);
    }

    private static async Task OfferAsync(HttpContext context, WebRtcServer server, string pathName, WebRtcSessionKind kind)
    {
        var paths = context.RequestServices.GetRequiredService<PathManager>();
        var path = kind == WebRtcSessionKind.Whip ? paths.GetOrCreate(pathName) : paths.Find(pathName) ?? CreatePulled(paths, pathName);
        var config = path?.Config ?? paths.Resolve(pathName);
        if (config is null)
        {
            await TextAsync(context.Response, StatusCodes.Status404NotFound, $"No path '{pathName}' is configured.").ConfigureAwait(false);
            return;
        }

        bool publishing = kind == WebRtcSessionKind.Whip;
        if (!Authorized(context, pathName, publishing, config))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"EdgeBox\", Bearer realm=\"EdgeBox\"";
            await TextAsync(context.Response, StatusCodes.Status401Unauthorized, "This path needs credentials.").ConfigureAwait(false);
            return;
        }

        if (path is null)
        {
            await TextAsync(context.Response, StatusCodes.Status404NotFound, "No one is publishing to this path.").ConfigureAwait(false);
            return;
        }

        if (!IsContentType(context.Request, "application/sdp"))
        {
            await TextAsync(context.Response, StatusCodes.Status415UnsupportedMediaType, "The offer must be sent as application/sdp.").ConfigureAwait(false);
            return;
        }

        if (await ReadBodyAsync(context) is not { } offer)
        {
            await TextAsync(context.Response, StatusCodes.Status413PayloadTooLarge, $"The offer is larger than {MaxBody} bytes.").ConfigureAwait(false);
            return;
        }

        string remote = context.Connection.RemoteIpAddress is { } ip ? $"{ip}:{context.Connection.RemotePort}" : "?";
        var result = publishing
            ? server.Publish(path, offer, remote)
            : await server.PlayAsync(path, offer, remote, context.RequestAborted).ConfigureAwait(false);
        if (result.Session is not { } session)
        {
            if (!publishing)
            {
                paths.ReleaseIfUnused(path);
            }

            await TextAsync(context.Response, result.Status, result.Error ?? "").ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.ContentType = "application/sdp";
        response.Headers.Location = session.Location;
        response.Headers.ETag = ETag(session);
        response.Headers["Accept-Patch"] = "application/trickle-ice-sdpfrag";
        response.Headers.Link = server.IceServerLinks.ToArray();
        await response.WriteAsync(result.Answer!, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A pulled path is made on a reader's request (its source starts on demand).</summary>
    private static MediaPath? CreatePulled(PathManager paths, string name) =>
        paths.Resolve(name) is { } config && PathSources.IsPulled(config.Source) ? paths.GetOrCreate(name) : null;

    private static async Task SessionRequestAsync(HttpContext context, WebRtcServer server, string pathName, WebRtcSessionKind kind, string id)
    {
        var response = context.Response;
        if (server.Find(id) is not { } session || session.Kind != kind || session.Path != pathName)
        {
            await TextAsync(response, StatusCodes.Status404NotFound, "No such WebRTC session.").ConfigureAwait(false);
            return;
        }

        var config = session.PathRef.Config;
        bool publishing = kind == WebRtcSessionKind.Whip;
        if (!Authorized(context, pathName, publishing, config))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"EdgeBox\", Bearer realm=\"EdgeBox\"";
            await TextAsync(response, StatusCodes.Status401Unauthorized, "This path needs credentials.").ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            session.End("the client sent DELETE");
            response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        if (!HttpMethods.IsPatch(context.Request.Method))
        {
            response.Headers.Allow = "OPTIONS, PATCH, DELETE";
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        if (!IsContentType(context.Request, "application/trickle-ice-sdpfrag"))
        {
            await TextAsync(response, StatusCodes.Status415UnsupportedMediaType, "PATCH takes application/trickle-ice-sdpfrag.").ConfigureAwait(false);
            return;
        }

        string ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != ETag(session))
        {
            response.StatusCode = StatusCodes.Status412PreconditionFailed;
            return;
        }

        if (await ReadBodyAsync(context) is not { } fragment)
        {
            await TextAsync(response, StatusCodes.Status413PayloadTooLarge, "The fragment is too large.").ConfigureAwait(false);
            return;
        }

        // EdgeBox is ICE-lite: it learns the peer's addresses from its checks, so trickled candidates
        // need no action. A new ufrag would be an ICE restart, which EdgeBox does not do (RFC 9725 §4.3.2).
        var ufrag = fragment.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("a=ice-ufrag:", StringComparison.Ordinal))?["a=ice-ufrag:".Length..];
        if (ufrag is not null && ufrag != session.Offer.IceUfrag)
        {
            await TextAsync(response, StatusCodes.Status422UnprocessableEntity, "ICE restarts are not supported; start a new session.").ConfigureAwait(false);
            return;
        }

        response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// <c>{path}/whip</c>, <c>{path}/whep</c>, or either followed by <c>/{session}</c>. Path names are
    /// what RTSP and the config use (no leading slash).
    /// </summary>
    internal static bool TryRoute(string rest, out string path, out WebRtcSessionKind kind, out string? session)
    {
        path = "";
        kind = WebRtcSessionKind.Whep;
        session = null;
        var segments = rest.Trim('/').Split('/');
        int end = segments.Length;
        if (end >= 3 && segments[^2] is "whip" or "whep")
        {
            session = segments[^1];
            end--;
        }

        if (end < 2 || segments[end - 1] is not ("whip" or "whep") || session is { Length: 0 })
        {
            return false;
        }

        kind = segments[end - 1] == "whip" ? WebRtcSessionKind.Whip : WebRtcSessionKind.Whep;
        path = string.Join('/', segments[..(end - 1)]);
        return path.Length > 0 && !path.StartsWith("api/", StringComparison.Ordinal);
    }

    /// <summary>
    /// The path's own credentials, or an EdgeBox account (console session or API token) that may see
    /// the path (to play) or is an operator (to publish).
    /// </summary>
    private static bool Authorized(HttpContext context, string pathName, bool publishing, PathConfig config)
    {
        if (Authorized(context.Request, publishing ? config.PublishUser : config.ReadUser, publishing ? config.PublishPass : config.ReadPass))
        {
            return true;
        }

        var principal = context.RequestServices.GetRequiredService<AuthService>().Resolve(context, out _);
        return principal is not null && !principal.MustChangePassword
            && (publishing ? principal.Role >= Security.Role.Operator : principal.CanSee(pathName));
    }

    /// <summary>
    /// A path without credentials is open; one with them takes HTTP Basic with the user and password,
    /// or a Bearer token equal to the password (what WHIP encoders such as OBS send as their "stream key").
    /// </summary>
    internal static bool Authorized(HttpRequest request, string? user, string? password)
    {
        if (string.IsNullOrEmpty(user) && string.IsNullOrEmpty(password))
        {
            return true;
        }

        string header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return !string.IsNullOrEmpty(password) && FixedEquals(header[7..].Trim(), password);
        }

        return RtspBasicAuth.TryParseAuthorization(header, out string u, out string p)
            && FixedEquals(u, user ?? "") && FixedEquals(p, password ?? "");
    }

    private static bool FixedEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static string ETag(WebRtcSession session) => "\"" + session.Id + "\"";

    private static bool IsContentType(HttpRequest request, string expected) =>
        request.ContentType is { } type && type.Split(';')[0].Trim().Equals(expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>The body as UTF-8 text, or null when it is larger than <see cref="MaxBody"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBody)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var body = context.Request.Body;
        byte[] chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBody)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task TextAsync(HttpResponse response, int status, string text)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(text + "\n").ConfigureAwait(false);
    }
}
