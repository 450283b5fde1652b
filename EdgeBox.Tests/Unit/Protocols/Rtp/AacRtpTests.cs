using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class AacRtpTests
{
    private static readonly List<byte[]> Frames = RtpTestMedia.ReadAdtsFrames("aac.adts");

    [Fact]
    public void Reassembles_gstreamers_fragmented_access_units()
    {
        var packets = RtpTestMedia.ReadCapture("aac.gst.rtp"); // MTU 100: every AU in two or more fragments
        Assert.True(packets.Count > 2 * Frames.Count);
        var sink = new CollectingSink();
        using var depacketizer = new AacDepacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Frames, sink.Payloads);
        Assert.All(sink.Units, u => Assert.True(u.Keyframe));
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Splits_ffmpegs_packets_of_several_access_units_with_consecutive_timestamps()
    {
        // FFmpeg's muxer sent the first 7 AUs in one packet and never flushed the other 6 at the end.
        var packet = Assert.Single(RtpTestMedia.ReadCapture("aac.ffmpeg.rtp"));
        var sink = new CollectingSink();
        using var depacketizer = new AacDepacketizer();
        PacketCollector.Feed([packet], depacketizer, sink);
        Assert.Equal(Frames.Take(7), sink.Payloads);
        uint first = PacketCollector.Header(packet).Timestamp;
        Assert.Equal(Enumerable.Range(0, 7).Select(i => first + (uint)(i * 1024)), sink.Units.Select(u => u.Timestamp));
    }

    [Theory]
    [InlineData(1400)]
    [InlineData(100)]
    [InlineData(RtpPacketizer.MinMaxPacketSize)]
    public void Packetize_then_depacketize_returns_the_access_units(int maxPacketSize)
    {
        using var packetizer = new AacPacketizer(97, 3, 65534, maxPacketSize);
        var output = new PacketCollector();
        for (int i = 0; i < Frames.Count; i++)
        {
            Assert.True(packetizer.Packetize((uint)(i * 1024), Frames[i], output));
        }

        Assert.All(output.Packets, p => Assert.InRange(p.Length, 17, maxPacketSize));
        Assert.Equal(Frames.Count, output.Packets.Count(p => PacketCollector.Header(p).Marker));
        Assert.Equal(maxPacketSize == 1400, output.Packets.Count == Frames.Count);
        var sink = new CollectingSink();
        using var depacketizer = new AacDepacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal(Frames, sink.Payloads);
        Assert.Equal(Enumerable.Range(0, Frames.Count).Select(i => (uint)(i * 1024)), sink.Units.Select(u => u.Timestamp));
    }

    [Fact]
    public void Writes_the_au_header_section_byte_exact()
    {
        using var packetizer = new AacPacketizer(97, 1, 0);
        var output = new PacketCollector();
        Assert.True(packetizer.Packetize(0, [1, 2, 3], output));
        Assert.Equal([0x00, 0x10, 0x00, 0x18, 1, 2, 3], Assert.Single(output.Packets)[12..]); // 16 bits; size 3, index 0
        Assert.False(packetizer.Packetize(0, new byte[8192], output)); // AU-size has 13 bits
        Assert.False(packetizer.Packetize(0, [], output));
    }

    [Fact]
    public void Index_deltas_space_the_timestamps()
    {
        using var depacketizer = new AacDepacketizer();
        var feed = new PayloadFeeder(depacketizer);
        // Three AUs: sizes 3, 2, 1; index 0, delta 0, delta 1 (one AU interleaved elsewhere).
        feed.Push(5000, true, 0x00, 0x30, 0x00, 0x18, 0x00, 0x10, 0x00, 0x09, 0xA1, 0xA2, 0xA3, 0xB1, 0xB2, 0xC1);
        Assert.Equal([5000u, 6024u, 8072u], feed.Sink.Units.ConvertAll(u => u.Timestamp));
        Assert.Equal([[0xA1, 0xA2, 0xA3], [0xB1, 0xB2], [0xC1]], feed.Sink.Payloads);
    }

    [Fact]
    public void Reads_aac_lbr_headers()
    {
        using var depacketizer = new AacDepacketizer(sizeLength: 6, indexLength: 2, indexDeltaLength: 2);
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(0, true, 0x00, 0x10, 0x0C, 0x08, 0xA1, 0xA2, 0xA3, 0xB1, 0xB2); // 16 bits: size 3 idx 0, size 2 delta 0
        Assert.Equal([[0xA1, 0xA2, 0xA3], [0xB1, 0xB2]], feed.Sink.Payloads);
    }

    public static TheoryData<string, byte[][]> Malformed => new()
    {
        { "AU-headers-length past the end", [[0x00, 0x40, 0x00, 0x18, 0xA1]] },
        { "AU-headers-length 0", [[0x00, 0x00, 0xA1]] },
        { "a lone length byte", [[0x00]] },
        { "headers not a whole number of AU headers", [[0x00, 0x14, 0x00, 0x18, 0x00, 0xA1, 0xA2, 0xA3]] },
        { "several AUs larger than the packet", [[0x00, 0x20, 0x00, 0x18, 0x00, 0x18, 0xA1, 0xA2, 0xA3, 0xB1]] },
        { "a fragment whose last part never came", [[0x00, 0x10, 0x00, 0x28, 0xA1, 0xA2]] },
        { "a lone last fragment", [[0x00, 0x10, 0x00, 0x28, 0xA1, 0xA2]] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_packet_is_dropped_and_the_next_access_unit_delivered(string why, byte[][] payloads)
    {
        using var depacketizer = new AacDepacketizer();
        var feed = new PayloadFeeder(depacketizer);
        foreach (var payload in payloads)
        {
            feed.Push(1, why == "a lone last fragment", payload);
        }

        feed.Push(1025, true, 0x00, 0x10, 0x00, 0x10, 0xC1, 0xC2);
        Assert.Equal([[0xC1, 0xC2]], feed.Sink.Payloads);
        Assert.Equal(1025u, feed.Sink.Units[0].Timestamp);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_middle_fragment_drops_that_access_unit_only()
    {
        using var depacketizer = new AacDepacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(0, false, 0x00, 0x10, 0x00, 0x30, 0xA1, 0xA2); // AU of 6 bytes in three fragments
        feed.Lose();
        feed.Push(0, true, 0x00, 0x10, 0x00, 0x30, 0xA5, 0xA6);
        feed.Push(1024, false, 0x00, 0x10, 0x00, 0x20, 0xB1, 0xB2); // AU of 4 bytes in two
        feed.Push(1024, true, 0x00, 0x10, 0x00, 0x20, 0xB3, 0xB4);
        Assert.Equal([[0xB1, 0xB2, 0xB3, 0xB4]], feed.Sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Empty_payloads_carry_nothing()
    {
        using var depacketizer = new AacDepacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(0, true);
        Assert.Empty(feed.Sink.Units);
        Assert.Equal(0, depacketizer.DroppedUnits);
    }
}
