using System.Globalization;
using System.Text;
using EdgeBox.Recording;
using Microsoft.Net.Http.Headers;

namespace EdgeBox.Web;

/// <summary>
/// Playback of recordings over HTTP: <c>GET /api/v1/recordings/{path}/download?from=&amp;to=</c> serves one
/// fragmented MP4 for the range (spanning segments, from the keyframe at or before <c>from</c>) with Range
/// support, and <c>GET /api/v1/recordings/{path}/index.m3u8?from=&amp;to=</c> an HLS VOD playlist whose media
/// segments are byte ranges of that same MP4, one per GOP, so a browser can seek in it. Without <c>from</c> and
/// <c>to</c> the range is the whole recording (its first 24 h). Documented in README.md ("Playback").
/// </summary>
internal static class RecordingPlaybackEndpoints
{
    public const string DownloadSuffix = "/download";
    /// <summary>The same, named like a file: HLS clients (FFmpeg's among them) accept only media extensions in segment URIs.</summary>
    public const string DownloadFileSuffix = "/download.mp4";
    public const string PlaylistSuffix = "/index.m3u8";

    /// <summary>The round-trip format of the times the playlist puts in its URLs (parsed back exactly).</summary>
    private const string UrlTime = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static IResult Download(HttpContext http, string path, DateTimeOffset? from, DateTimeOffset? to, string? inline, RecordingManager recordings)
    {
        if (Open(path, from, to, recordings, out var export) is { } failure)
        {
            return failure;
        }

        var lease = recordings.Lease(export!.Segments);
        var headers = http.Response.Headers;
        headers["X-EdgeBox-Start"] = export.Start.UtcDateTime.ToString(UrlTime, CultureInfo.InvariantCulture);
        headers["X-EdgeBox-Duration"] = export.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        if (export.Truncated is { } truncated)
        {
            headers["X-EdgeBox-Truncated"] = truncated.UtcDateTime.ToString(UrlTime, CultureInfo.InvariantCulture);
        }

        string? name = inline is "1" or "true" ? null : FileName(path, export.Start);
        return TypedResults.Stream(new RecordingExportStream(export, lease), "video/mp4", name, export.LastModified,
            EntityTagHeaderValue.Parse(export.ETag), enableRangeProcessing: true);
    }

    public static IResult Playlist(string path, DateTimeOffset? from, DateTimeOffset? to, RecordingManager recordings)
    {
        if (Open(path, from, to, recordings, out var export) is { } failure)
        {
            return failure;
        }

        using (export)
        {
            return TypedResults.Text(Render(export!), "application/vnd.apple.mpegurl", Encoding.UTF8);
        }
    }

    /// <summary>
    /// The shortest media segment the playlist makes of consecutive keyframe groups. Cameras often send a
    /// keyframe every second; one-second segments double the playlist and trip FFmpeg 5.1's HLS seek (it
    /// decodes garbage after a seek into such a playlist, and does the same with FFmpeg's own one-second
    /// single-file HLS output of a 15 fps, 15-frame GOP stream), while two-second ones seek cleanly.
    /// </summary>
    internal static readonly TimeSpan MinSegment = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The VOD playlist: EXT-X-MAP is the export's ftyp+moov, each media segment one or more whole keyframe groups
    /// (at least <see cref="MinSegment"/> where the recording allows). Every URI names the same range, ending just
    /// after the last fragment, so each request lays out the same file even while the path still records.
    /// </summary>
    internal static string Render(RecordingExport export)
    {
        string first = export.Start.UtcDateTime.ToString(UrlTime, CultureInfo.InvariantCulture);
        string last = (export.LastFragmentStart + TimeSpan.FromMilliseconds(1)).UtcDateTime.ToString(UrlTime, CultureInfo.InvariantCulture);
        string uri = $"download.mp4?from={first}&to={last}&inline=1";
        var segments = Merge(export.Groups);
        double target = segments.Count == 0 ? 1 : Math.Ceiling(segments.Max(g => g.Duration.TotalSeconds));
        var text = new StringBuilder();
        text.Append("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n")
            .Append(CultureInfo.InvariantCulture, $"#EXT-X-TARGETDURATION:{Math.Max(1, target)}\n")
            .Append(CultureInfo.InvariantCulture, $"#EXT-X-MAP:URI=\"{uri}\",BYTERANGE=\"{export.InitLength}@0\"\n");
        DateTimeOffset? expected = null;
        foreach (var segment in segments)
        {
            if (expected is not { } at || (segment.Wall - at).Duration() > SegmentIndex.SpanTolerance)
            {
                text.Append("#EXT-X-PROGRAM-DATE-TIME:").Append(segment.Wall.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append(CultureInfo.InvariantCulture, $"#EXTINF:{segment.Duration.TotalSeconds:0.000},\n")
                .Append(CultureInfo.InvariantCulture, $"#EXT-X-BYTERANGE:{segment.Length}@{segment.Offset}\n")
                .Append(uri).Append('\n');
            expected = segment.Wall + segment.Duration;
        }

        return text.Append("#EXT-X-ENDLIST\n").ToString();
    }

    /// <summary>
    /// Joins consecutive keyframe groups into segments of at least <see cref="MinSegment"/>. A group that does
    /// not follow the previous one (in the file, or in wall-clock time: a gap in the recording) starts a new
    /// segment, so EXT-X-PROGRAM-DATE-TIME stays exact.
    /// </summary>
    internal static List<ExportGroup> Merge(IReadOnlyList<ExportGroup> groups)
    {
        var merged = new List<ExportGroup>(groups.Count);
        foreach (var group in groups)
        {
            if (merged.Count > 0 && merged[^1] is var open && open.Duration < MinSegment
                && open.Offset + open.Length == group.Offset
                && (open.Wall + open.Duration - group.Wall).Duration() <= SegmentIndex.SpanTolerance)
            {
                merged[^1] = open with { Length = open.Length + group.Length, Duration = group.Start + group.Duration - open.Start };
            }
            else
            {
                merged.Add(group);
            }
        }

        return merged;
    }

    private static IResult? Open(string path, DateTimeOffset? from, DateTimeOffset? to, RecordingManager recordings, out RecordingExport? export)
    {
        export = null;
        var all = recordings.ForPath(path);
        if (all.Count == 0)
        {
            return Error($"no recordings of '{path}'", 404);
        }

        var start = from ?? all.Min(s => s.Start);
        var end = to ?? (from is null ? Min(all.Max(s => s.End), start + RecordingExport.MaxRange) : start + RecordingExport.MaxRange);
        if (end <= start)
        {
            return Error("to must be after from", 400);
        }

        if (end - start > RecordingExport.MaxRange)
        {
            return Error($"a range is at most {RecordingExport.MaxRange.TotalHours:0} hours", 400);
        }

        // A GOP can begin before from: take the segments that hold it too.
        var segments = all.Where(s => s.Overlaps(start - TimeSpan.FromMinutes(1), end)).ToList();
        try
        {
            export = RecordingExport.Create(segments, recordings.DataDirectory, start, end);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return Error($"the recording of '{path}' could not be read: {ex.Message}", 500);
        }

        return export is null ? Error($"'{path}' has no recording between {start:O} and {end:O}", 404) : null;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static IResult Error(string message, int status) =>
        TypedResults.Json(new ErrorResponse(message), ApiJsonContext.Default.ErrorResponse, statusCode: status);

    /// <summary><c>cam_1_2026-12-05_10-00-00.mp4</c>: the path with anything but letters and digits as '_'.</summary>
    private static string FileName(string path, DateTimeOffset start)
    {
        var name = new StringBuilder(path.Length + 24);
        foreach (char c in path)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' ? c : '_');
        }

        return name.Append('_').Append(start.UtcDateTime.ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture)).Append(".mp4").ToString();
    }
}
