using EdgeBox.Security;

namespace EdgeBox.Web;

/// <summary>
/// Guards the API: every request under <c>/api/v1</c> and <c>/metrics</c>, and every endpoint that
/// declares a <see cref="RequiredRole"/>, must come from someone with that role (admin when the
/// endpoint declares none, so a new route is closed until it says otherwise). 401 when the caller is
/// unknown, 403 when the role is too low or the user must first change the password.
/// Public endpoints (<see cref="Role.None"/>) still get the caller resolved, for "who am I".
/// </summary>
internal static class AuthMiddleware
{
    public static void Use(WebApplication app)
    {
        var auth = app.Services.GetRequiredService<AuthService>();
        app.Use(async (context, next) =>
        {
            var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredRole>()?.Role;
            var path = context.Request.Path;
            bool guarded = required is not null || path.StartsWithSegments("/api/v1", StringComparison.Ordinal)
                || path.StartsWithSegments("/metrics", StringComparison.Ordinal);
            if (!guarded)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var principal = auth.Resolve(context, out bool badToken);
            if (principal is not null)
            {
                context.Features.Set(principal);
            }

            if (required == Role.None)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var need = required ?? (path.StartsWithSegments("/metrics", StringComparison.Ordinal) ? Role.Operator : Role.Admin);
            if (principal is null)
            {
                context.Response.Headers.WWWAuthenticate = badToken
                    ? "Bearer realm=\"EdgeBox\", error=\"invalid_token\""
                    : "Bearer realm=\"EdgeBox\"";
                await Results.Json(new ErrorResponse(badToken ? "the API token is unknown, revoked or expired" : "log in or send an API token (Authorization: Bearer ...)"),
                    ApiJsonContext.Default.ErrorResponse, statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (principal.MustChangePassword)
            {
                await Access.Forbidden("choose a new password first (POST /api/v1/auth/password)").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (principal.Role < need)
            {
                await Access.Forbidden($"this needs the {Roles.Name(need)} role; {principal.Name} is {Roles.Name(principal.Role)}")
                    .ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }
}
