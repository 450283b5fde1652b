using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace EdgeBox.Web;

/// <summary>
/// <c>GET /api/v1/openapi.json</c>: the OpenAPI document of the REST API, made by the binary itself from
/// the routes it maps (Microsoft.AspNetCore.OpenApi reads the endpoints, their parameters and
/// <see cref="RequiredRole"/>) and the texts of <see cref="OpenApiDescriptions"/>. Made on the first request
/// and kept: the routes do not change while the process runs.
/// </summary>
internal sealed class ApiReference(IServiceProvider services)
{
    private const string DocumentName = "v1";

    /// <summary>OpenAPI 3.0 rather than 3.1: what client generators and Postman read best.</summary>
    public const OpenApiSpecVersion Version = OpenApiSpecVersion.OpenApi3_0;

    private Task<Document>? _document;

    public static void AddServices(IServiceCollection services)
    {
        // The schema generator reads types through the HTTP JSON options: give it our source-generated metadata
        // (there is no reflection under Native AOT). The handlers serialize with ApiJsonContext themselves.
        services.ConfigureHttpJsonOptions(options =>
        {
            // EdgeBox writes numbers as numbers: without this every integer would read "a number or a numeric string".
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // Every context that serializes a body of /api/v1: a type missing here fails the document (and OpenApiTests).
            options.SerializerOptions.TypeInfoResolverChain.Add(ApiJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Add(SystemJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Add(ApiReferenceJsonContext.Default);
        });
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = Version;
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            options.AddOperationTransformer(new OpenApiOperationDescriber());
            options.AddDocumentTransformer(new OpenApiDocumentDescriber());
        });
        services.AddSingleton<ApiReference>();
    }

    public static void Map(RouteGroupBuilder api) => api.MapGet("/openapi.json", Serve).Public();

    private static async Task<IResult> Serve(HttpContext http, ApiReference reference)
    {
        var document = await reference.GetAsync().WaitAsync(http.RequestAborted).ConfigureAwait(false);
        if (http.Request.Headers.IfNoneMatch == document.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Bytes(document.Body, "application/json", entityTag: EntityTagHeaderValue.Parse(document.ETag));
    }

    /// <summary>The document, made once; a failed attempt is made again on the next request.</summary>
    private Task<Document> GetAsync()
    {
        var document = _document;
        if (document is null || document.IsFaulted || document.IsCanceled)
        {
            // Two first requests at once may both make it: same result, no harm.
            _document = document = MakeAsync();
        }

        return document;
    }

    private async Task<Document> MakeAsync()
    {
        var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName);
        var document = await provider.GetOpenApiDocumentAsync(CancellationToken.None).ConfigureAwait(false);
        using var body = new MemoryStream();
        await document.SerializeAsJsonAsync(body, Version, CancellationToken.None).ConfigureAwait(false);
        byte[] bytes = body.ToArray();
        return new Document(bytes, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8)) + "\"");
    }

    private sealed record Document(byte[] Body, string ETag);
}

/// <summary>Types of route and query parameters, for the schema generator (the wire types are in <see cref="ApiJsonContext"/>).</summary>
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(DateTimeOffset?))]
internal sealed partial class ApiReferenceJsonContext : JsonSerializerContext;
