using EdgeBox.Configuration;
using EdgeBox.Hosting;

namespace EdgeBox.Web;

/// <summary>
/// The console's System page (admin): checking a config edit without applying it, rolling back to a
/// version from the history, and the recent log. Documented in README.md ("REST API").
/// </summary>
internal static partial class SystemEndpoints
{
    /// <summary><c>GET /api/v1/logs</c>: 200 lines unless asked, never more than the ring holds.</summary>
    private const int DefaultLogLines = 200;

    public static void Map(RouteGroupBuilder api)
    {
        // No .Allow(...): admin only, like the rest of /config.
        api.MapPost("/config/validate", ValidateAsync);
        api.MapPost("/config/history/{version:long}/restore", RestoreAsync);
        api.MapGet("/logs", Logs);
    }

    /// <summary>
    /// Checks a config text (YAML or JSON, as <c>PUT /api/v1/config</c> takes it) against the running config:
    /// 200 with the changes it would make, or 400 with every error. Nothing is applied, written or recorded.
    /// </summary>
    private static async Task<IResult> ValidateAsync(HttpRequest request, ConfigManager config, CancellationToken cancellationToken)
    {
        var (text, refused) = await ApiEndpoints.ReadConfigTextAsync(request, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        var validation = config.Validate(text!);
        return validation.IsValid
            ? TypedResults.Json(new ConfigValidationResponse(true, ApiEndpoints.ChangeDtos(validation.Changes)), SystemJsonContext.Default.ConfigValidationResponse)
            : ApiEndpoints.Errors(validation.Errors);
    }

    /// <summary>
    /// Applies a version from the history again, through the same pipeline as <c>PUT /api/v1/config</c>
    /// (validated with today's environment, saved, applied, a new history version): the same answers, and
    /// 404 for a version the history does not hold.
    /// </summary>
    private static async Task<IResult> RestoreAsync(HttpContext http, long version, ConfigManager config, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (config.HistoryVersion(version) is not { } entry)
        {
            return TypedResults.Json(new ErrorResponse($"no configuration version {version} in history"), ApiJsonContext.Default.ErrorResponse, statusCode: 404);
        }

        var logger = loggers.CreateLogger("EdgeBox.Web.SystemEndpoints");
        string user = http.Principal()?.Name ?? "anonymous";
        Log.RestoreRequested(logger, version, user);
        var result = await config.UpdateAsync(entry.Text, ConfigSource.Api, cancellationToken).ConfigureAwait(false);
        return ApiEndpoints.UpdateAnswer(result, config);
    }

    /// <summary>
    /// <c>GET /api/v1/logs?lines=N&amp;level=L</c>: the last N (default 200, at most the 2000 kept) log events at or
    /// above level L (trace, debug, info, warn, error, fatal; default all), oldest first.
    /// </summary>
    private static IResult Logs(RecentLogSink recent, int? lines, string? level)
    {
        var minimum = Serilog.Events.LogEventLevel.Verbose;
        if (level is not null && !RecentLogSink.TryParseLevel(level, out minimum))
        {
            return TypedResults.Json(new ErrorResponse("level is one of: trace, debug, info, warn, error, fatal"), ApiJsonContext.Default.ErrorResponse, statusCode: 400);
        }

        var items = recent.Read(Math.Clamp(lines ?? DefaultLogLines, 1, recent.Capacity), minimum)
            .Select(e => new LogEntryDto(e.Time, RecentLogSink.LevelName(e.Level), e.Category, e.Message, e.Exception))
            .ToList();
        return TypedResults.Json(new LogListResponse(items), SystemJsonContext.Default.LogListResponse);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.ConfigRestoreRequested, EventName = "ConfigRestoreRequested", Level = LogLevel.Information,
            Message = "Configuration version {Version} is being restored, asked by {User}")]
        public static partial void RestoreRequested(ILogger logger, long version, string user);
    }
}
