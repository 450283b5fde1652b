using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBox.Tests.Infrastructure;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// The API reference (<c>GET /api/v1/openapi.json</c>) of the published AOT binary: a valid OpenAPI document
/// that lists every route the source maps under <c>/api/v1</c> (read from the <c>Map*</c> calls in
/// EdgeBox/Web, so a new route without a description fails here), describes them rightly, and whose
/// security matches what the server enforces.
/// </summary>
public sealed partial class OpenApiTests : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _http.Dispose();

    /// <summary>The AOT binary on loopback with its own data directory; <paramref name="anonymousRole"/> "none" makes every caller log in.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly TempDirectory _data = new();
        private EdgeBoxProcess? _process;

        public Uri Address { get; private set; } = null!;

        public static async Task<Server> StartAsync(string anonymousRole = "admin")
        {
            var environment = EdgeBoxProcess.LoopbackEnvironment();
            environment["EDGEBOX_AUTH_ANONYMOUSROLE"] = anonymousRole;
            var server = new Server();
            server._process = EdgeBoxProcess.Start(await AotBinary.PathAsync(), ["run", "--data", server._data.Path], environment);
            server.Address = await server._process.WaitForHttpAsync();
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            if (_process is not null)
            {
                await _process.DisposeAsync();
            }

            _data.Dispose();
        }
    }

    private async Task<(string Text, JsonElement Json)> FetchAsync(Uri server)
    {
        using var response = await _http.GetAsync(new Uri(server, "/api/v1/openapi.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        return (text, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task OpenApi_document_is_valid_and_lists_every_route_the_source_maps()
    {
        await using var edgebox = await Server.StartAsync();
        var (text, json) = await FetchAsync(edgebox.Address);

        Assert.StartsWith("3.", json.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var read = OpenApiDocument.Parse(text, OpenApiConstants.Json);
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.NotNull(read.Document);
        Assert.Empty(read.Document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);

        var operations = Operations(json).ToList();
        var routes = MappedRoutes();
        Assert.True(routes.Count >= 40, $"only {routes.Count} routes found in EdgeBox/Web/*.cs: has the Map* call syntax changed?");
        foreach (var (method, route) in routes)
        {
            var serving = operations.Where(o => o.Method == method && o.Route == route).ToList();
            Assert.True(serving.Count > 0, $"{method} {route} is mapped but not in the API reference (add it to OpenApiDescriptions)");
            string documented = Parameter().Replace(route, "{$1}");
            foreach (var operation in serving)
            {
                // A catch-all route may be listed as its concrete forms (.../snapshot.jpg), each under its own path.
                Assert.True(route.Contains("{**", StringComparison.Ordinal) ? operation.Path.StartsWith(documented, StringComparison.Ordinal) : operation.Path == documented,
                    $"{method} {route} is listed under {operation.Path}");
            }
        }

        foreach (var operation in operations)
        {
            Assert.Contains((operation.Method, operation.Route), routes);
            var body = operation.Body;
            Assert.False(string.IsNullOrWhiteSpace(body.TryGetProperty("summary", out var summary) ? summary.GetString() : null), $"{operation} has no summary");
            Assert.True(body.TryGetProperty("operationId", out _), $"{operation} has no operationId");
            Assert.Single(body.GetProperty("tags").EnumerateArray());
            Assert.Contains(body.GetProperty("x-edgebox-role").GetString(), new[] { "public", "viewer", "operator", "admin" });
            Assert.NotEmpty(body.GetProperty("responses").EnumerateObject());
            var parameters = body.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
            foreach (var parameter in parameters)
            {
                Assert.False(string.IsNullOrWhiteSpace(parameter.TryGetProperty("description", out var d) ? d.GetString() : null),
                    $"{operation}: parameter {parameter.GetProperty("name")} has no description");
            }

            foreach (Match name in SampleValue().Matches(operation.Path))
            {
                Assert.Contains(parameters, p => p.GetProperty("in").GetString() == "path" && p.GetProperty("name").GetString() == name.Groups[1].Value);
            }
        }

        var ids = operations.Select(o => o.Body.GetProperty("operationId").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(operations, o => !o.Path.StartsWith("/api/v1/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApi_operations_carry_their_answers_schemas_and_roles()
    {
        await using var edgebox = await Server.StartAsync();
        var server = edgebox.Address;
        var (text, json) = await FetchAsync(server);
        var paths = json.GetProperty("paths");

        var info = json.GetProperty("info");
        Assert.Equal("EdgeBox", info.GetProperty("title").GetString());
        using (var response = await _http.GetAsync(new Uri(server, "/api/v1/info")))
        {
            string version = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetString()!;
            Assert.Equal(version, info.GetProperty("version").GetString());
        }

        var schemes = json.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("cookie").GetProperty("type").GetString());
        Assert.Equal("cookie", schemes.GetProperty("cookie").GetProperty("in").GetString());
        Assert.Equal("edgebox_session", schemes.GetProperty("cookie").GetProperty("name").GetString());

        var list = paths.GetProperty("/api/v1/paths").GetProperty("get");
        Assert.Equal("#/components/schemas/PathListResponse", JsonSchemaOf(list, "200"));
        Assert.Equal("viewer", list.GetProperty("x-edgebox-role").GetString());
        var pathList = json.GetProperty("components").GetProperty("schemas").GetProperty("PathListResponse");
        Assert.Equal("#/components/schemas/PathDto", pathList.GetProperty("properties").GetProperty("items").GetProperty("items").GetProperty("$ref").GetString());
        var pathDto = json.GetProperty("components").GetProperty("schemas").GetProperty("PathDto").GetProperty("properties");
        Assert.Equal("integer", pathDto.GetProperty("bytesIn").GetProperty("type").GetString());
        Assert.Equal("date-time", pathDto.GetProperty("readySince").GetProperty("format").GetString());

        var putConfig = paths.GetProperty("/api/v1/config").GetProperty("put");
        Assert.Equal("#/components/schemas/ConfigErrorsResponse", JsonSchemaOf(putConfig, "400"));
        Assert.Equal("#/components/schemas/ConfigUpdateResponse", JsonSchemaOf(putConfig, "200"));
        Assert.True(putConfig.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/yaml", out _));
        Assert.Equal("admin", putConfig.GetProperty("x-edgebox-role").GetString());

        // Public routes have no security requirement; the others accept a token or the console's cookie.
        foreach (var (path, method) in new[] { ("/api/v1/health", "get"), ("/api/v1/openapi.json", "get"), ("/api/v1/auth/me", "get"), ("/api/v1/auth/login", "post"),
                     ("/api/v1/auth/setup", "post"), ("/api/v1/auth/logout", "post"), ("/api/v1/auth/password", "post") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(operation.TryGetProperty("security", out _), $"{method} {path} is public");
            Assert.Equal("public", operation.GetProperty("x-edgebox-role").GetString());
        }

        Assert.False(paths.GetProperty("/api/v1/health").GetProperty("get").GetProperty("responses").TryGetProperty("401", out _));

        Assert.Equal("#/components/schemas/HealthResponse", JsonSchemaOf(paths.GetProperty("/api/v1/health").GetProperty("get"), "503"));
        var users = paths.GetProperty("/api/v1/users").GetProperty("get");
        Assert.Equal("admin", users.GetProperty("x-edgebox-role").GetString());
        Assert.Equal(["bearer", "cookie"], users.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)));
        Assert.Equal("#/components/schemas/ErrorResponse", JsonSchemaOf(users, "401"));
        Assert.Equal("#/components/schemas/UserRequest", paths.GetProperty("/api/v1/users").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Contains("admin", users.GetProperty("description").GetString(), StringComparison.Ordinal);

        // The catch-alls' forms are operations of their own; the catch-all that only dispatches is not.
        var snapshot = paths.GetProperty("/api/v1/paths/{name}/snapshot.jpg").GetProperty("get");
        Assert.True(snapshot.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/jpeg", out _));
        Assert.Contains(snapshot.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "width" && p.GetProperty("in").GetString() == "query");
        Assert.Equal("/api/v1/paths/{**name}", snapshot.GetProperty("x-edgebox-route").GetString());
        Assert.Equal("#/components/schemas/PathDto", JsonSchemaOf(paths.GetProperty("/api/v1/paths/{name}").GetProperty("get"), "200"));
        Assert.False(paths.GetProperty("/api/v1/paths/{name}").TryGetProperty("post", out _));
        Assert.Equal("#/components/schemas/ClipDto", JsonSchemaOf(paths.GetProperty("/api/v1/paths/{name}/record").GetProperty("post"), "202"));
        Assert.Equal("operator", paths.GetProperty("/api/v1/paths/{name}/keyframe").GetProperty("post").GetProperty("x-edgebox-role").GetString());
        Assert.Equal("#/components/schemas/ConfigErrorsResponse", JsonSchemaOf(paths.GetProperty("/api/v1/paths/{name}/detect").GetProperty("put"), "400"));
        Assert.True(paths.GetProperty("/api/v1/recordings/{path}/download").GetProperty("get").GetProperty("responses").GetProperty("206")
            .GetProperty("content").TryGetProperty("video/mp4", out _));
        Assert.True(paths.GetProperty("/api/v1/recordings/{path}/index.m3u8").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").TryGetProperty("application/vnd.apple.mpegurl", out _));

        var uplink = paths.GetProperty("/api/v1/uplink").GetProperty("get");
        Assert.Equal("operator", uplink.GetProperty("x-edgebox-role").GetString());
        Assert.Equal("#/components/schemas/UplinkResponse", JsonSchemaOf(uplink, "200"));
        var fleetSummary = json.GetProperty("components").GetProperty("schemas").GetProperty("InfoResponse").GetProperty("properties").GetProperty("fleet");
        Assert.Equal("#/components/schemas/FleetSummaryDto", fleetSummary.GetProperty("$ref").GetString());

        var events = paths.GetProperty("/api/v1/events").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString());
        Assert.Equal(["since", "before", "order", "type", "path", "label", "from", "to", "limit"], events);

        // Served from memory once made: a second request is the same document, and its ETag revalidates.
        using var first = await _http.GetAsync(new Uri(server, "/api/v1/openapi.json"));
        Assert.Equal(text, await first.Content.ReadAsStringAsync());
        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/api/v1/openapi.json"));
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var revalidated = await _http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task OpenApi_every_protected_operation_answers_401_without_an_account()
    {
        await using var edgebox = await Server.StartAsync(anonymousRole: "none");
        var server = edgebox.Address;
        var (_, json) = await FetchAsync(server);

        var answers = new List<string>();
        foreach (var operation in Operations(json))
        {
            bool isPublic = operation.Body.GetProperty("x-edgebox-role").GetString() == "public";
            Assert.Equal(isPublic, !operation.Body.TryGetProperty("security", out _));
            if (isPublic)
            {
                continue;
            }

            string path = SampleValue().Replace(operation.Path, m => m.Groups[1].Value switch
            {
                "name" or "path" => "demo",
                _ => "1",
            });
            using var request = new HttpRequestMessage(new HttpMethod(operation.Method), new Uri(server, path));
            if (operation.Method is "POST" or "PUT" or "PATCH")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await _http.SendAsync(request, timeout.Token);
            answers.Add($"{operation.Method} {path}: {(int)response.StatusCode}");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{operation.Method} {path} answered {(int)response.StatusCode} without an account");
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        Assert.True(answers.Count >= 35, string.Join('\n', answers));

        foreach (string open in new[] { "/api/v1/health", "/api/v1/auth/me", "/api/v1/openapi.json" })
        {
            using var response = await _http.GetAsync(new Uri(server, open));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private sealed record Operation(string Method, string Path, string Route, JsonElement Body)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    private static IEnumerable<Operation> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "put" or "post" or "delete" or "options" or "head" or "patch" or "trace"))
            {
                yield return new Operation(operation.Name.ToUpperInvariant(), path.Name, operation.Value.GetProperty("x-edgebox-route").GetString()!, operation.Value);
            }
        }
    }

    private static string? JsonSchemaOf(JsonElement operation, string status) =>
        operation.GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();

    /// <summary>
    /// Every (method, route) the source maps under /api/v1: the <c>Map*</c> calls in EdgeBox/Web/*.cs on the
    /// <c>/api/v1</c> group (<c>api.</c>) or with a path that starts with it.
    /// </summary>
    private static HashSet<(string Method, string Route)> MappedRoutes()
    {
        var routes = new HashSet<(string, string)>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "EdgeBox", "Web"), "*.cs"))
        {
            foreach (Match call in MapCall().Matches(File.ReadAllText(file)))
            {
                string pattern = call.Groups["pattern"].Value;
                string route = call.Groups["receiver"].Value == "api" ? "/api/v1" + pattern : pattern;
                if (!route.StartsWith("/api/v1/", StringComparison.Ordinal))
                {
                    continue;
                }

                var methods = call.Groups["verb"].Value == "Methods"
                    ? call.Groups["methods"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(m => m.Replace("HttpMethods.", "", StringComparison.Ordinal).Trim('"').ToUpperInvariant())
                    : [call.Groups["verb"].Value.ToUpperInvariant()];
                foreach (string method in methods)
                {
                    routes.Add((method, route));
                }
            }
        }

        return routes;
    }

    [GeneratedRegex("""(?<receiver>\w+)\.Map(?<verb>Get|Post|Put|Delete|Patch|Methods)\(\s*"(?<pattern>[^"]*)"\s*(?:,\s*\[(?<methods>[^\]]*)\])?""")]
    private static partial Regex MapCall();

    /// <summary>A route parameter with its catch-all stars and constraint: <c>{**name}</c>, <c>{id:long}</c>.</summary>
    [GeneratedRegex(@"\{\**([^}:=?]+)[^}]*\}")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex SampleValue();
}
