using System.Net;
using EdgeBox.Configuration;
using EdgeBox.Events;
using EdgeBox.Infrastructure;
using EdgeBox.Security;

namespace EdgeBox.Web;

/// <summary>
/// Works out who sends a request (an API token, a console session cookie, or an anonymous client the
/// config admits) and runs logins with their rate limit. Failed logins and lockouts are security
/// events: logged under <c>EdgeBox.Security</c> and published on the event bus.
/// </summary>
internal sealed partial class AuthService
{
    public const string CookieName = "edgebox_session";

    private readonly AccountStore _store;
    private readonly LoginThrottle _throttle;
    private readonly ConfigManager _config;
    private readonly EventBus _events;
    private readonly ILogger _log;
    private readonly TimeProvider _time;

    public AuthService(AccountStore store, ConfigManager config, EventBus events, ILoggerFactory loggers, TimeProvider time)
    {
        _store = store;
        _config = config;
        _events = events;
        _time = time;
        _throttle = new LoginThrottle(time);
        _log = loggers.CreateLogger("EdgeBox.Security");
    }

    public AccountStore Store => _store;

    private AuthConfig Settings => _config.Current.Config.Auth;

    /// <summary>Logs the first-run setup code while no account exists (and says where it is kept).</summary>
    public void AnnounceSetup()
    {
        try
        {
            if (_store.SetupCode() is { } code)
            {
                Log.SetupCode(_log, code, _store.SetupCodePath);
            }
        }
        catch (Exception ex) when (ex is AccountException or IOException or UnauthorizedAccessException)
        {
            Log.AccountsUnreadable(_log, ex.Message);
        }
    }

    /// <summary>
    /// The caller, or null. A bearer token that is unknown, revoked or expired is an error of its own
    /// (<paramref name="badToken"/>): the caller meant to authenticate, so it does not fall back to anonymous.
    /// </summary>
    public Principal? Resolve(HttpContext context, out bool badToken)
    {
        badToken = false;
        try
        {
            string? authorization = context.Request.Headers.Authorization;
            if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                string secret = authorization[7..].Trim();
                if (secret.StartsWith(AccountStore.TokenPrefix, StringComparison.Ordinal))
                {
                    var principal = _store.FromToken(secret);
                    badToken = principal is null;
                    return principal;
                }
            }

            if (context.Request.Cookies[CookieName] is { Length: > 0 } cookie && _store.FromSession(cookie) is { } user)
            {
                return user;
            }
        }
        catch (AccountException ex)
        {
            Log.AccountsUnreadable(_log, ex.Message);
        }

        return Anonymous(context.Connection.RemoteIpAddress);
    }

    public Principal? Anonymous(IPAddress? remote)
    {
        var settings = Settings;
        if (settings.AnonymousRole == Role.None)
        {
            return null;
        }

        if (settings.AnonymousNetworks.Count > 0)
        {
            if (remote is null)
            {
                return null;
            }

            var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
            if (!settings.AnonymousNetworks.Any(n => IPNetwork.TryParse(n, out var network) && network.Contains(address)))
            {
                return null;
            }
        }

        return new Principal("anonymous", settings.AnonymousRole, null, PrincipalKind.Anonymous);
    }

    /// <summary>Checks a login; on success returns the user and a new session cookie value.</summary>
    public LoginResult Login(string user, string password, IPAddress? remote)
    {
        var settings = Settings;
        _throttle.MaxFailures = settings.MaxFailedLogins;
        _throttle.Lockout = settings.LockoutDuration;
        string shown = user.Length > 64 ? user[..64] : user;
        string from = remote?.ToString() ?? "?";
        if (_throttle.LockedUntil(user, remote) is { } until)
        {
            Log.LoginLockedOut(_log, shown, from, until);
            return new LoginResult(null, null, $"too many failed logins; try again after {until:HH:mm:ss} UTC", until);
        }

        var record = _store.CheckPassword(user, password);
        if (record is null || !Roles.TryParse(record.Role, out var role))
        {
            bool locked = _throttle.Failed(user, remote);
            Log.LoginFailed(_log, shown, from);
            _events.Publish(EventTypes.LoginFailed, null, null, $"failed login for '{shown}' from {from}");
            if (locked)
            {
                var lockedUntil = _time.GetUtcNow() + settings.LockoutDuration;
                Log.LoginLockedOut(_log, shown, from, lockedUntil);
                _events.Publish(EventTypes.LoginLockedOut, null, null,
                    $"'{shown}' (or {from}) locked out after {settings.MaxFailedLogins} failed logins until {lockedUntil:HH:mm:ss} UTC");
            }

            return new LoginResult(null, null, "wrong user name or password", null);
        }

        _throttle.Succeeded(user);
        if (PasswordHasher.NeedsRehash(record.Password))
        {
            _store.UpdateUser(user, null, null, false, password, record.MustChangePassword);
        }

        string session = _store.CreateSession(record.Name, settings.SessionLifetime);
        Log.LoginSucceeded(_log, record.Name, from);
        var principal = new Principal(record.Name, role, role == Role.Viewer ? record.Paths : null, PrincipalKind.User)
        {
            MustChangePassword = record.MustChangePassword,
        };
        return new LoginResult(principal, session, null, null);
    }

    private const string SetupKey = "#first-run-setup";

    /// <summary>Wrong setup codes count like failed logins, so the code cannot be guessed.</summary>
    public DateTimeOffset? SetupLockedUntil(IPAddress? remote) => _throttle.LockedUntil(SetupKey, remote);

    public void SetupFailed(IPAddress? remote)
    {
        string from = remote?.ToString() ?? "?";
        _throttle.Failed(SetupKey, remote);
        Log.LoginFailed(_log, "first-run set-up (wrong setup code)", from);
        _events.Publish(EventTypes.LoginFailed, null, null, $"wrong setup code from {from}");
    }

    /// <summary>Sets the session cookie: HttpOnly, SameSite=Strict, Secure when the request came over HTTPS.</summary>
    public void SetCookie(HttpContext context, string session) =>
        context.Response.Cookies.Append(CookieName, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = Settings.SessionLifetime,
        });

    public static void ClearCookie(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/" });

    public void Audit(Principal by, string what)
    {
        Log.AccountChanged(_log, by.Name, what);
        _events.Publish(EventTypes.AccountChanged, null, null, $"{by.Name}: {what}");
    }

    internal static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LoginSucceeded, EventName = "LoginSucceeded", Level = LogLevel.Information, Message = "{User} logged in from {Remote}")]
        public static partial void LoginSucceeded(ILogger logger, string user, string remote);

        [LoggerMessage(EventId = EventIds.LoginFailed, EventName = "LoginFailed", Level = LogLevel.Warning, Message = "Security: failed login for {User} from {Remote}")]
        public static partial void LoginFailed(ILogger logger, string user, string remote);

        [LoggerMessage(EventId = EventIds.LoginLockedOut, EventName = "LoginLockedOut", Level = LogLevel.Warning,
            Message = "Security: logins for {User} from {Remote} are locked out until {Until:u}")]
        public static partial void LoginLockedOut(ILogger logger, string user, string remote, DateTimeOffset until);

        [LoggerMessage(EventId = EventIds.SetupCode, EventName = "SetupCode", Level = LogLevel.Warning,
            Message = "No accounts yet: open the web console and create the administrator with setup code {Code} (also in {File}), or run 'edgebox users add NAME --role admin'")]
        public static partial void SetupCode(ILogger logger, string code, string file);

        [LoggerMessage(EventId = EventIds.AccountsUnreadable, EventName = "AccountsUnreadable", Level = LogLevel.Error, Message = "Accounts: {Reason}")]
        public static partial void AccountsUnreadable(ILogger logger, string reason);

        [LoggerMessage(EventId = EventIds.AccountChanged, EventName = "AccountChanged", Level = LogLevel.Information, Message = "Security: {User} {What}")]
        public static partial void AccountChanged(ILogger logger, string user, string what);
    }
}

internal sealed record LoginResult(Principal? Principal, string? Session, string? Error, DateTimeOffset? LockedUntil);
