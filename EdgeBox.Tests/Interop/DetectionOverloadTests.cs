using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// More pictures than the model can run on 2 cores: 8 paths at 30 fps, each asking for every picture
/// (<c>fps: 30</c>). The sources and a reader keep their full frame rate; the pictures the model could
/// not take are skipped and counted (API and <c>/metrics</c>), and every sampled picture is accounted for.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class DetectionOverloadTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);
    private const int Paths = 8;

    private static async Task<JsonElement> GetAsync(RtspTestServer box, string url)
    {
        using var response = await box.Http.GetAsync(new Uri(box.Api, url));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Eight_paths_at_30_fps_keep_their_rate_and_the_pictures_the_model_cannot_take_are_skipped_and_counted()
    {
        Assert.True(File.Exists(RepoPaths.BlazeFaceBack), "run ./build.sh setup: it fetches the BlazeFace models");
        string paths = string.Join("\n", Enumerable.Range(0, Paths).Select(i => $"  cam{i}: {{ detect: {{ model: face, fps: 30, threshold: 0.75 }} }}"));
        await using var box = await RtspTestServer.StartWithConfigAsync($"inference: {{ threads: 1 }}\npaths:\n{paths}\n");
        await DetectionTests.AddModelAsync(box, "face", RepoPaths.BlazeFaceBack, "blazeface");

        // One clip encoded once, published 8 times without re-encoding (the publishers cost next to nothing).
        string clip = box.Directory.File("clip.mp4");
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
            "-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p", clip);
        Assert.True(code == 0, errors);
        var publishers = Enumerable.Range(0, Paths).Select(i => box.Track(ExternalProcess.Start("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "rtsp", "-rtsp_transport", "tcp", $"{box.Rtsp}cam{i}"]))).ToList();
        for (int i = 0; i < Paths; i++)
        {
            await box.WaitReadyAsync($"cam{i}", publishers[i]);
        }

        await Task.Delay(TimeSpan.FromSeconds(3)); // the decoders and the model settle

        var before = new long[Paths];
        for (int i = 0; i < Paths; i++)
        {
            before[i] = (await GetAsync(box, $"/api/v1/paths/cam{i}")).GetProperty("framesIn").GetInt64();
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        string copy = box.Directory.File("read.mkv");
        (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
            "-i", $"{box.Rtsp}cam0", "-t", "5", "-c", "copy", copy);
        Assert.True(code == 0, errors);
        double seconds = started.Elapsed.TotalSeconds;
        for (int i = 0; i < Paths; i++)
        {
            long frames = (await GetAsync(box, $"/api/v1/paths/cam{i}")).GetProperty("framesIn").GetInt64() - before[i];
            Assert.True(frames / seconds >= 27, $"cam{i}: {frames} frames in {seconds:0.0} s");
        }

        var (_, packets, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", copy);
        Assert.InRange(int.Parse(packets.Trim(), CultureInfo.InvariantCulture), 140, 160); // 5 s at 30 fps

        var detectors = (await GetAsync(box, "/api/v1/detect")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(Paths, detectors.Count);
        long sampled = detectors.Sum(d => d.GetProperty("sampled").GetInt64());
        long inferences = detectors.Sum(d => d.GetProperty("inferences").GetInt64());
        long skipped = detectors.Sum(d => d.GetProperty("skipped").GetInt64());
        string summary = string.Join("\n", detectors.Select(d => d.ToString()));
        Assert.True(skipped > 0, "nothing skipped:\n" + summary);
        Assert.All(detectors, d => Assert.True(d.GetProperty("inferences").GetInt64() > 0, "a path the model never ran on:\n" + summary));
        // Every sampled picture was run or skipped, but for the one waiting in each path's mailbox (and a run in flight).
        Assert.InRange(sampled - inferences - skipped, 0, 2 * Paths);

        using var metrics = await box.Http.GetAsync(new Uri(box.Api, "/metrics"));
        string text = await metrics.Content.ReadAsStringAsync();
        var counted = Regex.Matches(text, "edgebox_detect_pictures_skipped(?:_pictures)?_total\\{[^}]*path=\"cam\\d\"[^}]*\\} (\\d+)");
        Assert.True(counted.Count == Paths, text.Length > 3000 ? text[..3000] : text);
        Assert.True(counted.Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)) > 0);
    }
}
