using System.Text.Json;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// VP9 and AV1 transcode profiles in the AOT binary. GStreamer (rtspsrc + rtpvp9depay + vp9dec)
/// reads the VP9 path; FFmpeg 5.1 cannot (its VP9 RTP depacketizer follows draft 00 of the payload
/// format) and nothing here reads AV1 over RTP, so the AV1 path is read by a raw RTSP client, its
/// temporal units rebuilt by our depacketizer and decoded by FFmpeg's own AV1 decoder.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class TranscodeVpxAv1Tests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() =>
        _box = await RtspTestServer.StartWithConfigAsync("""
            paths:
              cam1:
                transcode:
                  - { name: vp9, video: { codec: vp9, width: 320, fps: 10, bitrate: 300k, gop: 1s, preset: ultrafast }, audio: { codec: none }, onDemand: true }
                  - { name: av1, video: { codec: av1, width: 320, fps: 10, bitrate: 300k, gop: 1s, preset: ultrafast }, audio: { codec: none }, onDemand: true }
            """);

    public async Task DisposeAsync() => await _box.DisposeAsync();

    private async Task PublishAsync()
    {
        var publisher = _box.PublishTestPattern("cam1");
        await _box.WaitReadyAsync("cam1", publisher);
    }

    [Fact]
    public async Task Gstreamer_decodes_the_vp9_profile_at_its_size()
    {
        await PublishAsync();
        var (code, output, errors) = await ExternalProcess.RunAsync(Bound, "gst-launch-1.0",
            "rtspsrc", $"location={_box.Rtsp}cam1/vp9", "protocols=tcp", "latency=0", "!", "rtpvp9depay", "!", "vp9dec", "!",
            "video/x-raw,width=320,height=180", "!", "identity", "eos-after=20", "!", "fakesink");
        // The 20 frames decoded at 320x180 once the pipeline reaches EOS. What rtspsrc reports while it winds
        // down after that (PAUSE, TEARDOWN on a busy machine) is not what this test is about.
        Assert.True(code == 0 || output.Contains("Got EOS from element", StringComparison.Ordinal),
            $"gst-launch exited {code}: {errors}{output}\n{_box.Process.Output}");
        using var path = await _box.Http.GetAsync(new Uri(_box.Api, "/api/v1/paths/cam1/vp9"));
        var track = JsonDocument.Parse(await path.Content.ReadAsStringAsync()).RootElement.GetProperty("tracks")[0];
        Assert.Equal(("vp9", 320, 180), (track.GetProperty("codec").GetString(), track.GetProperty("width").GetInt32(), track.GetProperty("height").GetInt32()));
        Assert.Contains("Transcode cam1/vp9: libvpx-vp9 320x180 at 10 fps", _box.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_av1_profile_is_served_over_rtsp_and_ffmpeg_decodes_what_arrives()
    {
        await PublishAsync();
        using var timeout = new CancellationTokenSource(Bound);
        using var client = await RawRtspClient.ConnectAsync(_box.Rtsp, timeout.Token);
        string describe = await client.PlayAsync($"{_box.Rtsp}cam1/av1", timeout.Token);
        Assert.Contains("a=rtpmap:96 AV1/90000", describe, StringComparison.Ordinal);

        var sink = new ObuFileSink();
        using var depacketizer = new Av1Depacketizer();
        while (sink.Units < 20)
        {
            var (channel, packet) = await client.ReadFrameAsync(timeout.Token);
            if (channel == 0 && RtpHeader.TryParse(packet, out var header, out int offset, out int length))
            {
                depacketizer.Push(header, packet.AsSpan(offset, length), sink);
            }
        }

        Assert.Equal(0, depacketizer.DroppedUnits);
        string file = _box.Directory.File("av1.obu");
        File.WriteAllBytes(file, sink.Bytes.ToArray());
        var (code, probe, errors) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-f", "obu", "-count_frames",
            "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", file);
        Assert.True(code == 0, errors);
        var stream = JsonDocument.Parse(probe).RootElement.GetProperty("streams")[0];
        Assert.Equal(("av1", 320, 180), (stream.GetProperty("codec_name").GetString(), stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()));
        Assert.True(int.Parse(stream.GetProperty("nb_read_frames").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 19, probe);
        var (decode, _, decodeErrors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", "-hide_banner", "-v", "error", "-f", "obu", "-i", file, "-f", "null", "-");
        Assert.Equal(0, decode);
        Assert.Equal("", decodeErrors.Trim());
    }

    /// <summary>Rebuilt temporal units as an AV1 "Section 5" OBU stream, each behind a temporal delimiter, starting at a keyframe.</summary>
    private sealed class ObuFileSink : IAccessUnitSink
    {
        private static readonly byte[] TemporalDelimiter = [0x12, 0x00];

        public List<byte> Bytes { get; } = [];

        public int Units { get; private set; }

        public void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload)
        {
            if (Units == 0 && !keyframe)
            {
                return;
            }

            Bytes.AddRange(TemporalDelimiter);
            Bytes.AddRange(payload);
            Units++;
        }
    }
}
