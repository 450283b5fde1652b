using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeBox.Security;

namespace EdgeBox.Web;

/// <summary>
/// Logging in and out, first-run set-up, and (admin) users and API tokens under <c>/api/v1</c>.
/// Documented in README.md ("Accounts").
/// </summary>
internal static class AuthEndpoints
{
    /// <summary>Largest JSON body these routes read: names, passwords and path lists are small.</summary>
    private const int MaxBody = 64 * 1024;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/auth/me", Me).Public();
        api.MapPost("/auth/setup", SetupAsync).Public();
        api.MapPost("/auth/login", LoginAsync).Public();
        api.MapPost("/auth/logout", Logout).Public();
        api.MapPost("/auth/password", ChangePasswordAsync).Public(); // checked inside: users whose password must change may call it
        api.MapGet("/users", Users).Allow(Role.Admin);
        api.MapPost("/users", AddUserAsync).Allow(Role.Admin);
        api.MapMethods("/users/{name}", [HttpMethods.Patch], UpdateUserAsync).Allow(Role.Admin);
        api.MapDelete("/users/{name}", RemoveUser).Allow(Role.Admin);
        api.MapGet("/tokens", Tokens).Allow(Role.Admin);
        api.MapPost("/tokens", CreateTokenAsync).Allow(Role.Admin);
        api.MapDelete("/tokens/{id}", RevokeToken).Allow(Role.Admin);
    }

    private static IResult Me(HttpContext context, AuthService auth)
    {
        bool setup;
        try
        {
            setup = !auth.Store.HasUsers;
        }
        catch (AccountException)
        {
            setup = false; // an unreadable file is not a fresh box: never offer set-up over it
        }

        var p = context.Principal();
        return TypedResults.Json(
            new MeResponse(p is not null, p?.Name, p is null ? null : Roles.Name(p.Role), p?.Kind.ToString().ToLowerInvariant(), p?.Paths,
                p?.MustChangePassword ?? false, setup),
            ApiJsonContext.Default.MeResponse);
    }

    private static async Task<IResult> SetupAsync(HttpContext context, AuthService auth)
    {
        if (await ReadAsync(context.Request, ApiJsonContext.Default.SetupRequest).ConfigureAwait(false) is not { } body)
        {
            return Error(400, "send {\"code\": ..., \"name\": ..., \"password\": ...} as JSON");
        }

        var remote = context.Connection.RemoteIpAddress;
        if (auth.SetupLockedUntil(remote) is { } until)
        {
            return Error(429, $"too many wrong setup codes; try again after {until:HH:mm:ss} UTC");
        }

        try
        {
            var user = auth.Store.CompleteSetup(body.Code ?? "", body.Name ?? "", body.Password ?? "");
            var principal = new Principal(user.Name, Role.Admin, null, PrincipalKind.User);
            auth.Audit(principal, "created the administrator account at first-run set-up");
            auth.SetCookie(context, auth.Store.CreateSession(user.Name, TimeSpan.FromDays(1)));
            context.Features.Set(principal);
            return Me(context, auth);
        }
        catch (AccountException ex)
        {
            if (ex.Error == AccountError.Invalid && ex.Message.StartsWith("the setup code", StringComparison.Ordinal))
            {
                auth.SetupFailed(remote);
            }

            return Problem(ex);
        }
    }

    private static async Task<IResult> LoginAsync(HttpContext context, AuthService auth)
    {
        if (await ReadAsync(context.Request, ApiJsonContext.Default.LoginRequest).ConfigureAwait(false) is not { Name: { } name, Password: { } password })
        {
            return Error(400, "send {\"name\": ..., \"password\": ...} as JSON");
        }

        LoginResult result;
        try
        {
            result = auth.Login(name, password, context.Connection.RemoteIpAddress);
        }
        catch (AccountException ex)
        {
            return Problem(ex);
        }

        if (result.LockedUntil is { } until)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((until - TimeProvider.System.GetUtcNow()).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Error(429, result.Error!);
        }

        if (result.Principal is not { } principal)
        {
            return Error(401, result.Error!);
        }

        auth.SetCookie(context, result.Session!);
        context.Features.Set(principal);
        return Me(context, auth);
    }

    private static IResult Logout(HttpContext context, AuthService auth)
    {
        if (context.Request.Cookies[AuthService.CookieName] is { Length: > 0 } cookie)
        {
            try
            {
                auth.Store.EndSession(cookie);
            }
            catch (AccountException ex)
            {
                return Problem(ex);
            }
        }

        AuthService.ClearCookie(context);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, AuthService auth)
    {
        if (context.Principal() is not { Kind: PrincipalKind.User } principal)
        {
            return Error(401, "log in to change your password");
        }

        if (await ReadAsync(context.Request, ApiJsonContext.Default.PasswordRequest).ConfigureAwait(false) is not { Current: { } current, Password: { } password })
        {
            return Error(400, "send {\"current\": ..., \"password\": ...} as JSON");
        }

        if (auth.Store.CheckPassword(principal.Name, current) is null)
        {
            return Error(403, "the current password is wrong");
        }

        if (password == current)
        {
            return Error(400, "choose a password different from the current one");
        }

        try
        {
            auth.Store.UpdateUser(principal.Name, null, null, false, password, mustChangePassword: false, keepSession: context.Request.Cookies[AuthService.CookieName]);
        }
        catch (AccountException ex)
        {
            return Problem(ex);
        }

        auth.Audit(principal, "changed their password");
        return TypedResults.NoContent();
    }

    private static IResult Users(AuthService auth) =>
        Guard(() => TypedResults.Json(new UserListResponse(auth.Store.Current.Users.OrderBy(u => u.Name, StringComparer.Ordinal).Select(ToDto).ToList()),
            ApiJsonContext.Default.UserListResponse));

    private static async Task<IResult> AddUserAsync(HttpContext context, AuthService auth)
    {
        if (await ReadAsync(context.Request, ApiJsonContext.Default.UserRequest).ConfigureAwait(false) is not { Name: { } name, Password: { } password } body)
        {
            return Error(400, "send {\"name\": ..., \"role\": \"viewer|operator|admin\", \"password\": ..., \"paths\": [...]} as JSON");
        }

        if (!Roles.TryParse(body.Role, out var role))
        {
            return Error(400, "role is one of: " + string.Join(", ", Roles.Names));
        }

        return Guard(() =>
        {
            var user = auth.Store.AddUser(name, role, password, body.AllPaths == true ? null : body.Paths, body.MustChangePassword ?? true);
            auth.Audit(context.Principal()!, $"added {Roles.Name(role)} '{name}'");
            return TypedResults.Json(ToDto(user), ApiJsonContext.Default.UserDto, statusCode: 201);
        });
    }

    private static async Task<IResult> UpdateUserAsync(HttpContext context, string name, AuthService auth)
    {
        if (await ReadAsync(context.Request, ApiJsonContext.Default.UserRequest).ConfigureAwait(false) is not { } body)
        {
            return Error(400, "send the changes as JSON: {\"role\": ..., \"password\": ..., \"paths\": [...] or \"allPaths\": true}");
        }

        Role? role = null;
        if (body.Role is not null)
        {
            if (!Roles.TryParse(body.Role, out var parsed))
            {
                return Error(400, "role is one of: " + string.Join(", ", Roles.Names));
            }

            role = parsed;
        }

        bool setPaths = body.AllPaths == true || body.Paths is not null;
        return Guard(() =>
        {
            var user = auth.Store.UpdateUser(name, role, body.AllPaths == true ? null : body.Paths, setPaths, body.Password, body.MustChangePassword ?? true);
            auth.Audit(context.Principal()!, $"changed user '{name}'" + (body.Password is null ? "" : " (new password)"));
            return TypedResults.Json(ToDto(user), ApiJsonContext.Default.UserDto);
        });
    }

    private static IResult RemoveUser(HttpContext context, string name, AuthService auth) =>
        Guard(() =>
        {
            auth.Store.RemoveUser(name);
            auth.Audit(context.Principal()!, $"removed user '{name}'");
            return TypedResults.NoContent();
        });

    private static IResult Tokens(AuthService auth) =>
        Guard(() => TypedResults.Json(new TokenListResponse(auth.Store.Current.Tokens.OrderBy(t => t.Created).Select(ToDto).ToList()),
            ApiJsonContext.Default.TokenListResponse));

    private static async Task<IResult> CreateTokenAsync(HttpContext context, AuthService auth, TimeProvider time)
    {
        if (await ReadAsync(context.Request, ApiJsonContext.Default.TokenRequest).ConfigureAwait(false) is not { Name: { } name } body)
        {
            return Error(400, "send {\"name\": ..., \"role\": \"viewer|operator|admin\", \"paths\": [...], \"expiresInDays\": N} as JSON");
        }

        if (!Roles.TryParse(body.Role, out var role))
        {
            return Error(400, "role is one of: " + string.Join(", ", Roles.Names));
        }

        if (body.ExpiresInDays is <= 0 or > 3650)
        {
            return Error(400, "expiresInDays is from 1 to 3650 (leave it out for a token that does not expire)");
        }

        DateTimeOffset? expires = body.ExpiresInDays is { } days ? time.GetUtcNow().AddDays(days) : null;
        return Guard(() =>
        {
            var principal = context.Principal()!;
            var (secret, token) = auth.Store.CreateToken(name, role, body.Paths, principal.Name, expires);
            auth.Audit(principal, $"created {Roles.Name(role)} token '{name}' ({token.Id})");
            return TypedResults.Json(new TokenCreatedResponse(secret, ToDto(token)), ApiJsonContext.Default.TokenCreatedResponse, statusCode: 201);
        });
    }

    private static IResult RevokeToken(HttpContext context, string id, AuthService auth) =>
        Guard(() =>
        {
            auth.Store.RevokeToken(id);
            auth.Audit(context.Principal()!, $"revoked token {id}");
            return TypedResults.NoContent();
        });

    private static UserDto ToDto(UserRecord u) => new(u.Name, u.Role, u.Paths, u.Created, u.MustChangePassword);

    private static TokenDto ToDto(TokenRecord t) => new(t.Id, t.Name, t.Role, t.Paths, t.Created, t.CreatedBy, t.Expires);

    private static IResult Guard(Func<IResult> action)
    {
        try
        {
            return action();
        }
        catch (AccountException ex)
        {
            return Problem(ex);
        }
    }

    private static IResult Problem(AccountException ex) => Error(
        ex.Error switch
        {
            AccountError.NotFound => 404,
            AccountError.Conflict => 409,
            AccountError.Storage => 503,
            _ => 400,
        },
        ex.Message);

    private static IResult Error(int status, string message) =>
        TypedResults.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: status);

    /// <summary>The body as <typeparamref name="T"/>, or null when it is missing, too long or not that JSON.</summary>
    internal static async Task<T?> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        if (request.ContentLength > MaxBody
            || await ApiEndpoints.ReadBodyAsync(request, MaxBody, request.HttpContext.RequestAborted).ConfigureAwait(false) is not { Length: > 0 } text)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
