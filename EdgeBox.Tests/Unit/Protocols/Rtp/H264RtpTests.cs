using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class H264RtpTests
{
    private static readonly List<byte[]> Source = RtpTestMedia.ReadAnnexBAccessUnits("h264.264", h265: false);

    [Theory]
    [InlineData("h264.gst.rtp")]    // GStreamer rtph264pay: STAP-A, FU-A, sequence numbers wrapping 65535 -> 0
    [InlineData("h264.ffmpeg.rtp")] // FFmpeg's RTP muxer
    public void Depacketizes_third_party_packets_into_the_source_access_units(string capture)
    {
        var packets = RtpTestMedia.ReadCapture(capture);
        Assert.Contains(packets, p => (p[12] & 0x1F) == 28); // the capture does exercise FU-A
        Assert.Contains(packets, p => (p[12] & 0x1F) == 24); // and STAP-A
        var sink = new CollectingSink();
        using var depacketizer = new H264Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);

        Assert.Equal(12, Source.Count);
        Assert.Equal(Source, sink.Payloads);
        Assert.Equal([true, false, false, false, false, false, true, false, false, false, false, false], sink.Units.ConvertAll(u => u.Keyframe));
        var timestamps = sink.Units.ConvertAll(u => u.Timestamp);
        Assert.All(timestamps.Skip(1).Zip(timestamps), pair => Assert.Equal(9000u, pair.First - pair.Second)); // 10 fps on 90 kHz
        Assert.Equal(0, depacketizer.DroppedUnits);
    }
}
