using Microsoft.OpenApi;

namespace EdgeBox.Web;

/// <summary>
/// Schemas for the bodies <see cref="OpenApiDescriptions"/> names. The framework hands transformers a type's whole
/// schema tree, every type inline; here each type it names (its <c>x-schema-id</c> annotation, the type's name)
/// becomes a component, <c>#/components/schemas/{name}</c>, as the framework does for the bodies it infers itself,
/// so a client generator makes one class per wire type.
/// </summary>
internal static class OpenApiSchemas
{
    /// <summary>Annotations of Microsoft.AspNetCore.OpenApi's schemas (OpenApiConstants.SchemaId, NullableProperty).</summary>
    private const string SchemaId = "x-schema-id";
    private const string NullableProperty = "x-is-nullable-property";

    /// <summary>Makes a type's schema with <paramref name="create"/> (a transformer context's) and registers its types as components of <paramref name="document"/>.</summary>
    public static Func<Type, Task<IOpenApiSchema>> Components(OpenApiDocument document, Func<Type, Task<OpenApiSchema>> create) =>
        async type => Componentize(await create(type).ConfigureAwait(false), document);

    private static IOpenApiSchema Componentize(IOpenApiSchema input, OpenApiDocument document)
    {
        if (input is not OpenApiSchema schema)
        {
            return input; // already a reference
        }

        if (schema.Properties is { } properties)
        {
            foreach (string name in properties.Keys.ToList())
            {
                properties[name] = Componentize(properties[name], document);
            }
        }

        if (schema.Items is { } items)
        {
            schema.Items = Componentize(items, document);
        }

        if (schema.AdditionalProperties is { } values)
        {
            schema.AdditionalProperties = Componentize(values, document);
        }

        foreach (var list in new[] { schema.AllOf, schema.AnyOf, schema.OneOf })
        {
            for (int i = 0; list is not null && i < list.Count; i++)
            {
                list[i] = Componentize(list[i], document);
            }
        }

        if (schema.Metadata is not { } metadata || !metadata.TryGetValue(SchemaId, out object? value) || value is not string { Length: > 0 } id)
        {
            return schema;
        }

        // The first schema made for a name stays: every later one is the same type's.
        if (document.Components?.Schemas?.ContainsKey(id) != true)
        {
            document.AddComponent<IOpenApiSchema>(id, schema);
        }

        var reference = new OpenApiSchemaReference(id, document);
        return metadata.TryGetValue(NullableProperty, out object? nullable) && nullable is true
            ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, reference] }
            : reference;
    }
}
