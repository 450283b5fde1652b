using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class H265RtpTests
{
    private static readonly List<byte[]> Source = RtpTestMedia.ReadAnnexBAccessUnits("h265.265", h265: true);
    private static readonly bool[] SourceKeyframes = [true, false, false, false, false, false, true, false, false, false, false, false];

    // NAL unit headers: type << 1, then LayerId 0 / TID 1.
    private static readonly byte[] Vps = [0x40, 0x01, 0x0C, 0x01];
    private static readonly byte[] Sps = [0x42, 0x01, 0x01, 0x01, 0x60];
    private static readonly byte[] Pps = [0x44, 0x01, 0xC1, 0x73];
    private static readonly byte[] Idr = [0x26, 0x01, 0xAF, 0x06, 0x22]; // IDR_W_RADL (19)
    private static readonly byte[] Cra = [0x2A, 0x01, 0xAF, 0x06];       // CRA (21)
    private static readonly byte[] Trail = [0x02, 0x01, 0xD0, 0x11];     // TRAIL_R (1)

    [Fact]
    public void Depacketizes_gstreamer_packets_into_the_source_access_units()
    {
        var packets = RtpTestMedia.ReadCapture("h265.gst.rtp");
        Assert.Contains(packets, p => ((p[12] >> 1) & 0x3F) == 49); // FU
        Assert.Contains(packets, p => ((p[12] >> 1) & 0x3F) == 48); // AP
        var sink = new CollectingSink();
        using var depacketizer = new H265Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);

        Assert.Equal(12, Source.Count);
        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Theory]
    [InlineData(1400, true)]
    [InlineData(1400, false)]
    [InlineData(300, true)]
    [InlineData(RtpPacketizer.MinMaxPacketSize, false)]
    public void Packetize_then_depacketize_returns_the_access_units(int maxPacketSize, bool aggregate)
    {
        using var packetizer = new H265Packetizer(96, 7, 65535, maxPacketSize, aggregate);
        var output = new PacketCollector();
        for (int i = 0; i < Source.Count; i++)
        {
            Assert.True(packetizer.Packetize((uint)(i * 9000), Source[i], output));
        }

        Assert.All(output.Packets, p => Assert.InRange(p.Length, 14, maxPacketSize));
        Assert.Equal(Source.Count, output.Packets.Count(p => PacketCollector.Header(p).Marker));
        Assert.Contains(output.Packets, p => ((p[12] >> 1) & 0x3F) == 49);
        if (maxPacketSize >= 300)
        {
            Assert.Equal(aggregate, output.Packets.Exists(p => ((p[12] >> 1) & 0x3F) == 48)); // AUD + VPS + SPS + PPS
        }

        var sink = new CollectingSink();
        using var depacketizer = new H265Depacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        Assert.Equal(Enumerable.Range(0, Source.Count).Select(i => (uint)(i * 9000)), sink.Units.Select(u => u.Timestamp));
    }

    [Fact]
    public void Fragments_and_aggregates_byte_exact()
    {
        using var packetizer = new H265Packetizer(96, 1, 0, RtpPacketizer.MinMaxPacketSize); // 16 bytes of payload
        var output = new PacketCollector();
        byte[] bigCra = [0x2A, 0x03, .. Enumerable.Range(1, 20).Select(i => (byte)i)]; // LayerId 0, TID 3
        Assert.True(packetizer.Packetize(5, RtpTestMedia.LengthPrefixed(Vps, Pps, bigCra), output));
        var payloads = output.Packets.ConvertAll(p => p[12..]);
        Assert.Equal(
        [
            [0x60, 0x01, 0, 4, .. Vps, 0, 4, .. Pps],         // AP: type 48, lowest LayerId 0 and TID 1
            [0x62, 0x03, 0x95, .. Enumerable.Range(1, 13).Select(i => (byte)i)],   // FU: type 49, S, FuType 21
            [0x62, 0x03, 0x55, .. Enumerable.Range(14, 7).Select(i => (byte)i)],   // E
        ], payloads);
        Assert.Equal([false, false, true], output.Packets.ConvertAll(p => PacketCollector.Header(p).Marker));
    }

    [Fact]
    public void Irap_pictures_are_keyframes_and_parameter_sets_alone_are_not()
    {
        using var depacketizer = new H265Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, Vps);
        feed.Push(1, false, Sps);
        feed.Push(1, true, Pps);
        feed.Push(2, true, Idr);
        feed.Push(3, true, Trail);
        feed.Push(4, true, Cra);
        Assert.Equal([false, true, false, true], feed.Sink.Units.ConvertAll(u => u.Keyframe));
    }

    public static TheoryData<string, byte[][]> Damaged => new()
    {
        { "FU middle without a start", [[0x62, 0x01, 0x15, 0xBB], [0x62, 0x01, 0x55, 0xCC]] },
        { "FU end without a start", [[0x62, 0x01, 0x55, 0xCC]] },
        { "FU with S and E both set", [[0x62, 0x01, 0xD5, 0xAA]] },
        { "FU with no FU header", [[0x62, 0x01]] },
        { "FU start never ended", [[0x62, 0x01, 0x95, 0xAA]] },
        { "truncated AP (size past the end)", [[0x60, 0x01, 0x00, 0x04, .. Vps, 0x00, 0x09, .. Pps]] },
        { "AP unit shorter than a NAL unit header", [[0x60, 0x01, 0x00, 0x01, 0x40]] },
        { "payload shorter than a NAL unit header", [[0x02]] },
        { "forbidden_zero_bit set", [[0x82, 0x01, 0x00]] },
        { "PACI", [[0x64, 0x01, 0x00, 0x00]] },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void A_damaged_access_unit_is_dropped_and_the_next_one_delivered(string why, byte[][] payloads)
    {
        using var depacketizer = new H265Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, Idr);
        foreach (var payload in payloads)
        {
            feed.Push(1, false, payload);
        }

        feed.Push(1, true, Trail);
        feed.Push(2, true, Trail);
        Assert.True(feed.Sink.Units.Count == 1, why);
        Assert.Equal(2u, feed.Sink.Units[0].Timestamp);
        Assert.Equal(RtpTestMedia.LengthPrefixed(Trail), feed.Sink.Units[0].Payload);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_fragment_drops_that_unit_only()
    {
        var packets = RtpTestMedia.ReadCapture("h265.gst.rtp");
        int fu = packets.FindIndex(20, p => ((p[12] >> 1) & 0x3F) == 49 && (p[14] & 0xC0) == 0); // a middle fragment
        uint lostTimestamp = PacketCollector.Header(packets[fu]).Timestamp;
        packets.RemoveAt(fu);
        var sink = new CollectingSink();
        using var depacketizer = new H265Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Count - 1, sink.Units.Count);
        Assert.DoesNotContain(sink.Units, u => u.Timestamp == lostTimestamp);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }
}
