using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeBox.Infrastructure;
using EdgeBox.Security;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EdgeBox.Web;

/// <summary>
/// Gives each operation the framework found its least role (<see cref="RequiredRole"/>; admin when the route
/// declares none), the security schemes that role needs, the route that serves it, and its texts, parameters,
/// body and answers from <see cref="OpenApiDescriptions"/>.
/// </summary>
internal sealed class OpenApiOperationDescriber : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var document = context.Document!;
        string path = OpenApiRoutes.ItemPath(description);
        string key = $"{description.HttpMethod} {path}";
        var role = OpenApiRoutes.RoleOf(description);
        OpenApiRoutes.Secure(operation, role, OpenApiRoutes.RouteOf(description), document);
        if (!OpenApiDescriptions.Operations.TryGetValue(key, out var doc))
        {
            return Task.CompletedTask;
        }

        // A catch-all route whose forms are listed on their own keeps only the parameters its own entry names.
        bool exact = OpenApiDescriptions.Operations.Values.Any(o => o.ServedBy == path && o.Method == doc.Method);
        return OpenApiRoutes.DescribeAsync(operation, doc, role, exact, OpenApiSchemas.Components(document, type => context.GetOrCreateSchemaAsync(type, null, cancellationToken)), document);
    }
}

/// <summary>
/// Sets the document's title, version, security schemes and tags, and lists the forms of the catch-all routes
/// (<c>GET /api/v1/paths/{name}/snapshot.jpg</c> of <c>GET /api/v1/paths/{**name}</c>) as operations of their own.
/// </summary>
internal sealed class OpenApiDocumentDescriber : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "EdgeBox",
            Version = BuildInfo.Version,
            Description = "The REST API of an EdgeBox media server. Every route needs an account unless it says it is public: an API token "
                + "(`Authorization: Bearer ebx_...`, made by an admin with `POST /api/v1/tokens` or `edgebox tokens add`) or the console's "
                + "`edgebox_session` cookie (`POST /api/v1/auth/login`). Roles: viewer < operator < admin; `x-edgebox-role` names each "
                + "operation's least role. Without an account: 401; with too low a role: 403. WHIP and WHEP (`POST /{path}/whip`, "
                + "`/{path}/whep`), RTSP, RTMP, SRT and `/metrics` are outside this API (see README.md).",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
        {
            [OpenApiRoutes.Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "ebx_...",
                Description = "An API token: `Authorization: Bearer ebx_...`.",
            },
            [OpenApiRoutes.Cookie] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = AuthService.CookieName,
                Description = "The console's session, set by `POST /api/v1/auth/login`.",
            },
        };

        var descriptions = context.DescriptionGroups.SelectMany(g => g.Items).ToList();
        var paths = document.Paths;
        foreach (var doc in OpenApiDescriptions.Operations.Values.Where(o => o.ServedBy is not null))
        {
            var served = descriptions.FirstOrDefault(d => d.HttpMethod == doc.Method && OpenApiRoutes.ItemPath(d) == doc.ServedBy);
            if (served is null || paths.GetValueOrDefault(doc.ServedBy!)?.Operations?.GetValueOrDefault(HttpMethod.Parse(doc.Method)) is not { } route)
            {
                continue; // the route is not mapped (any more): OpenApiTests fails on the entry
            }

            var role = OpenApiRoutes.RoleOf(served);
            var operation = new OpenApiOperation
            {
                Parameters = route.Parameters?.Select(p => p.CreateShallowCopy()).ToList(),
            };
            OpenApiRoutes.Secure(operation, role, OpenApiRoutes.RouteOf(served), document);
            await OpenApiRoutes.DescribeAsync(operation, doc, role, exact: true, OpenApiSchemas.Components(document, type => context.GetOrCreateSchemaAsync(type, null, cancellationToken)), document)
                .ConfigureAwait(false);
            if (!paths.TryGetValue(doc.Path, out var item))
            {
                item = paths[doc.Path] = new OpenApiPathItem();
            }

            ((OpenApiPathItem)item).AddOperation(HttpMethod.Parse(doc.Method), operation);
        }

        // A catch-all route that only serves its forms is not an operation of its own.
        foreach (var doc in OpenApiDescriptions.Operations.Values.Where(o => o.ServedBy is not null))
        {
            if (!OpenApiDescriptions.Operations.ContainsKey($"{doc.Method} {doc.ServedBy}") && paths.GetValueOrDefault(doc.ServedBy!) is OpenApiPathItem { Operations: { } operations })
            {
                operations.Remove(HttpMethod.Parse(doc.Method));
                if (operations.Count == 0)
                {
                    paths.Remove(doc.ServedBy!);
                }
            }
        }

        // Forms next to their routes.
        var sorted = paths.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        paths.Clear();
        foreach (var (path, item) in sorted)
        {
            paths[path] = item;
        }

        document.Tags = new HashSet<OpenApiTag>(OpenApiDescriptions.Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
    }
}

/// <summary>What both describers do to an operation.</summary>
internal static partial class OpenApiRoutes
{
    public const string Bearer = "bearer";
    public const string Cookie = "cookie";

    /// <summary>The path as the document shows it: <c>/api/v1/paths/{name}</c> for <c>api/v1/paths/{**name}</c>, <c>{id}</c> for <c>{id:long}</c>.</summary>
    public static string ItemPath(ApiDescription description) => "/" + Parameter().Replace(description.RelativePath ?? "", "{$1}");

    /// <summary>The route pattern as mapped (<c>/api/v1/paths/{**name}</c>).</summary>
    public static string RouteOf(ApiDescription description) => "/" + (description.RelativePath ?? "");

    public static Role RoleOf(ApiDescription description) =>
        description.ActionDescriptor.EndpointMetadata.OfType<RequiredRole>().LastOrDefault()?.Role ?? Role.Admin;

    public static void Secure(OpenApiOperation operation, Role role, string route, OpenApiDocument document)
    {
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal);
        operation.Extensions["x-edgebox-role"] = new JsonNodeExtension(JsonValue.Create(role == Role.None ? "public" : Roles.Name(role)));
        operation.Extensions["x-edgebox-route"] = new JsonNodeExtension(JsonValue.Create(route));
        operation.Security = role == Role.None
            ? null
            :
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Cookie, document)] = [] },
            ];
    }

    public static async Task DescribeAsync(OpenApiOperation operation, OperationDoc doc, Role role, bool exact,
        Func<Type, Task<IOpenApiSchema>> schemaOf, OpenApiDocument document)
    {
        operation.OperationId = doc.Id;
        operation.Summary = doc.Summary;
        string access = role == Role.None ? "" : $"Needs the {Roles.Name(role)} role.";
        operation.Description = string.Join(' ', new[] { doc.Description, access }.Where(t => !string.IsNullOrEmpty(t)));
        operation.Tags = new HashSet<OpenApiTagReference> { new(doc.Tag, document) };

        var inferred = operation.Parameters ?? [];
        var parameters = new List<IOpenApiParameter>();
        foreach (var parameter in doc.Parameters)
        {
            var location = Location(parameter.In);
            var found = inferred.OfType<OpenApiParameter>().FirstOrDefault(p => p.In == location && string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            var described = found ?? new OpenApiParameter { Name = parameter.Name, In = location, Schema = Scalar(parameter.Kind) };
            described.Description = parameter.Description;
            described.Required = parameter.Required || location == ParameterLocation.Path;
            parameters.Add(described);
        }

        // Parameters the handler declares that the entry does not name stay, except on a catch-all's own forms.
        parameters.AddRange(inferred.Where(p => (!exact || p.In == ParameterLocation.Path) && !parameters.Any(d => d.In == p.In && string.Equals(d.Name, p.Name, StringComparison.OrdinalIgnoreCase))));
        operation.Parameters = parameters.Count == 0 ? null : parameters;

        operation.RequestBody = doc.Body is { } body
            ? new OpenApiRequestBody { Description = body.Description, Required = body.Required, Content = await ContentAsync(body.Content, schemaOf).ConfigureAwait(false) }
            : null;

        var responses = new OpenApiResponses();
        foreach (var response in doc.Responses)
        {
            responses[Status(response.Status)] = new OpenApiResponse
            {
                Description = response.Description,
                Content = response.Content.Count == 0 ? null : await ContentAsync(response.Content, schemaOf).ConfigureAwait(false),
            };
        }

        if (role != Role.None)
        {
            var error = await schemaOf(typeof(ErrorResponse)).ConfigureAwait(false);
            AddAccessError(responses, 401, "No account: log in or send an API token; or the token is unknown, revoked or expired.", error);
            AddAccessError(responses, 403, $"The caller's role is below {Roles.Name(role)}, or the user must change the password first.", error);
        }

        var ordered = new OpenApiResponses();
        foreach (var (status, response) in responses.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            ordered[status] = response;
        }

        operation.Responses = ordered;
    }

    private static void AddAccessError(OpenApiResponses responses, int status, string description, IOpenApiSchema error)
    {
        if (responses.TryGetValue(Status(status), out var listed) && listed is OpenApiResponse response)
        {
            response.Description = $"{response.Description} Or: {description}";
            return;
        }

        responses[Status(status)] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = error } },
        };
    }

    private static async Task<Dictionary<string, OpenApiMediaType>> ContentAsync(IReadOnlyList<ContentDoc> contents, Func<Type, Task<IOpenApiSchema>> schemaOf)
    {
        var media = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
        foreach (var content in contents)
        {
            IOpenApiSchema schema;
            if (content.Json is { } type)
            {
                schema = await schemaOf(type).ConfigureAwait(false);
            }
            else if (content.Fields.Count > 0)
            {
                schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = content.Fields.ToDictionary(f => f.Name, f => (IOpenApiSchema)Scalar(f.Kind, f.Description), StringComparer.Ordinal),
                    Required = content.Fields.Where(f => f.Required).Select(f => f.Name).ToHashSet(StringComparer.Ordinal),
                };
            }
            else
            {
                schema = Scalar(content.Kind);
            }

            media[content.MediaType] = new OpenApiMediaType { Schema = schema };
        }

        return media;
    }

    private static OpenApiSchema Scalar(ValueKind kind, string? description = null) => kind switch
    {
        ValueKind.Integer => new() { Type = JsonSchemaType.Integer, Description = description },
        ValueKind.Number => new() { Type = JsonSchemaType.Number, Description = description },
        ValueKind.Boolean => new() { Type = JsonSchemaType.Boolean, Description = description },
        ValueKind.Time => new() { Type = JsonSchemaType.String, Format = "date-time", Description = description },
        ValueKind.Binary => new() { Type = JsonSchemaType.String, Format = "binary", Description = description },
        ValueKind.Object => new() { Type = JsonSchemaType.Object, Description = description },
        _ => new() { Type = JsonSchemaType.String, Description = description },
    };

    private static ParameterLocation Location(ParameterIn location) => location switch
    {
        ParameterIn.Path => ParameterLocation.Path,
        ParameterIn.Header => ParameterLocation.Header,
        _ => ParameterLocation.Query,
    };

    private static string Status(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A route parameter with its catch-all stars, constraints, default or optional mark.</summary>
    [GeneratedRegex(@"\{\**([^}:=?]+)[^}]*\}")]
    private static partial Regex Parameter();
}
