using EdgeBox.Security;

namespace EdgeBox.Web;

/// <summary>The least role an endpoint needs; <see cref="Role.None"/> marks a public one. Endpoints under <c>/api/v1</c> without it need admin.</summary>
internal sealed record RequiredRole(Role Role);

internal static class Access
{
    /// <summary>Lets <paramref name="role"/> (and every role above it) call the endpoint.</summary>
    public static TBuilder Allow<TBuilder>(this TBuilder builder, Role role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(role));

    /// <summary>Anyone may call the endpoint, logged in or not.</summary>
    public static TBuilder Public<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(Role.None));

    /// <summary>Who is calling; set by <see cref="AuthMiddleware"/> on every protected request.</summary>
    public static Principal? Principal(this HttpContext context) => context.Features.Get<Principal>();

    /// <summary>
    /// Whether the caller may see <paramref name="path"/>'s video, recordings and events; things of no
    /// path (system events) are for operators and admins.
    /// </summary>
    public static bool CanSee(this HttpContext context, string? path) =>
        context.Principal() is not { } principal || (path is null ? principal.Role >= Role.Operator : principal.CanSee(path));

    public static IResult Forbidden(string message) =>
        TypedResults.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: StatusCodes.Status403Forbidden);
}
