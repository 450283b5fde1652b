using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Object detection in the AOT binary with the ONNX Runtime library it ships: MediaPipe BlazeFace on
/// the astronaut portrait published over RTSP by ffmpeg raises a face event whose box overlaps the
/// face measured by hand, with a snapshot and a crop; a test pattern raises none; a GPU provider asked
/// for on this machine falls back to the CPU with a warning; a configured runtime library is the one loaded.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class DetectionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>The portrait (512x512) padded into a 1280x720 picture: it sits at (384, 104).</summary>
    private const int PadX = 384, PadY = 104, FrameWidth = 1280, FrameHeight = 720;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Adds a model through the API (the raw body form).</summary>
    internal static async Task AddModelAsync(RtspTestServer box, string name, string file, string adapter)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(file));
        using var added = await box.Http.PostAsync(new Uri(box.Api, $"/api/v1/models?name={name}&adapter={adapter}"), content);
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> DetectorAsync(RtspTestServer box, string path)
    {
        using var response = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/detect"));
        var items = (await JsonAsync(response)).GetProperty("items");
        return items.EnumerateArray().Single(i => i.GetProperty("path").GetString() == path);
    }

    private static async Task<JsonElement[]> DetectionEventsAsync(RtspTestServer box, string path)
    {
        using var response = await box.Http.GetAsync(new Uri(box.Api, $"/api/v1/events?type=detection&path={path}"));
        return [.. (await JsonAsync(response)).GetProperty("items").EnumerateArray()];
    }

    private static float Iou((float X1, float Y1, float X2, float Y2) a, (float X1, float Y1, float X2, float Y2) b)
    {
        float w = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1), h = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        float inter = w * h;
        return inter / (((a.X2 - a.X1) * (a.Y2 - a.Y1)) + ((b.X2 - b.X1) * (b.Y2 - b.Y1)) - inter);
    }

    /// <summary>The hand-measured face as a box normalized to the padded 1280x720 frame.</summary>
    private static (float, float, float, float) MeasuredFace()
    {
        var v = File.ReadAllText(Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "TestData", "Faces", "astronaut-face.txt"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return ((v[0] + PadX) / FrameWidth, (v[1] + PadY) / FrameHeight, (v[2] + PadX) / FrameWidth, (v[3] + PadY) / FrameHeight);
    }

    [Fact]
    public async Task A_face_raises_one_event_whose_box_overlaps_the_measured_face_with_a_snapshot_and_it_ends_when_the_stream_stops()
    {
        Assert.True(File.Exists(RepoPaths.BlazeFaceBack), "run ./build.sh setup: it fetches the BlazeFace models");
        await using var box = await RtspTestServer.StartWithConfigAsync("""
            paths:
              cam1: { detect: { model: face, fps: 5, threshold: 0.75, lostAfter: 2s } }
            """);
        await AddModelAsync(box, "face", RepoPaths.BlazeFaceBack, "blazeface");
        var publisher = box.PublishPicture("cam1", RepoPaths.Astronaut, seconds: 12);
        await box.WaitReadyAsync("cam1", publisher);

        JsonElement[] events = [];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && (events.Length == 0 || !events[0].GetProperty("detection").GetProperty("snapshot").GetBoolean()))
        {
            await Task.Delay(250);
            events = await DetectionEventsAsync(box, "cam1");
        }

        var detector = await DetectorAsync(box, "cam1");
        Assert.True(events.Length == 1, $"{events.Length} events; detector: {detector}\n{box.Process.Output}");
        var detection = events[0].GetProperty("detection");
        Assert.Equal(("face", "face", "cpu"), (detection.GetProperty("label").GetString(), detection.GetProperty("model").GetString(), detector.GetProperty("provider").GetString()));
        Assert.True(detection.GetProperty("score").GetSingle() >= 0.75f, detection.ToString());
        var found = (detection.GetProperty("x1").GetSingle(), detection.GetProperty("y1").GetSingle(), detection.GetProperty("x2").GetSingle(), detection.GetProperty("y2").GetSingle());
        float iou = Iou(found, MeasuredFace());
        Assert.True(iou >= 0.5f, $"IoU {iou:0.00}: found {found}, measured {MeasuredFace()}");

        // The snapshot is the whole picture with the box drawn; the crop is the face.
        long id = events[0].GetProperty("id").GetInt64();
        foreach (var (name, width, height) in new[] { ("snapshot.jpg", FrameWidth, FrameHeight), ("crop.jpg", 0, 0) })
        {
            using var picture = await box.Http.GetAsync(new Uri(box.Api, $"/api/v1/events/{id}/{name}"));
            Assert.Equal((HttpStatusCode.OK, "image/jpeg"), (picture.StatusCode, picture.Content.Headers.ContentType?.MediaType));
            string file = box.Directory.File($"{id}-{name}");
            await File.WriteAllBytesAsync(file, await picture.Content.ReadAsByteArrayAsync());
            var (code, probe, errors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", file);
            Assert.True(code == 0, errors);
            var fields = probe.Trim().Split(',');
            Assert.Equal("mjpeg", fields[0]);
            if (width > 0)
            {
                Assert.Equal((width, height), (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture)));
            }
            else
            {
                // About the face plus a margin: the face is ~90 px of the 1280 px frame.
                Assert.InRange(int.Parse(fields[1], CultureInfo.InvariantCulture), 90, 200);
            }
        }

        using (var one = await box.Http.GetAsync(new Uri(box.Api, $"/api/v1/events/{id}")))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }

        using (var label = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/events?type=detection&label=person")))
        {
            Assert.Empty((await JsonAsync(label)).GetProperty("items").EnumerateArray());
        }

        // The publisher stops after 12 s: the face has left, the event gets its end.
        await publisher.WaitForExitAsync(TimeSpan.FromSeconds(30));
        clock.Restart();
        while (clock.Elapsed < TimeSpan.FromSeconds(15) && (await DetectionEventsAsync(box, "cam1"))[0].GetProperty("detection").GetProperty("end").ValueKind == JsonValueKind.Null)
        {
            await Task.Delay(250);
        }

        var ended = (await DetectionEventsAsync(box, "cam1")).Single().GetProperty("detection");
        Assert.True(ended.GetProperty("end").ValueKind == JsonValueKind.String, ended.ToString());
        Assert.True(ended.GetProperty("end").GetDateTimeOffset() > ended.GetProperty("start").GetDateTimeOffset().AddSeconds(5), ended.ToString());
        Assert.Contains("Path cam1: face detected", box.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_test_pattern_raises_no_face_event()
    {
        Assert.True(File.Exists(RepoPaths.BlazeFaceBack), "run ./build.sh setup: it fetches the BlazeFace models");
        await using var box = await RtspTestServer.StartWithConfigAsync("""
            paths:
              pattern: { detect: { model: face, fps: 10, threshold: 0.75 } }
            """);
        await AddModelAsync(box, "face", RepoPaths.BlazeFaceBack, "blazeface");
        var publisher = box.PublishTestPattern("pattern", size: "1280x720", fps: 15, seconds: 30);
        await box.WaitReadyAsync("pattern", publisher);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonElement detector;
        do
        {
            await Task.Delay(250);
            detector = await DetectorAsync(box, "pattern");
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && detector.GetProperty("inferences").GetInt64() < 40);

        Assert.True(detector.GetProperty("inferences").GetInt64() >= 40, detector.ToString());
        Assert.Empty(await DetectionEventsAsync(box, "pattern"));
        Assert.Equal(0, detector.GetProperty("detections").GetInt64());
    }

    [Fact]
    public async Task Cuda_asked_for_on_this_machine_runs_on_the_cpu_with_a_warning_and_an_event()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("""
            inference: { executionProvider: cuda }
            paths:
              cam1: { detect: { model: face, fps: 5, threshold: 0.75 } }
            """);
        await AddModelAsync(box, "face", RepoPaths.BlazeFaceBack, "blazeface");
        var publisher = box.PublishPicture("cam1", RepoPaths.Astronaut, seconds: 30);
        await box.WaitReadyAsync("cam1", publisher);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        JsonElement detector;
        do
        {
            await Task.Delay(250);
            detector = await DetectorAsync(box, "cam1");
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && detector.GetProperty("inferences").GetInt64() < 3);

        Assert.True(detector.GetProperty("inferences").GetInt64() >= 3, detector.ToString() + "\n" + box.Process.Output);
        Assert.Equal(("running", "cpu"), (detector.GetProperty("state").GetString(), detector.GetProperty("provider").GetString()));
        Assert.Matches(@"\[WRN\] Detection: model face: running on the CPU: cuda was asked for, but this ONNX Runtime library does not have CUDAExecutionProvider", box.Process.Output);
        using var events = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/events?type=hardware.fallback"));
        Assert.Contains("CUDAExecutionProvider", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_runtime_library_configured_elsewhere_is_the_one_loaded_and_listed()
    {
        using var elsewhere = new TempDirectory();
        string library = elsewhere.File("libonnxruntime.so");
        File.Copy(Path.Combine(Path.GetDirectoryName(await AotBinary.PathAsync())!, "libonnxruntime.so"), library);
        await using var box = await RtspTestServer.StartWithConfigAsync($$"""
            inference: { runtimeLibrary: "{{library}}" }
            paths:
              cam1: { detect: { model: face, fps: 5 } }
            """);
        await AddModelAsync(box, "face", RepoPaths.BlazeFaceBack, "blazeface");
        using var info = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/info"));
        var onnx = (await JsonAsync(info)).GetProperty("onnxRuntime");
        Assert.Equal(library, onnx.GetProperty("library").GetString());

        var publisher = box.PublishPicture("cam1", RepoPaths.Astronaut, seconds: 30);
        await box.WaitReadyAsync("cam1", publisher);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && (await DetectorAsync(box, "cam1")).GetProperty("inferences").GetInt64() < 1)
        {
            await Task.Delay(250);
        }

        string maps = await File.ReadAllTextAsync($"/proc/{box.Process.Pid}/maps");
        Assert.Contains(library, maps, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetDirectoryName(await AotBinary.PathAsync()) + "/libonnxruntime.so", maps, StringComparison.Ordinal);
    }

    /// <summary>One picture of an RTSP stream as RGB24 bytes (1280x720).</summary>
    private static async Task<byte[]> PictureAsync(RtspTestServer box, string path)
    {
        string file = box.Directory.File($"{path.Replace('/', '-')}-{Guid.NewGuid():N}.rgb");
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp", "-i", $"{box.Rtsp}{path}",
            "-ss", "1", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", file);
        Assert.True(code == 0, errors + "\n" + box.Process.Output);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.Equal(FrameWidth * FrameHeight * 3, bytes.Length);
        return bytes;
    }

    [Fact]
    public async Task Detection_is_turned_on_and_changed_live_through_the_api_and_the_annotated_path_shows_the_box()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("""
            paths:
              cam1: {}
            """);
        await AddModelAsync(box, "face", RepoPaths.BlazeFaceBack, "blazeface");
        var publisher = box.PublishPicture("cam1", RepoPaths.Astronaut, seconds: 60);
        await box.WaitReadyAsync("cam1", publisher);

        using (var on = await box.Http.PutAsync(new Uri(box.Api, "/api/v1/paths/cam1/detect"), new StringContent(
            """{"model": "face", "threshold": 0.75, "annotate": true, "zones": [{"name": "all", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}]}""")))
        {
            Assert.True(on.IsSuccessStatusCode, await on.Content.ReadAsStringAsync());
        }

        // A change of one key keeps the others.
        using (var change = await box.Http.PutAsync(new Uri(box.Api, "/api/v1/paths/cam1/detect"), new StringContent("""{"threshold": 0.7}""")))
        {
            Assert.True(change.IsSuccessStatusCode, await change.Content.ReadAsStringAsync());
        }

        var settings = (await DetectorAsync(box, "cam1")).GetProperty("settings");
        Assert.Equal(("face", 0.7f, true, "all"), (settings.GetProperty("model").GetString(), settings.GetProperty("threshold").GetSingle(),
            settings.GetProperty("annotate").GetBoolean(), settings.GetProperty("zones")[0].GetProperty("name").GetString()));
        using (var bad = await box.Http.PutAsync(new Uri(box.Api, "/api/v1/paths/cam1/detect"), new StringContent("""{"fps": 500}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("paths.cam1.detect.fps", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        JsonElement[] events = [];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && events.Length == 0)
        {
            await Task.Delay(250);
            events = await DetectionEventsAsync(box, "cam1");
        }

        var detection = Assert.Single(events).GetProperty("detection");
        Assert.Equal("all", detection.GetProperty("zone").GetString());

        // The annotated path: the same picture with a green box along the face's top edge; the source has none.
        int x = (int)((detection.GetProperty("x1").GetSingle() + detection.GetProperty("x2").GetSingle()) / 2 * FrameWidth);
        int y = (int)(detection.GetProperty("y1").GetSingle() * FrameHeight);
        var annotated = await PictureAsync(box, "cam1/annotated");
        var source = await PictureAsync(box, "cam1");
        static (int R, int G, int B) At(byte[] rgb, int x, int y) => (rgb[((y * FrameWidth) + x) * 3], rgb[(((y * FrameWidth) + x) * 3) + 1], rgb[(((y * FrameWidth) + x) * 3) + 2]);
        static bool Green((int R, int G, int B) c) => c.G > 150 && c.R < 110 && c.B < 110;

        // The line is a few pixels thick around the box's edge (rounded to even rows for 4:2:0).
        var column = Enumerable.Range(y - 4, 9).Select(row => (Row: row, Annotated: At(annotated, x, row), Source: At(source, x, row))).ToList();
        Assert.True(column.Any(c => Green(c.Annotated)), $"annotated around ({x}, {y}): {string.Join(", ", column.Select(c => c.Annotated))}");
        Assert.DoesNotContain(column, c => Green(c.Source));

        using (var off = await box.Http.DeleteAsync(new Uri(box.Api, "/api/v1/paths/cam1/detect")))
        {
            Assert.True(off.IsSuccessStatusCode, await off.Content.ReadAsStringAsync());
        }

        using var detect = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/detect"));
        Assert.Empty((await JsonAsync(detect)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_detection_with_record_starts_a_clip_with_the_paths_pre_roll_and_names_it()
    {
        await using var box = await RtspTestServer.StartWithConfigAsync("""
            paths:
              cam1: { preRoll: 3s, clipRetention: 1h, detect: { model: face, fps: 5, threshold: 0.75, record: true, clipDuration: 2s } }
            """);
        var publisher = box.PublishPicture("cam1", RepoPaths.Astronaut, seconds: 60);
        await box.WaitReadyAsync("cam1", publisher);
        await Task.Delay(TimeSpan.FromSeconds(4)); // the pre-roll fills before the model is there
        await AddModelAsync(box, "face", RepoPaths.BlazeFaceBack, "blazeface");

        JsonElement detection = default;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(250);
            if (await DetectionEventsAsync(box, "cam1") is [var first, ..] && first.GetProperty("detection").GetProperty("clipId").ValueKind == JsonValueKind.Number)
            {
                detection = first.GetProperty("detection");
                break;
            }
        }

        Assert.True(detection.ValueKind == JsonValueKind.Object, "no event with a clip:\n" + box.Process.Output);
        long clipId = detection.GetProperty("clipId").GetInt64();
        using var response = await box.Http.GetAsync(new Uri(box.Api, $"/api/v1/clips/{clipId}"));
        var clip = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.IsSuccessStatusCode, clip.ToString());
        Assert.Equal(("cam1", "detection"), (clip.GetProperty("path").GetString(), clip.GetProperty("reason").GetString()));
        var start = detection.GetProperty("start").GetDateTimeOffset();
        Assert.True(clip.GetProperty("start").GetDateTimeOffset() <= start.AddSeconds(-2.5), $"clip {clip}, event started {start:O}");
        using var events = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/events?type=recording.clip"));
        Assert.Contains("detection", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
