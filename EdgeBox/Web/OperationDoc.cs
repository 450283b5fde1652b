namespace EdgeBox.Web;

/// <summary>
/// One operation of the API reference (<c>GET /api/v1/openapi.json</c>): what the framework cannot infer
/// from a minimal-API handler that returns <see cref="IResult"/> (its answers and their bodies), reads its
/// body or query by hand, or serves several resources from one catch-all route.
/// </summary>
/// <param name="Key">The method and the path as the document shows it: <c>GET /api/v1/paths/{name}</c>.</param>
/// <param name="Id">The <c>operationId</c>, the method name a generated client gets.</param>
/// <param name="Tag">The group the operation is listed under.</param>
internal sealed record OperationDoc(string Key, string Id, string Tag, string Summary)
{
    public string? Description { get; init; }

    /// <summary>
    /// For a form of a catch-all route that the route tells apart by a suffix (<c>.../snapshot.jpg</c> of
    /// <c>GET /api/v1/paths/{**name}</c>): the document path of that route. The route itself is listed only
    /// when it has an entry of its own.
    /// </summary>
    public string? ServedBy { get; init; }

    /// <summary>Query, header and path parameters: described when the handler declares them, added when it reads them by hand.</summary>
    public IReadOnlyList<ParameterDoc> Parameters { get; init; } = [];

    public BodyDoc? Body { get; init; }

    /// <summary>Every answer; 401 and 403 are added to the ones that need a role.</summary>
    public IReadOnlyList<ResponseDoc> Responses { get; init; } = [];

    public string Method => Key[..Key.IndexOf(' ', StringComparison.Ordinal)];

    public string Path => Key[(Key.IndexOf(' ', StringComparison.Ordinal) + 1)..];
}

/// <summary>The JSON-Schema type of a parameter or a field that has no wire type of its own.</summary>
internal enum ValueKind
{
    Text,
    Integer,
    Number,
    Boolean,

    /// <summary>An ISO 8601 time (<c>2026-12-07T10:00:00Z</c>).</summary>
    Time,

    /// <summary>Bytes: a file in a form, a picture or a video.</summary>
    Binary,

    Object,
}

internal enum ParameterIn
{
    Query,
    Path,
    Header,
}

internal sealed record ParameterDoc(string Name, ParameterIn In, ValueKind Kind, string Description)
{
    public bool Required { get; init; }
}

/// <summary>A request body: one or more media types.</summary>
internal sealed record BodyDoc(string Description, IReadOnlyList<ContentDoc> Content)
{
    public bool Required { get; init; } = true;
}

/// <summary>
/// A body of one media type: a wire type of <see cref="ApiJsonContext"/> (<see cref="Json"/>), an object of the
/// listed <see cref="Fields"/> (a form, or JSON that has no wire type), or a value of <see cref="Kind"/> (text, bytes).
/// </summary>
internal sealed record ContentDoc(string MediaType)
{
    public Type? Json { get; init; }

    public IReadOnlyList<ParameterDoc> Fields { get; init; } = [];

    public ValueKind Kind { get; init; } = ValueKind.Text;
}

internal sealed record ResponseDoc(int Status, string Description)
{
    public IReadOnlyList<ContentDoc> Content { get; init; } = [];
}
