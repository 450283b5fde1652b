using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeBox.Web;

// Wire shapes of the System page's routes (config validation, logs). camelCase JSON through SystemJsonContext.

/// <summary><c>POST /api/v1/config/validate</c> of a valid text: what applying it would change (nothing is applied).</summary>
internal sealed record ConfigValidationResponse(bool Valid, IReadOnlyList<ConfigChangeDto> Changes);

/// <summary>A log event: time, level (<c>debug</c>, <c>info</c>, <c>warn</c>, <c>error</c>, <c>fatal</c>), logger category, text, exception.</summary>
internal sealed record LogEntryDto(DateTimeOffset Time, string Level, string Category, string Message, string? Exception);

/// <summary><c>GET /api/v1/logs</c>: the newest events, oldest first.</summary>
internal sealed record LogListResponse(IReadOnlyList<LogEntryDto> Items);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(ConfigValidationResponse))]
[JsonSerializable(typeof(LogListResponse))]
internal sealed partial class SystemJsonContext : JsonSerializerContext;
