using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace EdgeBox.Web;

/// <summary>
/// Serves the web console from resources embedded in the binary (Web/wwwroot), so it works offline
/// and needs no files beside the executable. Files are read once; ETags let browsers revalidate.
/// </summary>
internal static class ConsoleEndpoints
{
    private const string ResourcePrefix = "EdgeBox.wwwroot.";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    public static void Map(WebApplication app)
    {
        var files = Load();
        app.MapGet("/", (HttpContext context) => Serve(context, files, "index.html"));
        app.MapGet("/ui/{file}", (HttpContext context, string file) => Serve(context, files, file));
    }

    private static IResult Serve(HttpContext context, FrozenDictionary<string, (byte[] Body, string Type, string ETag)> files, string name)
    {
        if (!files.TryGetValue(name, out var file))
        {
            return TypedResults.NotFound();
        }

        if (context.Request.Headers.IfNoneMatch == file.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        context.Response.Headers.ETag = file.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        return TypedResults.Bytes(file.Body, file.Type);
    }

    private static FrozenDictionary<string, (byte[] Body, string Type, string ETag)> Load()
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        var files = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            string name = resource[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            byte[] body = memory.ToArray();
            string type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
            string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 8)) + "\"";
            files[name] = (body, type, etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
