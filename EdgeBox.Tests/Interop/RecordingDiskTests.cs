using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Recording onto a small real volume (a tmpfs): under the free-disk floor retention deletes the oldest segments
/// and recording goes on; on a full disk recording stops with an alarm while live serving goes on, the segment
/// that hit the wall still plays, and recording resumes once there is room.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class RecordingDiskTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>The server's data directory is a link to <paramref name="volume"/>, so everything it writes lands there.</summary>
    private static Task<RtspTestServer> StartOnAsync(TmpfsVolume volume, string yaml) =>
        RtspTestServer.StartAsync(directory =>
        {
            string config = directory.File("edgebox.yml");
            File.WriteAllText(config, yaml);
            Directory.CreateSymbolicLink(directory.File("data"), volume.Path);
            return ["--config", config];
        });

    private static IReadOnlyList<string> Files(TmpfsVolume volume, string path) =>
        Directory.Exists(Path.Combine(volume.Path, "recordings", path))
            ? [.. Directory.EnumerateFiles(Path.Combine(volume.Path, "recordings", path), "*.mp4", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : [];

    private static async Task AssertPlaysAsync(string file)
    {
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-i", file, "-f", "null", "-");
        Assert.True(code == 0 && errors.Trim().Length == 0, $"{file}: {errors}");
    }

    private static async Task<string?> RecorderStateAsync(RtspTestServer box, string path)
    {
        using var list = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings"));
        var items = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("items");
        return items.EnumerateArray().Where(i => i.GetProperty("path").GetString() == path).Select(i => i.GetProperty("recorder").GetString()).FirstOrDefault();
    }

    [Fact]
    public async Task Under_the_free_disk_floor_the_oldest_segments_go_and_recording_goes_on()
    {
        await using var volume = await TmpfsVolume.MountAsync(20);
        await using (var box = await StartOnAsync(volume, """
            pathDefaults: { recordMinFreeDisk: 8M }
            paths:
              cam4: { record: true, recordSegmentDuration: 10s }
            """))
        {
            // 720p ultrafast is about 4.5 Mbit/s: a 10-s segment is about 5.6 MB, so the third one crosses the floor.
            var publisher = box.PublishTestPattern("cam4", size: "1280x720", seconds: 42);
            await box.WaitReadyAsync("cam4", publisher);
            var first = await WaitForFileAsync(volume, "cam4");
            Assert.True(await publisher.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            await Task.Delay(TimeSpan.FromSeconds(3));

            Assert.False(File.Exists(first), "the oldest segment is still there\n" + box.Process.Output);
            Assert.Contains("is under the floor of 8388608 bytes", box.Process.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("the disk is full", box.Process.Output, StringComparison.Ordinal);
            var files = Files(volume, "cam4");
            Assert.InRange(files.Count, 1, 3);
            foreach (string file in files)
            {
                await AssertPlaysAsync(file);
            }

            using var detail = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/recordings/cam4"));
            var segments = JsonDocument.Parse(await detail.Content.ReadAsStringAsync()).RootElement.GetProperty("segments");
            Assert.Equal(files.Count, segments.GetArrayLength());
            var newest = segments[segments.GetArrayLength() - 1].GetProperty("end").GetDateTimeOffset();
            Assert.True(TimeProvider.System.GetUtcNow() - newest < TimeSpan.FromSeconds(8), $"recording stopped at {newest:O}\n{box.Process.Output}");
        }
    }

    [Fact]
    public async Task On_a_full_disk_recording_stops_with_an_alarm_live_goes_on_and_recording_resumes_when_there_is_room()
    {
        await using var volume = await TmpfsVolume.MountAsync(10);
        await File.WriteAllBytesAsync(Path.Combine(volume.Path, "filler.bin"), new byte[3 << 20]);
        await using (var box = await StartOnAsync(volume, """
            pathDefaults: { recordMinFreeDisk: 0% }
            paths:
              cam5: { record: true, recordSegmentDuration: 10s }
            """))
        {
            var publisher = box.PublishTestPattern("cam5", size: "1280x720", seconds: 60);
            await box.WaitReadyAsync("cam5", publisher);
            await box.Process.WaitForOutputAsync("the disk is full", 30);
            Assert.Equal("diskfull", await RecorderStateAsync(box, "cam5"));
            using (var events = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/events?type=recording.diskfull")))
            {
                Assert.Contains("cam5", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // Live serving goes on.
            var (probe, streams, probeErrors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
                "-show_entries", "stream=codec_name,width", "-of", "csv=p=0", new Uri(box.Rtsp, "cam5").ToString());
            Assert.True(probe == 0, probeErrors);
            Assert.Contains("h264,1280", streams, StringComparison.Ordinal);

            // Room again: recording resumes.
            File.Delete(Path.Combine(volume.Path, "filler.bin"));
            foreach (string file in Files(volume, "cam5").SkipLast(1))
            {
                File.Delete(file); // by hand, as a user would; the index drops them at the next start
            }

            await box.Process.WaitForOutputAsync("there is room again; recording resumed", 20);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal("recording", await RecorderStateAsync(box, "cam5"));
            await publisher.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(3));

            // Every file plays to its end, the one that hit the wall included (cut back to its last fragment).
            foreach (string file in Files(volume, "cam5"))
            {
                await AssertPlaysAsync(file);
            }

            using var health = await box.Http.GetAsync(new Uri(box.Api, "/api/v1/health"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    private static async Task<string> WaitForFileAsync(TmpfsVolume volume, string path)
    {
        for (int i = 0; i < 100; i++)
        {
            if (Files(volume, path) is [var first, ..])
            {
                return first;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no recording of {path} appeared");
    }
}
