using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Accounts against the AOT binary with anonymous access off: provisioning from the command line while the
/// service runs, tokens and their roles, revocation, viewers limited to their paths, the login lockout,
/// and WHEP with a token.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class AccountsApiTests
{
    private static readonly Dictionary<string, string?> LoggedInOnly = new()
    {
        ["EDGEBOX_AUTH_ANONYMOUSROLE"] = "none",
        ["EDGEBOX_AUTH_MAXFAILEDLOGINS"] = "3",
    };

    private const string Config = """
        paths:
          cam1: { source: testsrc, sourceOnDemand: true, testsrc: { size: 320x240, fps: 10, audio: false } }
          cam2: { source: testsrc, sourceOnDemand: true, testsrc: { size: 320x240, fps: 10, audio: false } }
        """;

    private static async Task<string> CliAsync(RtspTestServer box, string stdin, params string[] arguments)
    {
        string input = box.Directory.File("password-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(input, stdin + "\n");
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(30), await AotBinary.PathAsync(),
            [.. arguments.Select(a => a == "@pw" ? input : a), "--data", box.Directory.File("data")]);
        Assert.True(code == 0, $"edgebox {string.Join(' ', arguments)} exited {code}: {stderr}");
        return stdout.Trim();
    }

    private static HttpRequestMessage Get(Uri api, string path, string? token) =>
        new(HttpMethod.Get, new Uri(api, path)) { Headers = { Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token) } };

    private static async Task<HttpStatusCode> StatusAsync(RtspTestServer box, string path, string? token)
    {
        using var response = await box.Http.SendAsync(Get(box.Api, path, token));
        return response.StatusCode;
    }

    [Fact]
    public async Task Tokens_from_the_command_line_work_at_once_with_their_role_until_revoked()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config, LoggedInOnly);
        await box.Process.WaitForOutputAsync("No accounts yet", 30);

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(box, "/api/v1/health", null));
        using (var me = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/auth/me")))
        {
            Assert.Contains("\"setupRequired\":true", await me.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (string route in new[] { "/api/v1/paths", "/api/v1/info", "/api/v1/config", "/api/v1/users", "/api/v1/stream", "/metrics", "/api/v1/nope" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(box, route, null));
        }

        // Provisioned while the service runs; the running service sees them on the next request.
        await CliAsync(box, "admin password 1", "users", "add", "root", "--role", "admin", "--password-file", "@pw");
        string admin = await CliAsync(box, "", "tokens", "create", "ci-admin", "--role", "admin");
        string viewer = await CliAsync(box, "", "tokens", "create", "lobby", "--role", "viewer", "--paths", "cam1");
        Assert.StartsWith("ebx_", admin, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(box, "/api/v1/config", admin));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(box, "/metrics", admin));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(box, "/api/v1/config", viewer));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(box, "/api/v1/sessions", viewer));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(box, "/api/v1/paths/cam2/snapshot.jpg", viewer));

        // A viewer lists only its paths.
        using (var paths = await box.Http.SendAsync(Get(box.Api, "/api/v1/paths", viewer)))
        {
            using var body = JsonDocument.Parse(await paths.Content.ReadAsStringAsync());
            Assert.Equal(["cam1"], body.RootElement.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        }

        // Revoked from the command line: 401 at once, and never the anonymous fallback.
        string list = await CliAsync(box, "", "tokens", "list");
        string id = list.Split('\n').Single(l => l.Contains("lobby", StringComparison.Ordinal)).Split('\t')[0];
        await CliAsync(box, "", "tokens", "revoke", id);
        using var revoked = await box.Http.SendAsync(Get(box.Api, "/api/v1/paths", viewer));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Contains("invalid_token", revoked.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        // Tokens made through the API by an admin: shown once, listed without the secret, revocable.
        using var made = await box.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(box.Api, "/api/v1/tokens"))
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", admin) },
            Content = JsonContent.Create(new { name = "ops", role = "operator", expiresInDays = 1 }),
        });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        using var token = JsonDocument.Parse(await made.Content.ReadAsStringAsync());
        string ops = token.RootElement.GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(box, "/api/v1/sessions", ops));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(box, "/api/v1/users", ops));
        using (var tokens = await box.Http.SendAsync(Get(box.Api, "/api/v1/tokens", admin)))
        {
            Assert.DoesNotContain(ops, await tokens.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        string opsId = token.RootElement.GetProperty("info").GetProperty("id").GetString()!;
        using var delete = await box.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, new Uri(box.Api, $"/api/v1/tokens/{opsId}"))
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", admin) },
        });
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(box, "/api/v1/sessions", ops));
    }

    [Fact]
    public async Task Repeated_failed_logins_lock_the_name_out_and_are_logged_as_security_events()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync(Config, LoggedInOnly);
        await box.Process.WaitForOutputAsync("No accounts yet", 30);
        await CliAsync(box, "admin password 1", "users", "add", "root", "--role", "admin", "--password-file", "@pw");

        async Task<HttpResponseMessage> LoginAsync(string password) =>
            await box.Http.PostAsync(new Uri(box.Api, "/api/v1/auth/login"), JsonContent.Create(new { name = "root", password }));

        for (int i = 0; i < 3; i++)
        {
            using var wrong = await LoginAsync("guess " + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // Locked: even the right password is refused until the window has passed.
        using var locked = await LoginAsync("admin password 1");
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.NotNull(locked.Headers.RetryAfter);
        await box.Process.WaitForOutputAsync("Security: logins for root from 127.0.0.1 are locked out until", 10);
        Assert.Contains("Security: failed login for root from 127.0.0.1", box.Process.Output, StringComparison.Ordinal);

        string admin = await CliAsync(box, "", "tokens", "create", "ci", "--role", "admin");
        using var events = await box.Http.SendAsync(Get(box.Api, "/api/v1/events?type=security.lockout", admin));
        Assert.Contains("locked out after 3 failed logins", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Another name is not locked (the address allows four times as many failures).
        await CliAsync(box, "other password 1", "users", "add", "other", "--role", "viewer", "--password-file", "@pw");
        using var other = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/auth/login"), JsonContent.Create(new { name = "other", password = "other password 1" }));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        var cookie = other.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Whep_accepts_an_api_token_for_a_path_with_its_own_credentials()
    {
        const string privateConfig = """
            paths:
              cam1: { source: testsrc, sourceOnDemand: true, readUser: cam, readPass: secret, testsrc: { size: 320x240, fps: 10, audio: false } }
            """;
        await using var box = await RtspTestServer.StartWithConfigAsync(privateConfig, LoggedInOnly);
        await box.Process.WaitForOutputAsync("No accounts yet", 30);
        string viewer = await CliAsync(box, "", "tokens", "create", "wall", "--role", "viewer");
        const string offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

        async Task<HttpStatusCode> OfferAsync(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(box.Api, "/cam1/whep"))
            {
                Content = new StringContent(offer, Encoding.UTF8, "application/sdp"),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/sdp");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await box.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await OfferAsync(null));
        // Past authentication, the (incomplete) offer itself is refused: 400, not 401.
        Assert.Equal(HttpStatusCode.BadRequest, await OfferAsync(viewer));
    }
}
