using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class H264RtpTests
{
    private static readonly List<byte[]> Source = RtpTestMedia.ReadAnnexBAccessUnits("h264.264", h265: false);
    private static readonly bool[] SourceKeyframes = [true, false, false, false, false, false, true, false, false, false, false, false];

    // Small NAL units: SPS/PPS-like (types 7, 8), a non-IDR slice (1), an IDR slice (5).
    private static readonly byte[] Sps = [0x67, 0x42, 0xC0, 0x0A, 0xDA];
    private static readonly byte[] Pps = [0x68, 0xCE, 0x0F, 0xC8];
    private static readonly byte[] Slice = [0x41, 0x9A, 0x01, 0x02, 0x03];
    private static readonly byte[] Idr = [0x65, 0x88, 0x84, 0x00, 0x33];

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
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        var timestamps = sink.Units.ConvertAll(u => u.Timestamp);
        Assert.All(timestamps.Skip(1).Zip(timestamps), pair => Assert.Equal(9000u, pair.First - pair.Second)); // 10 fps on 90 kHz
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Theory]
    [InlineData(1400, true)]
    [InlineData(1400, false)]
    [InlineData(300, true)]
    [InlineData(100, false)]
    [InlineData(RtpPacketizer.MinMaxPacketSize, true)]
    public void Packetize_then_depacketize_returns_the_access_units(int maxPacketSize, bool aggregate)
    {
        using var packetizer = new H264Packetizer(96, 0xCAFE, 65500, maxPacketSize, aggregate);
        var output = new PacketCollector();
        var perUnit = new List<int>();
        for (int i = 0; i < Source.Count; i++)
        {
            int before = output.Packets.Count;
            Assert.True(packetizer.Packetize((uint)(i * 3000), Source[i], output));
            perUnit.Add(output.Packets.Count - before);
        }

        // Every packet fits, numbers follow each other across the wrap, and only an access unit's last packet has the marker.
        Assert.All(output.Packets, p => Assert.InRange(p.Length, 13, maxPacketSize));
        var headers = output.Packets.ConvertAll(PacketCollector.Header);
        Assert.Equal(Enumerable.Range(0, headers.Count).Select(i => (ushort)(65500 + i)), headers.Select(h => h.SequenceNumber));
        Assert.All(headers, h => Assert.Equal((96, 0xCAFEu), (h.PayloadType, h.Ssrc)));
        int index = 0;
        for (int unit = 0; unit < Source.Count; unit++)
        {
            for (int k = 0; k < perUnit[unit]; k++, index++)
            {
                Assert.Equal(k == perUnit[unit] - 1, headers[index].Marker);
                Assert.Equal((uint)(unit * 3000), headers[index].Timestamp);
            }
        }

        Assert.Equal(output.Packets.Count, (int)packetizer.PacketCount);
        Assert.Equal(output.Packets.Sum(p => p.Length - 12), (int)packetizer.OctetCount);
        if (maxPacketSize < 1400)
        {
            Assert.Contains(output.Packets, p => (p[12] & 0x1F) == 28);
        }

        if (maxPacketSize >= 300)
        {
            Assert.Equal(aggregate, output.Packets.Exists(p => (p[12] & 0x1F) == 24)); // AUD + SPS + PPS
        }

        var sink = new CollectingSink();
        using var depacketizer = new H264Depacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        Assert.Equal(Enumerable.Range(0, Source.Count).Select(i => (uint)(i * 3000)), sink.Units.Select(u => u.Timestamp));
    }

    [Fact]
    public void Aggregates_parameter_sets_with_the_small_units_after_them()
    {
        using var packetizer = new H264Packetizer(96, 1, 0);
        var output = new PacketCollector();
        Assert.True(packetizer.Packetize(0, RtpTestMedia.LengthPrefixed(Sps, Pps, Idr), output));
        var packet = Assert.Single(output.Packets);
        Assert.Equal(
            [0x80, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
             0x78, // STAP-A, NRI = max(3, 3, 3)
             0, 5, .. Sps, 0, 4, .. Pps, 0, 5, .. Idr],
            packet);
    }

    [Fact]
    public void Refuses_a_malformed_access_unit_and_sends_nothing()
    {
        using var packetizer = new H264Packetizer(96, 1, 0);
        var output = new PacketCollector();
        Assert.False(packetizer.Packetize(0, [], output));
        Assert.False(packetizer.Packetize(0, [0, 0, 0, 9, 0x65, 1, 2], output)); // length past the end
        Assert.False(packetizer.Packetize(0, [0, 0, 0, 0], output));             // empty NAL unit
        Assert.False(packetizer.Packetize(0, [.. RtpTestMedia.LengthPrefixed(Idr), 0, 0], output)); // trailing bytes
        Assert.Empty(output.Packets);
        Assert.Equal(0, packetizer.SequenceNumber);
    }

    [Fact]
    public void Parameter_sets_alone_are_not_a_keyframe()
    {
        using var depacketizer = new H264Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, Sps);
        feed.Push(1, true, Pps);
        feed.Push(2, false, Sps);
        feed.Push(2, false, Pps);
        feed.Push(2, true, Idr);
        feed.Push(3, true, Slice);
        Assert.Equal([false, true, false], feed.Sink.Units.ConvertAll(u => u.Keyframe));
        Assert.Equal(RtpTestMedia.LengthPrefixed(Sps, Pps, Idr), feed.Sink.Units[1].Payload);
    }

    [Fact]
    public void An_access_unit_also_ends_when_the_timestamp_changes()
    {
        using var depacketizer = new H264Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(100, false, Idr);
        feed.Push(100, false, Slice);
        Assert.Empty(feed.Sink.Units);
        feed.Push(200, false, Slice); // no marker was ever sent
        Assert.Equal((100u, true), (feed.Sink.Units[0].Timestamp, feed.Sink.Units[0].Keyframe));
        Assert.Equal(RtpTestMedia.LengthPrefixed(Idr, Slice), feed.Sink.Units[0].Payload);
    }

    [Fact]
    public void FU_A_reassembles_and_keeps_the_header_bits()
    {
        using var depacketizer = new H264Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, 0x7C, 0x85, 0xAA); // FU indicator NRI 3, S, type 5
        feed.Push(1, false, 0x7C, 0x05, 0xBB);
        feed.Push(1, true, 0x7C, 0x45, 0xCC);  // E
        Assert.Equal(RtpTestMedia.LengthPrefixed([0x65, 0xAA, 0xBB, 0xCC]), Assert.Single(feed.Sink.Units).Payload);
        Assert.True(feed.Sink.Units[0].Keyframe);
    }

    public static TheoryData<string, byte[][]> Damaged => new()
    {
        { "FU-A middle without a start", [[0x7C, 0x05, 0xBB], [0x7C, 0x45, 0xCC]] },
        { "FU-A end without a start", [[0x7C, 0x45, 0xCC]] },
        { "FU-A with S and E both set", [[0x7C, 0xC5, 0xAA]] },
        { "FU-A with no FU header", [[0x7C]] },
        { "FU-A start never ended", [[0x7C, 0x85, 0xAA], [0x7C, 0x05, 0xBB]] },
        { "a new FU-A start before the end", [[0x7C, 0x85, 0xAA], [0x7C, 0x85, 0xBB], [0x7C, 0x45, 0xCC]] },
        { "a single NAL unit inside a fragmented one", [[0x7C, 0x85, 0xAA], [.. Slice], [0x7C, 0x45, 0xCC]] },
        { "truncated STAP-A (size past the end)", [[0x78, 0x00, 0x05, .. Sps, 0x00, 0x09, .. Pps]] },
        { "STAP-A with a dangling size byte", [[0x78, 0x00, 0x05, .. Sps, 0x00]] },
        { "STAP-A with a zero size", [[0x78, 0x00, 0x00, 0x00, 0x05, .. Sps]] },
        { "forbidden_zero_bit set", [[0xE5, 0x01]] },
        { "STAP-B (interleaved mode)", [[0x79, 0x00, 0x00, 0x00, 0x05, .. Sps]] },
        { "FU-B (interleaved mode)", [[0x7D, 0x85, 0x00, 0x00, 0xAA]] },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void A_damaged_access_unit_is_dropped_and_the_next_one_delivered(string why, byte[][] payloads)
    {
        using var depacketizer = new H264Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, Idr);
        foreach (var payload in payloads)
        {
            feed.Push(1, false, payload);
        }

        feed.Push(1, true, Slice);
        feed.Push(2, true, Slice);
        Assert.True(feed.Sink.Units.Count == 1, why);
        Assert.Equal(2u, feed.Sink.Units[0].Timestamp);
        Assert.Equal(RtpTestMedia.LengthPrefixed(Slice), feed.Sink.Units[0].Payload);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_packet_inside_a_fragmented_unit_drops_that_unit_only()
    {
        var packets = RtpTestMedia.ReadCapture("h264.gst.rtp");
        // Lose a FU-A middle fragment (neither S nor E) of the third access unit: only the sequence gap tells.
        int middle = packets.FindIndex(IndexOfUnitStart(packets, 2), p => (p[12] & 0x1F) == 28 && (p[13] & 0xC0) == 0);
        Assert.True(middle < IndexOfUnitStart(packets, 3));
        packets.RemoveAt(middle);

        var sink = new CollectingSink();
        using var depacketizer = new H264Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Where((_, i) => i != 2), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_marker_packet_drops_both_units_it_could_belong_to()
    {
        var packets = RtpTestMedia.ReadCapture("h264.gst.rtp");
        int next = IndexOfUnitStart(packets, 3);
        Assert.True(PacketCollector.Header(packets[next - 1]).Marker);
        packets.RemoveAt(next - 1); // the last packet of unit 2

        var sink = new CollectingSink();
        using var depacketizer = new H264Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Where((_, i) => i is not (2 or 3)), sink.Payloads);
        Assert.Equal(2, depacketizer.DroppedUnits);
    }

    [Fact]
    public void An_access_unit_above_the_cap_is_dropped_and_the_next_one_delivered()
    {
        using var depacketizer = new H264Depacketizer(maxUnitSize: 4000);
        using var packetizer = new H264Packetizer(96, 1, 0, 500);
        var output = new PacketCollector();
        Assert.True(Source[0].Length > 4000 && Source[1].Length < 4000);
        packetizer.Packetize(0, Source[0], output);
        packetizer.Packetize(3000, Source[1], output);
        var sink = new CollectingSink();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal([Source[1]], sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Zero_length_payloads_carry_nothing()
    {
        using var depacketizer = new H264Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, true);
        feed.Push(2, false, Idr);
        feed.Push(2, true);
        Assert.Equal(RtpTestMedia.LengthPrefixed(Idr), Assert.Single(feed.Sink.Units).Payload);
    }

    [Fact]
    public void Steady_state_depacketizing_allocates_nothing()
    {
        var packets = RtpTestMedia.ReadCapture("h264.gst.rtp");
        var parsed = packets.ConvertAll(p =>
        {
            Assert.True(RtpHeader.TryParse(p, out var header, out int offset, out int length));
            return (header, offset, length);
        });
        var sink = new CountingSink();
        using var depacketizer = new H264Depacketizer();
        void Round()
        {
            for (int i = 0; i < packets.Count; i++)
            {
                depacketizer.Push(parsed[i].header, packets[i].AsSpan(parsed[i].offset, parsed[i].length), sink);
            }

            depacketizer.Reset(); // the capture starts over: not a gap
        }

        Round();
        Assert.Equal(0, Allocations.FewestPerBatch(Round, 50, out int rounds));
        Assert.Equal((1 + rounds) * 12, sink.Count);
    }

    [Fact]
    public void Steady_state_packetizing_allocates_nothing()
    {
        using var packetizer = new H264Packetizer(96, 1, 0, 300);
        var sink = new CountingPacketSink();
        foreach (var unit in Source)
        {
            packetizer.Packetize(0, unit, sink); // warm up
        }

        void Round(int i)
        {
            foreach (var unit in Source)
            {
                packetizer.Packetize((uint)i, unit, sink);
            }
        }

        Assert.Equal(0, Allocations.FewestPerBatch(Round, 0, 20, out int rounds));
        Assert.True(sink.Count > (1 + rounds) * Source.Count);
    }

    private static int IndexOfUnitStart(List<byte[]> packets, int unit)
    {
        int seen = 0;
        for (int i = 0; i < packets.Count; i++)
        {
            if (seen == unit)
            {
                return i;
            }

            if (PacketCollector.Header(packets[i]).Marker)
            {
                seen++;
            }
        }

        throw new InvalidOperationException("no such unit");
    }

    private sealed class CountingPacketSink : IRtpPacketSink
    {
        public int Count { get; private set; }

        public void OnRtpPacket(ReadOnlySpan<byte> packet) => Count++;
    }

    private sealed class CountingSink : IAccessUnitSink
    {
        public int Count { get; private set; }

        public void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload) => Count++;
    }
}
