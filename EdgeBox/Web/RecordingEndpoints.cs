using EdgeBox.Recording;
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
        api.MapGet("/recordings", List);
        api.MapMethods("/recordings/{**path}", [HttpMethods.Get, HttpMethods.Head], Dispatch);
    }

    private static JsonHttpResult<RecordingListResponse> List(RecordingManager recordings)
    {
        var recorders = recordings.Recorders.ToDictionary(r => r.Path.Name, StringComparer.Ordinal);
        var items = recordings.Index.Paths()
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

        var segments = recordings.Index.ForPath(path, from, to);
        if (segments.Count == 0 && recordings.Index.ForPath(path).Count == 0)
        {
            return TypedResults.Json(new ErrorResponse($"no recordings of '{path}'"), ApiJsonContext.Default.ErrorResponse, statusCode: 404);
        }

        var spans = SegmentIndex.Spans(segments, from, to);
        var gaps = spans.Zip(spans.Skip(1), (a, b) => new SpanDto(a.End, b.Start)).ToList();
        return TypedResults.Json(new RecordingDetailResponse(path,
            [.. spans.Select(s => new SpanDto(s.Start, s.End))], gaps,
            [.. segments.Select(s => new SegmentDto(s.Id, s.Start, s.End, s.Size, s.Codecs, s.Complete, s.LockedUntil))]),
            ApiJsonContext.Default.RecordingDetailResponse);
    }
}

internal sealed record RecordingListResponse(IReadOnlyList<RecordedPathDto> Items);

/// <param name="Recorder">The path's recorder state when it records now (<c>recording</c>, <c>waiting</c>, <c>diskfull</c>, <c>failed</c>).</param>
internal sealed record RecordedPathDto(string Path, DateTimeOffset? First, DateTimeOffset? Last, long Size, int Segments, string? Recorder);

internal sealed record SpanDto(DateTimeOffset Start, DateTimeOffset End);

internal sealed record SegmentDto(long Id, DateTimeOffset Start, DateTimeOffset End, long Size, IReadOnlyList<string> Codecs, bool Complete, DateTimeOffset? LockedUntil);

internal sealed record RecordingDetailResponse(string Path, IReadOnlyList<SpanDto> Spans, IReadOnlyList<SpanDto> Gaps, IReadOnlyList<SegmentDto> Segments);
