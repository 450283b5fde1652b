using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>Opus and G.711, whose RTP payload is the access unit.</summary>
public sealed class AudioPayloadRtpTests
{
    [Theory]
    [InlineData("opus.gst.rtp", "opus")]
    [InlineData("pcmu.gst.rtp", "pcmu")]
    public void Depacketize_then_packetize_reproduces_gstreamers_packets(string capture, string codecName)
    {
        var codec = codecName == "opus" ? CodecId.Opus : CodecId.Pcmu;
        var packets = RtpTestMedia.ReadCapture(capture);
        var sink = new CollectingSink();
        using var depacketizer = RtpDepacketizers.Create(codec)!;
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(packets.ConvertAll(p => p[12..]), sink.Payloads);
        Assert.Equal(packets.ConvertAll(p => PacketCollector.Header(p).Timestamp), sink.Units.ConvertAll(u => u.Timestamp));

        // GStreamer marks the first packet only (start of a talkspurt), as we do: the packets come out identical.
        var first = PacketCollector.Header(packets[0]);
        using var packetizer = RtpPacketizers.Create(codec, first.PayloadType, first.Ssrc, first.SequenceNumber)!;
        var output = new PacketCollector();
        foreach (var (timestamp, _, payload) in sink.Units)
        {
            Assert.True(packetizer.Packetize(timestamp, payload, output));
        }

        Assert.Equal(packets, output.Packets);
    }

    [Fact]
    public void G711_splits_a_long_block_at_sample_boundaries_and_advances_the_timestamp()
    {
        using var packetizer = new G711Packetizer(0, 9, 100, maxPacketSize: 412);
        var block = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var output = new PacketCollector();
        Assert.True(packetizer.Packetize(8000, block, output));
        var headers = output.Packets.ConvertAll(PacketCollector.Header);
        Assert.Equal([400, 400, 200], output.Packets.ConvertAll(p => p.Length - 12));
        Assert.Equal([8000u, 8400u, 8800u], headers.ConvertAll(h => h.Timestamp));
        Assert.Equal([(ushort)100, (ushort)101, (ushort)102], headers.ConvertAll(h => h.SequenceNumber));

        var sink = new CollectingSink();
        using var depacketizer = new PayloadDepacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal(block, sink.Payloads.SelectMany(p => p));
    }

    [Fact]
    public void An_opus_packet_larger_than_a_packet_is_refused()
    {
        using var packetizer = new OpusPacketizer(111, 1, 0, maxPacketSize: 100);
        var output = new PacketCollector();
        Assert.False(packetizer.Packetize(0, new byte[89], output));
        Assert.True(packetizer.Packetize(0, new byte[88], output));
        Assert.Single(output.Packets);
    }

    [Fact]
    public void Empty_payloads_carry_nothing()
    {
        using var depacketizer = new PayloadDepacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(0, true);
        Assert.Empty(feed.Sink.Units);
    }
}
