using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Event clips and deleting a time range, in the AOT binary with an ffmpeg publisher: a clip of a path that does
/// not record starts at least its pre-roll before the call and plays; a clip of a recording path locks those
/// segments against deletion until released; a deleted range leaves a gap of at least that range, every file
/// still plays, and the index is rebuilt from the files after <c>edgebox.db</c> is lost.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class RecordingClipTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<double> PlayableDurationAsync(string input)
    {
        var (decode, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-i", input, "-f", "null", "-");
        Assert.True(decode == 0 && errors.Trim().Length == 0, $"{input}: {errors}");
        var (code, probe, probeErrors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", input);
        Assert.True(code == 0, probeErrors);
        return double.Parse(probe.Trim(), CultureInfo.InvariantCulture);
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_clip_of_a_path_that_does_not_record_starts_its_pre_roll_before_the_call_and_plays()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("""
            paths:
              cam2: { preRoll: 4s, clipRetention: 1h }
            """);
        var publisher = box.PublishTestPattern("cam2", seconds: 30, audio: true); // GOP 1 s
        await box.WaitReadyAsync("cam2", publisher);
        await Task.Delay(TimeSpan.FromSeconds(6));

        var called = TimeProvider.System.GetUtcNow();
        using var started = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/paths/cam2/record"),
            new StringContent("""{"duration": "3s", "reason": "door opened"}""", System.Text.Encoding.UTF8, "application/json"));
        var clip = await JsonAsync(started);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, clip.ToString());
        Assert.Equal(("clip", "recording", "door opened"), (clip.GetProperty("mode").GetString(), clip.GetProperty("state").GetString(), clip.GetProperty("reason").GetString()));
        var start = clip.GetProperty("start").GetDateTimeOffset();
        Assert.True(start <= called.AddSeconds(-4).AddMilliseconds(100), $"the clip starts at {start:O}, the call was at {called:O}");
        Assert.True(start >= called.AddSeconds(-5.2), $"the clip starts at {start:O}: more than one GOP before the pre-roll");

        await Task.Delay(TimeSpan.FromSeconds(5)); // the clip's 3 s, then its last segment closes
        using var detail = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam2"));
        var recording = await JsonAsync(detail);
        Assert.True(detail.IsSuccessStatusCode, recording.ToString());
        Assert.All(recording.GetProperty("segments").EnumerateArray(), s => Assert.True(s.GetProperty("complete").GetBoolean()));
        Assert.All(recording.GetProperty("segments").EnumerateArray(), s => Assert.Equal(JsonValueKind.String, s.GetProperty("lockedUntil").ValueKind));
        var listed = Assert.Single(recording.GetProperty("clips").EnumerateArray());
        Assert.Equal(("done", true), (listed.GetProperty("state").GetString(), listed.GetProperty("locked").GetBoolean()));

        using var download = await box.Http.GetAsync(new Uri(box.Api, listed.GetProperty("download").GetString()));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var firstPicture = DateTimeOffset.Parse(download.Headers.GetValues("X-EdgeBox-Start").Single(), CultureInfo.InvariantCulture);
        Assert.True(firstPicture <= called.AddSeconds(-4).AddMilliseconds(100), $"first picture at {firstPicture:O}, call at {called:O}");
        string file = box.Directory.File("clip.mp4");
        await File.WriteAllBytesAsync(file, await download.Content.ReadAsByteArrayAsync());
        Assert.InRange(await PlayableDurationAsync(file), 6.5, 9.5); // 4 s pre-roll (+ up to a GOP) and 3 s (+ up to a fragment)

        using var events = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/events?type=recording.clip"));
        Assert.Contains("door opened", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Refusals: a bad body, an unknown path, a path without a source.
        using var bad = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/paths/cam2/record"), new StringContent("""{"duration": "soon"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var missing = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/paths/cam2/record"), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        using var unknown = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/paths/nosuch/record"), new StringContent("""{"duration": 5}"""));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await publisher.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        using var idle = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/paths/cam2/record"), new StringContent("""{"duration": 5}"""));
        Assert.Equal(HttpStatusCode.Conflict, idle.StatusCode);
    }

    [Fact]
    public async Task A_clip_locks_the_continuous_recording_and_a_deleted_range_leaves_a_gap_of_playable_files_that_survive_an_index_rebuild()
    {
        const string config = """
            paths:
              cam3: { record: true, recordSegmentDuration: 10s, recordPartDuration: 1s }
            """;
        await using var box = await RtspTestServer.StartWithConfigAsync(config);
        var publisher = box.PublishTestPattern("cam3", seconds: 32, audio: true); // GOP 1 s
        await box.WaitReadyAsync("cam3", publisher);
        await Task.Delay(TimeSpan.FromSeconds(24)); // in the third segment: the clip locks it, not the first two
        using var started = await box.Http.PostAsync(new Uri(box.Api, "/api/v1/paths/cam3/record"),
            new StringContent("""{"duration": 1, "preRoll": 1, "reason": "motion"}""", System.Text.Encoding.UTF8, "application/json"));
        var clip = await JsonAsync(started);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, clip.ToString());
        Assert.Equal("continuous", clip.GetProperty("mode").GetString());
        long clipId = clip.GetProperty("id").GetInt64();
        Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the source times out; the last segment closes

        var segments = (await JsonAsync(await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam3")))).GetProperty("segments").EnumerateArray().ToList();
        Assert.True(segments.Count >= 3, box.Process.Output);
        Assert.Equal(JsonValueKind.Null, segments[0].GetProperty("lockedUntil").ValueKind);
        Assert.Equal(JsonValueKind.Null, segments[1].GetProperty("lockedUntil").ValueKind);
        Assert.Contains(segments, s => s.GetProperty("lockedUntil").ValueKind == JsonValueKind.String);
        var first = segments[0].GetProperty("start").GetDateTimeOffset();
        var last = segments[^1].GetProperty("end").GetDateTimeOffset();

        // Everything: refused, the clip is in the way.
        var everything = new Uri(box.Api, $"/api/v1/recordings/cam3?from={Time(first)}&to={Time(last)}");
        using var refused = await box.Http.DeleteAsync(everything);
        string why = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains($"event clip {clipId}", why, StringComparison.Ordinal);

        // A range across the first two segments: both are cut, the gap covers at least the range.
        var from = segments[0].GetProperty("start").GetDateTimeOffset().AddSeconds(3.5);
        var to = segments[1].GetProperty("start").GetDateTimeOffset().AddSeconds(4.5);
        using var deleted = await box.Http.DeleteAsync(new Uri(box.Api, $"/api/v1/recordings/cam3?from={Time(from)}&to={Time(to)}"));
        var result = await JsonAsync(deleted);
        Assert.True(deleted.IsSuccessStatusCode, result.ToString());
        Assert.Equal((0, 2), (result.GetProperty("deleted").GetInt32(), result.GetProperty("trimmed").GetInt32()));
        Assert.True(result.GetProperty("bytesFreed").GetInt64() > 100_000, result.ToString());

        var after = await JsonAsync(await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam3")));
        var gap = Assert.Single(after.GetProperty("gaps").EnumerateArray());
        var (gapStart, gapEnd) = (gap.GetProperty("start").GetDateTimeOffset(), gap.GetProperty("end").GetDateTimeOffset());
        Assert.True(gapStart <= from && gapStart >= from.AddSeconds(-1.6), $"gap {gapStart:O}-{gapEnd:O}, range {from:O}-{to:O}");
        Assert.True(gapEnd >= to && gapEnd <= to.AddSeconds(1.6), $"gap {gapStart:O}-{gapEnd:O}, range {from:O}-{to:O}");
        var files = Directory.EnumerateFiles(box.Directory.File("data/recordings/cam3"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(after.GetProperty("segments").GetArrayLength(), files.Count);
        foreach (string file in files)
        {
            Assert.EndsWith(".mp4", file, StringComparison.Ordinal);
            Assert.InRange(await PlayableDurationAsync(file), 0.9, 10.6);
        }

        // Released, the clip no longer stands in the way.
        using var released = await box.Http.DeleteAsync(new Uri(box.Api, $"/api/v1/clips/{clipId}"));
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        using var tail = await box.Http.DeleteAsync(new Uri(box.Api, $"/api/v1/recordings/cam3?from={Time(last.AddSeconds(-5))}&to={Time(last)}"));
        Assert.True(tail.IsSuccessStatusCode, await tail.Content.ReadAsStringAsync());
        using var backwards = await box.Http.DeleteAsync(new Uri(box.Api, $"/api/v1/recordings/cam3?from={Time(to)}&to={Time(from)}"));
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        using var nowhere = await box.Http.DeleteAsync(new Uri(box.Api, $"/api/v1/recordings/nosuch?from={Time(from)}&to={Time(to)}"));
        Assert.Equal(HttpStatusCode.NotFound, nowhere.StatusCode);

        // The database lost: the index comes back from the files, the cut ones included.
        var before = (await JsonAsync(await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam3")))).GetProperty("segments")
            .EnumerateArray().Select(s => (s.GetProperty("start").GetDateTimeOffset(), s.GetProperty("size").GetInt64())).ToList();
        box.Process.Signal(EdgeBoxProcess.SIGTERM);
        Assert.True(await box.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        foreach (string db in Directory.GetFiles(box.Directory.File("data"), "edgebox*.db"))
        {
            File.Delete(db);
        }

        await using var again = EdgeBoxProcess.Start(await AotBinary.PathAsync(),
            ["run", "--data", box.Directory.File("data"), "--config", box.Directory.File("edgebox.yml")], EdgeBoxProcess.LoopbackEnvironment());
        var api = await again.WaitForHttpAsync();
        var rebuilt = (await JsonAsync(await box.Http.GetAsync(new Uri(api, "/api/v1/recordings/cam3")))).GetProperty("segments")
            .EnumerateArray().Select(s => (s.GetProperty("start").GetDateTimeOffset(), s.GetProperty("size").GetInt64())).ToList();
        Assert.Equal(before.Count, rebuilt.Count);
        Assert.Equal(before.Select(b => b.Item2), rebuilt.Select(r => r.Item2));
        Assert.All(before.Zip(rebuilt), p => Assert.True((p.First.Item1 - p.Second.Item1).Duration() < TimeSpan.FromMilliseconds(1), $"{p.First.Item1:O} vs {p.Second.Item1:O}"));
    }
}
