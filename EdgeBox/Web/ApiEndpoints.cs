using System.Text;
using EdgeBox.Codecs;
using EdgeBox.Configuration;
using EdgeBox.Hosting;
using EdgeBox.Inference;
using EdgeBox.Infrastructure;
using EdgeBox.Media;
using EdgeBox.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeBox.Web;

/// <summary>The REST API under <c>/api/v1</c>. Documented in README.md ("REST API").</summary>
internal static class ApiEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/v1");
        AuthEndpoints.Map(api);
        PathConfigEndpoints.Map(api);
        RecordingEndpoints.Map(api);
        InferenceEndpoints.Map(api);
        SystemEndpoints.Map(api);
        UplinkEndpoints.Map(api);
        ApiReference.Map(api);
        api.MapGet("/health", Health).Public();
        api.MapGet("/info", Info).Allow(Role.Viewer);
        api.MapGet("/stream", StreamEndpoint.StreamAsync).Allow(Role.Viewer);
        api.MapGet("/paths", Paths).Allow(Role.Viewer);
        api.MapGet("/paths/{**name}", PathByName).Allow(Role.Viewer);
        api.MapPost("/paths/{**name}", PathAction).Allow(Role.Operator);
        api.MapGet("/sessions", Sessions).Allow(Role.Operator);
        api.MapGet("/webrtc", WebRtcStatus).Allow(Role.Operator);
        api.MapGet("/events", EventsSince).Allow(Role.Viewer);
        api.MapDelete("/sessions/{id}", KickSession).Allow(Role.Operator);
        api.MapGet("/config", GetConfig);
        api.MapPut("/config", PutConfig);
        api.MapGet("/config/history", History);
        api.MapGet("/config/history/{version:long}", HistoryVersion);
    }

    private static JsonHttpResult<HealthResponse> Health(HealthService health)
    {
        var components = health.Check();
        bool healthy = HealthService.IsHealthy(components);
        bool degraded = components.Any(c => c.Status is not (ComponentStatus.Ok or ComponentStatus.Starting));
        bool starting = components.Any(c => c.Status is ComponentStatus.Starting);
        var body = new HealthResponse(
            !healthy ? "failed" : degraded ? "degraded" : starting ? "starting" : "ok",
            components.Select(c => new ComponentDto(c.Name, Lower(c.Status.ToString()), c.Required, c.Message)).ToList());
        return TypedResults.Json(body, ApiJsonContext.Default.HealthResponse, statusCode: healthy ? 200 : 503);
    }

    private static async Task<JsonHttpResult<InfoResponse>> Info(
        ServiceState state, HostStats stats, NativeCapabilities native, ConfigManager config, TimeProvider time, CancellationToken cancellationToken)
    {
        // Right after start the native probe may still run; it takes well under a second.
        var probe = await native.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        var ffmpeg = probe?.Ffmpeg ?? new FfmpegInfo { Available = false, Error = "still probing the FFmpeg libraries" };
        var onnx = probe?.OnnxRuntime ?? new OnnxRuntimeInfo(false, "", [], "still probing ONNX Runtime");
        string data = state.DataDirectory; // the one in use, even after a restart-required change
        var host = stats.Sample(data);
        var body = new InfoResponse(
            BuildInfo.Version,
            BuildInfo.Runtime,
            BuildInfo.Platform,
            BuildInfo.IsNativeAot,
            state.StartedAt,
            Math.Round((time.GetUtcNow() - state.StartedAt).TotalSeconds, 1),
            new HostDto(Environment.MachineName, host.CpuCount, host.CpuPercent, host.MemoryTotalBytes, host.MemoryAvailableBytes,
                host.ProcessRssBytes, data, host.DiskTotalBytes, host.DiskFreeBytes),
            ToDto(ffmpeg),
            new OnnxRuntimeDto(onnx.Available, onnx.Error, onnx.Version, onnx.Providers, onnx.Library))
        {
            Hardware = native.Selection is { } selection
                ? new HardwareDto(Lower(selection.Selected.ToString()), selection.Reason,
                    (probe?.Hardware ?? []).Select(h => new HardwareApiDto(h.Name, h.Available, h.Error)).ToList())
                : null,
            Fleet = UplinkEndpoints.Summary(config.Current),
        };
        return TypedResults.Json(body, ApiJsonContext.Default.InfoResponse);
    }

    internal static FfmpegDto ToDto(FfmpegInfo ffmpeg)
    {
        List<string> Names(MediaKind kind, bool encoder) =>
            ffmpeg.Codecs.Where(c => c.Kind == kind && c.IsEncoder == encoder).Select(c => c.Name).Order(StringComparer.Ordinal).ToList();

        return new FfmpegDto(
            ffmpeg.Available,
            ffmpeg.Error,
            ffmpeg.FfmpegVersion,
            ffmpeg.Libraries,
            Names(MediaKind.Video, true),
            Names(MediaKind.Video, false),
            Names(MediaKind.Audio, true),
            Names(MediaKind.Audio, false),
            ffmpeg.HardwareDeviceTypes,
            ffmpeg.Codecs.Where(c => c.IsHardware).Select(c => c.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
    }

    private static JsonHttpResult<PathListResponse> Paths(HttpContext http, ConfigManager config, PathManager paths, SourceSupervisor sources) =>
        TypedResults.Json(PathList(http, config, paths, sources), ApiJsonContext.Default.PathListResponse);

    /// <summary>The paths the caller may see: the active ones, then the configured ones that are idle.</summary>
    internal static PathListResponse PathList(HttpContext http, ConfigManager config, PathManager paths, SourceSupervisor sources) =>
        PathList(http.CanSee, config, paths, sources);

    /// <summary>The paths <paramref name="canSee"/> lets through: the active ones, then the configured ones that are idle.</summary>
    internal static PathListResponse PathList(Func<string, bool> canSee, ConfigManager config, PathManager paths, SourceSupervisor sources)
    {
        var current = config.Current.Config;
        var items = new List<PathDto>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths.Paths.Where(p => canSee(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            items.Add(ToDto(path, sources));
            listed.Add(path.Name);
        }

        foreach (var configured in current.Paths.Where(p => !listed.Contains(p.Name) && canSee(p.Name)))
        {
            var effective = current.EffectivePath(configured);
            items.Add(new PathDto(configured.Name, configured.IsRegex, ShownSource(effective.Source), effective.Record ?? false,
                "idle", null, null, [], 0, 0, 0));
        }

        return new PathListResponse(items);
    }

    /// <summary>
    /// Stored events after <c>since</c> (an event id) oldest first, or before <c>before</c> newest first;
    /// (<c>order=desc</c> alone: the newest); filtered by <c>type</c>, <c>path</c>, detection <c>label</c> and time (<c>from</c>/<c>to</c>, ISO 8601);
    /// at most <c>limit</c> (default 100, at most 1000).
    /// </summary>
    private static IResult EventsSince(HttpContext http, Events.EventBus events, long? since, long? before, string? type, string? path, string? label, string? from, string? to,
        string? order, int? limit)
    {
        if (order == "desc")
        {
            before ??= long.MaxValue; // the newest page
        }

        if (!InferenceEndpoints.TryTime(from, out var start) || !InferenceEndpoints.TryTime(to, out var end))
        {
            return TypedResults.Json(new ErrorResponse("from and to are ISO 8601 times, e.g. 2026-12-07T10:00:00Z"), ApiJsonContext.Default.ErrorResponse, statusCode: 400);
        }

        var query = new Events.EventQuery { Since = since ?? 0, Before = before, Type = type, Path = path, Label = label, From = start, To = end };
        int count = Math.Clamp(limit ?? 100, 1, 1000);
        // Viewers see the events of their paths only; asking for more keeps their pages full.
        var items = http.Principal() is { Role: < Role.Operator }
            ? events.Query(query, Math.Min(count * 4, 4000)).Where(e => http.CanSee(e.Path)).Take(count).ToList()
            : events.Query(query, count);

        return TypedResults.Json(new EventListResponse(items), ApiJsonContext.Default.EventListResponse);
    }

    private static JsonHttpResult<WebRtcStatusDto> WebRtcStatus(Protocols.WebRtc.WebRtcServer webrtc)
    {
        var transport = webrtc.Transport;
        var candidates = transport.Candidates;
        return TypedResults.Json(
            new WebRtcStatusDto(transport.Available, candidates.Count > 0 ? candidates[0].Port : 0, [.. candidates.Select(c => c.ToString())],
                webrtc.Fingerprint, webrtc.Sessions.Count, webrtc.OffersRefused, transport.BadStun, transport.Dropped,
                webrtc.Sessions.Sum(s => s.BadSrtp)),
            ApiJsonContext.Default.WebRtcStatusDto);
    }

    private static JsonHttpResult<SessionListResponse> Sessions(SessionRegistry sessions) =>
        TypedResults.Json(
            new SessionListResponse(sessions.All.OrderBy(s => s.Created).Select(s =>
                new SessionDto(s.Id, s.Protocol, s.Remote, s.Path, s.State, s.Created, s.BytesIn, s.BytesOut)).ToList()),
            ApiJsonContext.Default.SessionListResponse);

    /// <summary>Closes a session (a publisher or reader that should go). 204, or 404 when there is no such session.</summary>
    private static IResult KickSession(string id, SessionRegistry sessions)
    {
        if (sessions.Find(id) is not { } session)
        {
            return TypedResults.Json(new ErrorResponse($"no session '{id}'"), ApiJsonContext.Default.ErrorResponse, statusCode: 404);
        }

        session.Kick();
        return TypedResults.NoContent();
    }

    private const string SnapshotSuffix = "/snapshot.jpg";

    private static async Task<IResult> PathByName(HttpContext http, string name, int? width, PathManager paths, SourceSupervisor sources,
        Codecs.SnapshotService snapshots, Hosting.NativeCapabilities native, CancellationToken cancellationToken)
    {
        if (!http.CanSee(name.EndsWith(SnapshotSuffix, StringComparison.Ordinal) ? name[..^SnapshotSuffix.Length] : name))
        {
            return Access.Forbidden($"you may not watch '{name}'");
        }

        if (name.EndsWith(SnapshotSuffix, StringComparison.Ordinal))
        {
            return await Snapshot(name[..^SnapshotSuffix.Length], width, paths, sources, snapshots, native, cancellationToken).ConfigureAwait(false);
        }

        return paths.Find(name) is { } path
            ? TypedResults.Json(ToDto(path, sources), ApiJsonContext.Default.PathDto)
            : TypedResults.Json(new ErrorResponse($"path '{name}' is not active"), ApiJsonContext.Default.ErrorResponse, statusCode: 404);
    }

    /// <summary>
    /// <c>GET /api/v1/paths/{name}/snapshot.jpg[?width=W]</c>: a JPEG of the current picture. 404 for a path
    /// that is not configured, 503 while it has no source (or FFmpeg is missing), 504 when no picture
    /// could be decoded in time.
    /// </summary>
    private static async Task<IResult> Snapshot(string name, int? width, PathManager paths, SourceSupervisor sources, Codecs.SnapshotService snapshots,
        Hosting.NativeCapabilities native, CancellationToken cancellationToken)
    {
        if (width is < 16 or > 7680)
        {
            return TypedResults.Json(new ErrorResponse("width must be from 16 to 7680"), ApiJsonContext.Default.ErrorResponse, statusCode: 400);
        }

        // A source pulled on demand is started for the picture (and closes after sourceOnDemandCloseAfter), as for any reader.
        var path = paths.Find(name)
            ?? (paths.Resolve(name) is { } pulled && !name.StartsWith('~') && PathSources.IsPulled(pulled.Source) ? paths.GetOrCreate(name) : null);
        if (path is null)
        {
            return paths.Resolve(name) is null
                ? TypedResults.Json(new ErrorResponse($"no path '{name}'"), ApiJsonContext.Default.ErrorResponse, statusCode: 404)
                : TypedResults.Json(new ErrorResponse($"path '{name}' has no source"), ApiJsonContext.Default.ErrorResponse, statusCode: 503);
        }

        await sources.EnsureSourceAsync(path, cancellationToken).ConfigureAwait(false);
        var probe = await native.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        var (jpeg, failure) = await snapshots.TakeAsync(path, width, probe?.Ffmpeg.Available == true, cancellationToken).ConfigureAwait(false);
        if (failure != Codecs.SnapshotFailure.None)
        {
            paths.ReleaseIfUnused(path);
        }

        return failure switch
        {
            Codecs.SnapshotFailure.None => TypedResults.Bytes(jpeg!, "image/jpeg"),
            Codecs.SnapshotFailure.NoSource => TypedResults.Json(new ErrorResponse($"path '{name}' has no video source"), ApiJsonContext.Default.ErrorResponse, statusCode: 503),
            Codecs.SnapshotFailure.Unavailable => TypedResults.Json(new ErrorResponse("FFmpeg is not available: " + probe?.Ffmpeg.Error), ApiJsonContext.Default.ErrorResponse, statusCode: 503),
            _ => TypedResults.Json(new ErrorResponse("no picture could be decoded in time"), ApiJsonContext.Default.ErrorResponse, statusCode: 504),
        };
    }

    private const string KeyframeSuffix = "/keyframe";

    /// <summary>
    /// <c>POST /api/v1/paths/{name}/keyframe</c>: asks the path's source for a keyframe now. 202 when the
    /// source encodes (transcode profiles, the test pattern), 409 when it cannot (a camera or publisher
    /// sends keyframes on its own schedule), 404/503 as for snapshots.
    /// </summary>
    private static async Task<IResult> PathAction(HttpContext http, string name, PathManager paths, Recording.RecordingManager recordings, CancellationToken token)
    {
        if (name.EndsWith(RecordingEndpoints.RecordSuffix, StringComparison.Ordinal))
        {
            return await RecordingEndpoints.StartClipAsync(http, name[..^RecordingEndpoints.RecordSuffix.Length], recordings, token).ConfigureAwait(false);
        }

        if (!name.EndsWith(KeyframeSuffix, StringComparison.Ordinal))
        {
            return TypedResults.Json(new ErrorResponse("unknown path action (POST .../keyframe or .../record)"), ApiJsonContext.Default.ErrorResponse, statusCode: 404);
        }

        name = name[..^KeyframeSuffix.Length];
        if (paths.Find(name) is not { Source: { } source } path)
        {
            return paths.Resolve(name) is null
                ? TypedResults.Json(new ErrorResponse($"no path '{name}'"), ApiJsonContext.Default.ErrorResponse, statusCode: 404)
                : TypedResults.Json(new ErrorResponse($"path '{name}' has no source"), ApiJsonContext.Default.ErrorResponse, statusCode: 503);
        }

        if (source.KeyframeRequested is null)
        {
            return TypedResults.Json(new ErrorResponse($"the source of '{name}' ({source.Kind}) cannot make a keyframe on request; it sends them on its own schedule"),
                ApiJsonContext.Default.ErrorResponse, statusCode: 409);
        }

        path.RequestKeyframe();
        return TypedResults.Accepted((string?)null);
    }

    private static PathDto ToDto(MediaPath path, SourceSupervisor sources)
    {
        var source = path.Source;
        var tracks = path.Tracks.Select(t => new TrackDto(t.Codec.Name(), t.ClockRate, t.Channels, t.Parameters.Width, t.Parameters.Height)).ToList();
        var pull = sources.SourceOf(path.Name);
        return new PathDto(path.Name, false, ShownSource(path.Config.Source), path.Config.Record ?? false,
            Lower(path.State.ToString()), source?.Kind, source?.Since, tracks, path.Readers.Count, path.BytesIn, path.FramesIn)
        {
            Pull = pull is null ? null : new PullDto(pull.DisplayUrl, pull.State, pull.LastError),
            Forwards = sources.ForwardsOf(path.Name).Select(f => new ForwardDto(f.DisplayUrl, f.State, f.LastError)).ToList(),
            Bitrate = path.Bitrate,
            Fps = path.Fps,
            BytesOut = path.BytesOut,
            FramesDropped = path.FramesDropped,
        };
    }

    /// <summary>The source as the API shows it: URLs with any password hidden.</summary>
    private static string ShownSource(string? source) => source is null ? PathSources.Publisher : Protocols.Rtsp.Client.RtspSourceUrl.Redact(source);

    /// <summary>
    /// JSON by default; the YAML text of the running config with <c>?format=yaml</c> or <c>Accept: application/yaml</c>.
    /// Either way the <c>ETag</c> is the running config's hash.
    /// </summary>
    private static IResult GetConfig(HttpRequest request, ConfigManager config)
    {
        var current = config.Current;
        request.HttpContext.Response.Headers.ETag = $"\"{current.Hash}\""; // what If-Match on PUT compares, for the YAML text too
        if (WantsYaml(request))
        {
            return TypedResults.Text(current.Text, "application/yaml; charset=utf-8");
        }

        var c = current.Config;
        var body = new ConfigDocumentDto(
            current.Version,
            current.Hash,
            config.File.Path,
            new ConfigLogDto(Lower(c.Log.Level.ToString()), c.Log.File, Lower(c.Log.Format.ToString())),
            c.Data,
            new ListenerDto(c.Http.Enabled, c.Http.Address),
            new RtspDto(c.Rtsp.Enabled, c.Rtsp.Address, c.Rtsp.RtpAddress, c.Rtsp.RtcpAddress, c.Rtsp.SessionTimeout.TotalSeconds, c.Rtsp.MaxSessions),
            new ListenerDto(c.Rtmp.Enabled, c.Rtmp.Address),
            new ListenerDto(c.Srt.Enabled, c.Srt.Address),
            new WebRtcDto(c.WebRtc.Enabled, c.WebRtc.Address, c.WebRtc.AdditionalHosts),
            new MediaDto(c.Media.ReaderQueueSize, c.Media.ReaderMaxLag.TotalSeconds),
            Settings(c.PathDefaults),
            c.Paths.ToDictionary(p => p.Name, p => Settings(p.Config), StringComparer.Ordinal));
        return TypedResults.Json(body, ApiJsonContext.Default.ConfigDocumentDto);
    }

    /// <summary>
    /// Replaces the whole configuration. The body is YAML (<c>application/yaml</c>, saved as sent, comments
    /// kept) or JSON (<c>application/json</c>, saved as the equivalent YAML). Goes through the same
    /// pipeline as a file edit: 400 with every error and nothing changed, or 200 with the changes.
    /// </summary>
    private static async Task<IResult> PutConfig(HttpRequest request, ConfigManager config, CancellationToken cancellationToken)
    {
        if (request.ContentLength > ConfigLoader.MaxTextLength)
        {
            return TooLarge();
        }

        // Optimistic concurrency: a client that read the config (its "hash") can ask not to overwrite a newer one.
        if (request.Headers.IfMatch.Count > 0 && !request.Headers.IfMatch.Any(tag => tag?.Trim('"') == config.Current.Hash))
        {
            return TypedResults.Json(new ErrorResponse("the configuration changed since it was read (If-Match does not match its hash)"),
                ApiJsonContext.Default.ErrorResponse, statusCode: 412);
        }

        var (text, refused) = await ReadConfigTextAsync(request, cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        var result = await config.UpdateAsync(text!, ConfigSource.Api, cancellationToken).ConfigureAwait(false);
        return UpdateAnswer(result, config);
    }

    /// <summary>
    /// The config text of a request body: YAML as sent, or JSON (read by the YAML parser, flow style) as
    /// the equivalent block YAML so a saved file stays readable. Or the answer that refuses it (413, 400).
    /// </summary>
    internal static async Task<(string? Text, IResult? Refused)> ReadConfigTextAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > ConfigLoader.MaxTextLength
            || await ReadBodyAsync(request, ConfigLoader.MaxTextLength, cancellationToken).ConfigureAwait(false) is not { } text)
        {
            return (null, TooLarge());
        }

        if (request.ContentType is { } type && type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            var raw = ConfigLoader.Load(text);
            if (!raw.IsValid)
            {
                return (null, Errors(raw.Errors));
            }

            text = ConfigWriter.Write(raw.Config!);
        }

        return (text, null);
    }

    /// <summary>The answer to a config change: 200 with the changes, 400 with every error, 409, 500.</summary>
    internal static IResult UpdateAnswer(ConfigUpdateResult result, ConfigManager config) => result.Status switch
    {
        ConfigUpdateStatus.Rejected => Errors(result.Errors),
        ConfigUpdateStatus.Conflict => TypedResults.Json(new ErrorResponse(result.WriteError!), ApiJsonContext.Default.ErrorResponse, statusCode: 409),
        ConfigUpdateStatus.WriteFailed => TypedResults.Json(
            new ErrorResponse($"the configuration could not be saved to {config.File.Path}: {result.WriteError}; nothing was changed"),
            ApiJsonContext.Default.ErrorResponse, statusCode: 500),
        _ => TypedResults.Json(
            new ConfigUpdateResponse(Lower(result.Status.ToString()), result.Snapshot.Version, result.Snapshot.Hash, ChangeDtos(result.Changes)),
            ApiJsonContext.Default.ConfigUpdateResponse),
    };

    internal static List<ConfigChangeDto> ChangeDtos(IReadOnlyList<ConfigChange> changes) =>
        changes.Select(c => new ConfigChangeDto(c.Key, Lower(c.Kind.ToString()), c.RequiresRestart)).ToList();

    /// <summary>The body as UTF-8 text, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    internal static async Task<string?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > limit)
                {
                    return null;
                }

                body.Write(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
    }

    private static JsonHttpResult<ErrorResponse> TooLarge() =>
        TypedResults.Json(new ErrorResponse($"configuration is larger than {ConfigLoader.MaxTextLength / (1024 * 1024)} MiB"), ApiJsonContext.Default.ErrorResponse, statusCode: 413);

    private static JsonHttpResult<ConfigHistoryResponse> History(ConfigManager config, int? limit)
    {
        var items = config.History(Math.Clamp(limit ?? 20, 1, Storage.ConfigHistoryStore.Keep))
            .Select(e => new ConfigHistoryItemDto(e.Version, e.Time, e.Source, e.Hash, e.Changes)).ToList();
        return TypedResults.Json(new ConfigHistoryResponse(items), ApiJsonContext.Default.ConfigHistoryResponse);
    }

    private static IResult HistoryVersion(ConfigManager config, long version) =>
        config.HistoryVersion(version) is { } entry
            ? TypedResults.Text(entry.Text, "application/yaml; charset=utf-8")
            : TypedResults.Json(new ErrorResponse($"no configuration version {version} in history"), ApiJsonContext.Default.ErrorResponse, statusCode: 404);

    internal static JsonHttpResult<ConfigErrorsResponse> Errors(IReadOnlyList<ConfigError> errors) =>
        TypedResults.Json(
            new ConfigErrorsResponse(
                $"configuration rejected with {errors.Count} error(s); the running configuration is unchanged",
                errors.Select(e => new ConfigErrorDto(e.Path, e.Line, e.Message, e.EnvSource)).ToList()),
            ApiJsonContext.Default.ConfigErrorsResponse,
            statusCode: 400);

    private static PathSettingsDto Settings(PathConfig p) => new(
        p.Source is null ? null : ShownSource(p.Source), p.Record, p.MaxReaders, p.OverridePublisher,
        p.PublishUser, p.PublishPass is null ? null : true, p.ReadUser, p.ReadPass is null ? null : true)
    {
        SourceOnDemand = p.SourceOnDemand,
        SourceOnDemandStartTimeoutSeconds = p.SourceOnDemandStartTimeout?.TotalSeconds,
        SourceOnDemandCloseAfterSeconds = p.SourceOnDemandCloseAfter?.TotalSeconds,
        RtspTransport = p.RtspTransport is { } transport ? Lower(transport.ToString()) : null,
        SourceFingerprint = p.SourceFingerprint,
        ReconnectDelaySeconds = p.ReconnectDelay?.TotalSeconds,
        ReconnectMaxDelaySeconds = p.ReconnectMaxDelay?.TotalSeconds,
        Forward = p.Forward?.Select(Protocols.Rtsp.Client.RtspSourceUrl.Redact).ToList(),
    };

    private static bool WantsYaml(HttpRequest request) =>
        string.Equals(request.Query["format"], "yaml", StringComparison.OrdinalIgnoreCase)
        || request.Headers.Accept.Any(a => a is not null && (a.Contains("yaml", StringComparison.OrdinalIgnoreCase)));

    private static string Lower(string s) => s.ToLowerInvariant();
}
