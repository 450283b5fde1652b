using System.Text.Json;
using EdgeBox.Recording;
using EdgeBox.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeBox.Web;

/// <summary>
/// <c>/api/v1/recordings</c>: which paths have recordings, and per path its continuous spans, gaps and
/// segments over a time range (ISO 8601 <c>from</c>/<c>to</c>, default: everything).
/// </summary>
internal static class RecordingEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/recordings", List).Allow(Role.Viewer);
        api.MapMethods("/recordings/{**path}", [HttpMethods.Get, HttpMethods.Head], Dispatch).Allow(Role.Viewer);
        api.MapDelete("/recordings/{**path}", DeleteRange).Allow(Role.Operator);
        api.MapGet("/clips", Clips).Allow(Role.Viewer);
        api.MapGet("/clips/{id:long}", Clip).Allow(Role.Viewer);
        api.MapDelete("/clips/{id:long}", ReleaseClip).Allow(Role.Operator);
    }

    private static JsonHttpResult<RecordingListResponse> List(HttpContext http, RecordingManager recordings)
    {
        var recorders = recordings.Recorders.Where(r => http.CanSee(r.Path.Name)).ToDictionary(r => r.Path.Name, StringComparer.Ordinal);
        var items = recordings.Paths().Where(p => http.CanSee(p.Path))
            .Select(p => new RecordedPathDto(p.Path, p.First, p.Last, p.Size, p.Segments, recorders.GetValueOrDefault(p.Path)?.State))
            .ToList();
        foreach (var recorder in recorders.Values.Where(r => items.All(i => i.Path != r.Path.Name)))
        {
            items.Add(new RecordedPathDto(recorder.Path.Name, null, null, 0, 0, recorder.State));
        }

        return TypedResults.Json(new RecordingListResponse([.. items.OrderBy(i => i.Path, StringComparer.Ordinal)]), ApiJsonContext.Default.RecordingListResponse);
    }

    /// <summary>The catch-all route: <c>{path}/download</c> (or <c>download.mp4</c>) and <c>{path}/index.m3u8</c> play back, anything else is a path.</summary>
    private static IResult Dispatch(HttpContext http, string path, DateTimeOffset? from, DateTimeOffset? to, string? inline, RecordingManager recordings)
    {
        string name = path;
        foreach (string suffix in (ReadOnlySpan<string>)[RecordingPlaybackEndpoints.DownloadSuffix, RecordingPlaybackEndpoints.DownloadFileSuffix, RecordingPlaybackEndpoints.PlaylistSuffix])
        {
            name = name.EndsWith(suffix, StringComparison.Ordinal) ? name[..^suffix.Length] : name;
        }

        if (!http.CanSee(name))
        {
            return Access.Forbidden($"you may not watch '{name}'");
        }

        foreach (string suffix in (ReadOnlySpan<string>)[RecordingPlaybackEndpoints.DownloadSuffix, RecordingPlaybackEndpoints.DownloadFileSuffix])
        {
            if (path.EndsWith(suffix, StringComparison.Ordinal))
            {
                return RecordingPlaybackEndpoints.Download(http, path[..^suffix.Length], from, to, inline, recordings);
            }
        }

        if (path.EndsWith(RecordingPlaybackEndpoints.PlaylistSuffix, StringComparison.Ordinal))
        {
            return RecordingPlaybackEndpoints.Playlist(path[..^RecordingPlaybackEndpoints.PlaylistSuffix.Length], from, to, recordings);
        }

        return ForPath(path, from, to, recordings);
    }

    private static IResult ForPath(string path, DateTimeOffset? from, DateTimeOffset? to, RecordingManager recordings)
    {
        if (from is { } f && to is { } t && t <= f)
        {
            return TypedResults.Json(new ErrorResponse("to must be after from"), ApiJsonContext.Default.ErrorResponse, statusCode: 400);
        }

        var segments = recordings.ForPath(path, from, to);
        if (segments.Count == 0 && recordings.ForPath(path).Count == 0)
        {
            return TypedResults.Json(new ErrorResponse($"no recordings of '{path}'"), ApiJsonContext.Default.ErrorResponse, statusCode: 404);
        }

        var spans = SegmentIndex.Spans(segments, from, to);
        var gaps = spans.Zip(spans.Skip(1), (a, b) => new SpanDto(a.End, b.Start)).ToList();
        var now = recordings.Time.GetUtcNow();
        var clips = recordings.Clips.List(path, limit: 200).Where(c => (from is null || c.End > from) && (to is null || c.Start < to));
        return TypedResults.Json(new RecordingDetailResponse(path,
            [.. spans.Select(s => new SpanDto(s.Start, s.End))], gaps,
            [.. recordings.WithLocks(segments, now).Select(s => new SegmentDto(s.Id, s.Start, s.End, s.Size, s.Codecs, s.Complete, s.LockedUntil))],
            [.. clips.Select(c => ToDto(c, now))]),
            ApiJsonContext.Default.RecordingDetailResponse);
    }

    /// <summary>
    /// <c>DELETE /api/v1/recordings/{path}?from=&amp;to=</c> (both required): removes that stretch of the recording
    /// (see <see cref="RecordingManager.DeleteRangeAsync"/>). 200 with what was removed, 409 when a locked clip,
    /// a download or the segment being written is in the range, 404 when nothing is recorded there.
    /// </summary>
    private static async Task<IResult> DeleteRange(string path, DateTimeOffset? from, DateTimeOffset? to, RecordingManager recordings, CancellationToken token)
    {
        if (from is not { } start || to is not { } end)
        {
            return Error("from and to are required: DELETE /api/v1/recordings/{path}?from=...&to=...", 400);
        }

        var result = await recordings.DeleteRangeAsync(path, start, end, token).ConfigureAwait(false);
        return result.Error is { } error
            ? Error(error, result.Status)
            : TypedResults.Json(new RangeDeletedResponse(path, start, end, result.Deleted, result.Trimmed, result.BytesFreed), ApiJsonContext.Default.RangeDeletedResponse);
    }

    public const string RecordSuffix = "/record";

    /// <summary>Largest request body of <c>POST .../record</c>.</summary>
    private const int ClipRequestLimit = 16 * 1024;

    /// <summary>
    /// <c>POST /api/v1/paths/{name}/record</c> with <c>{"duration": "30s", "preRoll": "10s", "reason": "door"}</c>
    /// (durations as text like the config's, or as seconds): records an event clip from <c>preRoll</c> before now
    /// (default: the path's <c>preRoll</c>) for <c>duration</c>, kept from retention for the path's
    /// <c>clipRetention</c>. 202 with the clip (its <c>start</c> is the first picture's time when the clip has its
    /// own files), 400 for a bad body, 404 for an unknown path, 409 when the path has no source.
    /// </summary>
    public static async Task<IResult> StartClipAsync(HttpContext http, string name, RecordingManager recordings, CancellationToken token)
    {
        if (http.Request.ContentLength > ClipRequestLimit)
        {
            return Error($"the body is larger than {ClipRequestLimit} bytes", 413);
        }

        TimeSpan? duration = null, preRoll = null;
        string reason = "api";
        try
        {
            using var limited = new MemoryStream();
            await http.Request.Body.CopyToAsync(limited, token).ConfigureAwait(false);
            if (limited.Length > ClipRequestLimit)
            {
                return Error($"the body is larger than {ClipRequestLimit} bytes", 413);
            }

            if (limited.Length > 0)
            {
                using var body = JsonDocument.Parse(limited.ToArray());
                if (body.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return Error("the body must be a JSON object: {\"duration\": \"30s\", \"preRoll\": \"10s\", \"reason\": \"...\"}", 400);
                }

                foreach (var property in body.RootElement.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "duration":
                            duration = Duration(property.Value) ?? throw new FormatException("duration: expected a duration such as \"30s\" or a number of seconds");
                            break;
                        case "preRoll":
                            preRoll = Duration(property.Value) ?? throw new FormatException("preRoll: expected a duration such as \"10s\" or a number of seconds");
                            break;
                        case "reason" when property.Value.ValueKind == JsonValueKind.String && property.Value.GetString()!.Length <= 200:
                            reason = property.Value.GetString()!;
                            break;
                        case "reason":
                            throw new FormatException("reason: expected a string of at most 200 characters");
                        default:
                            throw new FormatException($"unknown field '{property.Name}' (duration, preRoll, reason)");
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            return Error($"the body is not JSON: {ex.Message}", 400);
        }
        catch (FormatException ex)
        {
            return Error(ex.Message, 400);
        }

        if (duration is not { } length)
        {
            return Error("duration is required: {\"duration\": \"30s\"}", 400);
        }

        var result = await recordings.StartClipAsync(name, length, preRoll, reason, token).ConfigureAwait(false);
        if (result.Clip is not { } clip)
        {
            return Error(result.Error ?? "the clip could not be started", result.Status);
        }

        return TypedResults.Json(ToDto(clip, recordings.Time.GetUtcNow()), ApiJsonContext.Default.ClipDto, statusCode: 202);
    }

    /// <summary>A duration as config text (<c>"30s"</c>, <c>"1m30s"</c>) or a non-negative number of seconds; null when it is neither.</summary>
    private static TimeSpan? Duration(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetDouble(out double seconds) && seconds >= 0 && seconds <= 86_400 => TimeSpan.FromSeconds(seconds),
        JsonValueKind.String when Configuration.DurationText.TryParse(value.GetString()!, out var parsed) => parsed,
        _ => null,
    };

    /// <summary><c>GET /api/v1/clips[?path=]</c>: event clips, newest first.</summary>
    private static JsonHttpResult<ClipListResponse> Clips(HttpContext http, string? path, RecordingManager recordings)
    {
        var now = recordings.Time.GetUtcNow();
        return TypedResults.Json(new ClipListResponse([.. recordings.Clips.List(path, limit: 500).Where(c => http.CanSee(c.Path)).Select(c => ToDto(c, now))]),
            ApiJsonContext.Default.ClipListResponse);
    }

    private static IResult Clip(HttpContext http, long id, RecordingManager recordings) =>
        recordings.Clips.Find(id) is { } clip && http.CanSee(clip.Path)
            ? TypedResults.Json(ToDto(clip, recordings.Time.GetUtcNow()), ApiJsonContext.Default.ClipDto)
            : Error($"no clip {id}", 404);

    /// <summary><c>DELETE /api/v1/clips/{id}</c>: ends the clip's lock; its recording is then kept or deleted by retention like any other.</summary>
    private static IResult ReleaseClip(long id, RecordingManager recordings) =>
        recordings.Clips.Remove(id) ? TypedResults.NoContent() : Error($"no clip {id}", 404);

    internal static ClipDto ToDto(RecordedClip clip, DateTimeOffset now)
    {
        string range = $"from={Uri.EscapeDataString(clip.Start.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}"
            + $"&to={Uri.EscapeDataString(clip.End.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}";
        string root = $"/api/v1/recordings/{clip.Path}";
        return new ClipDto(clip.Id, clip.Path, clip.Start, clip.End, clip.Reason, clip.Requested, clip.KeepUntil,
            clip.OwnFiles ? "clip" : "continuous", clip.End > now ? "recording" : "done", clip.KeepUntil > now,
            $"{root}/download?{range}", $"{root}/index.m3u8?{range}");
    }

    private static IResult Error(string message, int status) =>
        TypedResults.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: status);
}

internal sealed record RecordingListResponse(IReadOnlyList<RecordedPathDto> Items);

/// <param name="Recorder">The path's recorder state when it records now (<c>recording</c>, <c>waiting</c>, <c>diskfull</c>, <c>failed</c>).</param>
internal sealed record RecordedPathDto(string Path, DateTimeOffset? First, DateTimeOffset? Last, long Size, int Segments, string? Recorder);

internal sealed record SpanDto(DateTimeOffset Start, DateTimeOffset End);

internal sealed record SegmentDto(long Id, DateTimeOffset Start, DateTimeOffset End, long Size, IReadOnlyList<string> Codecs, bool Complete, DateTimeOffset? LockedUntil);

internal sealed record RecordingDetailResponse(string Path, IReadOnlyList<SpanDto> Spans, IReadOnlyList<SpanDto> Gaps, IReadOnlyList<SegmentDto> Segments,
    IReadOnlyList<ClipDto> Clips);

/// <param name="Mode"><c>clip</c> (written to files of its own) or <c>continuous</c> (a lock on the continuous recording).</param>
/// <param name="State"><c>recording</c> until its end, then <c>done</c>.</param>
/// <param name="Locked">Whether retention still keeps it (until <paramref name="KeepUntil"/>).</param>
internal sealed record ClipDto(long Id, string Path, DateTimeOffset Start, DateTimeOffset End, string Reason, DateTimeOffset Requested, DateTimeOffset KeepUntil,
    string Mode, string State, bool Locked, string Download, string Playlist);

internal sealed record ClipListResponse(IReadOnlyList<ClipDto> Items);

internal sealed record RangeDeletedResponse(string Path, DateTimeOffset From, DateTimeOffset To, int Deleted, int Trimmed, long BytesFreed);
