using System.Buffers.Binary;
using System.Diagnostics;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Tests.Unit.Protocols.Rtp;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// Our packetizers' output, depayloaded by GStreamer (rtpstreamdepay reads RFC 4571 framed packets from
/// a file, so no sockets are needed), must give back the media we packetized.
/// </summary>
public sealed class RtpGStreamerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("h264", 500, true)]
    [InlineData("h264", 1400, false)]
    [InlineData("h265", 500, true)]
    [InlineData("h265", 1400, false)]
    public async Task GStreamer_depayloads_our_video_packets_into_the_same_nal_units(string codec, int maxPacketSize, bool aggregate)
    {
        bool h265 = codec == "h265";
        var units = RtpTestMedia.ReadAnnexBAccessUnits(h265 ? "h265.265" : "h264.264", h265);
        using IRtpPacketizer packetizer = h265
            ? new H265Packetizer(96, 0x1234, 65000, maxPacketSize, aggregate)
            : new H264Packetizer(96, 0x1234, 65000, maxPacketSize, aggregate);
        string rtp = WriteCapture(packetizer, units, 9000);

        string output = _dir.File("out." + codec);
        string name = h265 ? "H265" : "H264";
        await GstLaunch(
            "filesrc", "location=" + rtp,
            "!", $"application/x-rtp-stream,media=video,clock-rate=90000,encoding-name={name},payload=96",
            "!", "rtpstreamdepay", "!", $"rtp{codec}depay",
            "!", $"video/x-{codec},stream-format=byte-stream,alignment=au",
            "!", "filesink", "location=" + output);

        var expected = units.SelectMany(SplitLengthPrefixed).ToList();
        var actual = RtpTestMedia.SplitAnnexB(File.ReadAllBytes(output));
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("vp8", 500)]
    [InlineData("vp8", 1400)]
    [InlineData("vp9", 300)]
    [InlineData("vp9", 1400)]
    public async Task GStreamer_depayloads_our_vpx_packets_into_the_same_frames(string codec, int maxPacketSize)
    {
        var frames = RtpTestMedia.ReadIvfFrames(codec + ".ivf");
        using IRtpPacketizer packetizer = codec == "vp9"
            ? new Vp9Packetizer(96, 0x1234, 65000, maxPacketSize)
            : new Vp8Packetizer(96, 0x1234, 65000, maxPacketSize);
        string rtp = WriteCapture(packetizer, frames, 9000);

        // One file per buffer rtpvp8depay/rtpvp9depay pushes: one per frame (a VP9 superframe stays whole).
        string directory = _dir.File("frames");
        Directory.CreateDirectory(directory);
        await GstLaunch(
            "filesrc", "location=" + rtp,
            "!", $"application/x-rtp-stream,media=video,clock-rate=90000,encoding-name={codec.ToUpperInvariant()},payload=96",
            "!", "rtpstreamdepay", "!", $"rtp{codec}depay",
            "!", "multifilesink", "location=" + Path.Combine(directory, "%05d.bin"));

        var actual = Directory.GetFiles(directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        Assert.Equal(frames, actual);
    }

    [Fact]
    public async Task GStreamer_depayloads_our_fragmented_aac_into_the_same_frames()
    {
        var frames = RtpTestMedia.ReadAdtsFrames("aac.adts");
        using var packetizer = new AacPacketizer(97, 0x1234, 100, maxPacketSize: 100); // every frame in several fragments
        string rtp = WriteCapture(packetizer, frames, 1024);

        string output = _dir.File("out.aac");
        await GstLaunch(
            "filesrc", "location=" + rtp,
            "!", "application/x-rtp-stream,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,payload=97,"
                + "mode=AAC-hbr,sizelength=13,indexlength=3,indexdeltalength=3,streamtype=5,config=1190",
            "!", "rtpstreamdepay", "!", "rtpmp4gdepay",
            "!", "filesink", "location=" + output);

        Assert.Equal(frames.SelectMany(f => f), File.ReadAllBytes(output));
    }

    private string WriteCapture(IRtpPacketizer packetizer, List<byte[]> units, uint duration)
    {
        var framed = new FramingSink();
        for (int i = 0; i < units.Count; i++)
        {
            Assert.True(packetizer.Packetize((uint)i * duration, units[i], framed));
        }

        string path = _dir.File("in.rtp");
        File.WriteAllBytes(path, framed.Bytes.ToArray());
        return path;
    }

    private static IEnumerable<byte[]> SplitLengthPrefixed(byte[] unit)
    {
        for (int offset = 0; offset < unit.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(unit.AsSpan(offset));
            yield return unit.AsSpan(offset + 4, length).ToArray();
            offset += 4 + length;
        }
    }

    private static async Task GstLaunch(params string[] pipeline)
    {
        var info = new ProcessStartInfo("gst-launch-1.0")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-q");
        foreach (string element in pipeline)
        {
            info.ArgumentList.Add(element);
        }

        using var gst = Process.Start(info)!;
        var stdout = gst.StandardOutput.ReadToEndAsync();
        var stderr = gst.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await gst.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            gst.Kill(entireProcessTree: true);
            throw new TimeoutException("gst-launch-1.0 did not finish within 30 s: " + await stderr);
        }

        Assert.True(gst.ExitCode == 0, $"gst-launch-1.0 exited with {gst.ExitCode}: {await stdout}{await stderr}");
    }

    /// <summary>Writes packets RFC 4571 framed, as rtpstreamdepay reads them.</summary>
    private sealed class FramingSink : IRtpPacketSink
    {
        public MemoryStream Bytes { get; } = new();

        public void OnRtpPacket(ReadOnlySpan<byte> packet)
        {
            Bytes.Write([(byte)(packet.Length >> 8), (byte)packet.Length]);
            Bytes.Write(packet);
        }
    }
}
