using EdgeBox.Codecs;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class Av1RtpTests
{
    // libaom realtime 208x120, key frames at 0 and 3; temporal units without their temporal delimiters.
    private static readonly List<byte[]> Source = RtpTestMedia.ReadAv1TemporalUnits("av1.obu");
    private static readonly bool[] SourceKeyframes = [true, false, false, true, false, false];

    private static readonly byte[] SequenceHeader = Convert.FromHexString("0a0a00000003b67f736be401");
    private static readonly byte[] KeyFrame = [0x32, 0x02, 0x10, 0x00]; // OBU_FRAME, KEY_FRAME
    private static readonly byte[] TemporalDelimiter = [0x12, 0x00];

    [Fact]
    public void A_small_key_frame_is_one_packet_with_n_and_w_set()
    {
        using var packetizer = new Av1Packetizer(96, 1, 0);
        var output = new PacketCollector();
        Assert.True(packetizer.Packetize(0, [.. TemporalDelimiter, .. SequenceHeader, .. KeyFrame], output));
        var packet = Assert.Single(output.Packets);
        Assert.Equal(
            [0x80, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
             0x28, // Z 0, Y 0, W 2, N 1
             0x0B, 0x08, 0x00, 0x00, 0x00, 0x03, 0xB6, 0x7F, 0x73, 0x6B, 0xE4, 0x01, // sized element: header without S, payload
             0x30, 0x10, 0x00], // last element unsized
            packet);
    }

    [Fact]
    public void A_large_obu_is_split_with_y_and_z()
    {
        byte[] frame = [0x32, 40, 0x30, .. Enumerable.Range(1, 39).Select(i => (byte)i)]; // an inter frame, 40 payload bytes
        using var packetizer = new Av1Packetizer(96, 1, 0, RtpPacketizer.MinMaxPacketSize); // 15 bytes after the aggregation header
        var output = new PacketCollector();
        Assert.True(packetizer.Packetize(0, frame, output));
        Assert.Equal([0x50, 0xD0, 0x90], output.Packets.ConvertAll(p => p[12])); // Y W1; Z Y W1; Z W1
        Assert.Equal([false, false, true], output.Packets.ConvertAll(p => PacketCollector.Header(p).Marker));
        byte[] element = [0x30, .. frame.AsSpan(2)];
        Assert.Equal(element, output.Packets.SelectMany(p => p[13..]).ToArray());
    }

    [Fact]
    public void More_than_three_elements_are_all_sized()
    {
        byte[] metadata = [0x2A, 0x01, 0x04];
        using var packetizer = new Av1Packetizer(96, 1, 0);
        var output = new PacketCollector();
        Assert.True(packetizer.Packetize(0, [.. metadata, .. metadata, .. metadata, .. metadata, .. SequenceHeader], output));
        var payload = Assert.Single(output.Packets)[12..];
        Assert.Equal([0x00, 0x02, 0x28, 0x04, 0x02, 0x28, 0x04, 0x02, 0x28, 0x04, 0x02, 0x28, 0x04, 0x0B, 0x08, .. SequenceHeader.AsSpan(2)], payload);
    }

    [Fact]
    public void Refuses_malformed_units_and_units_with_nothing_to_send()
    {
        using var packetizer = new Av1Packetizer(96, 1, 0);
        var output = new PacketCollector();
        Assert.False(packetizer.Packetize(0, [], output));
        Assert.False(packetizer.Packetize(0, TemporalDelimiter, output));          // nothing left once the delimiter goes
        Assert.False(packetizer.Packetize(0, [0x32, 0x09, 0x10], output));        // obu_size past the end
        Assert.False(packetizer.Packetize(0, [0xB2, 0x01, 0x10], output));        // forbidden bit
        Assert.Empty(output.Packets);
        Assert.Equal(0, packetizer.SequenceNumber);
    }

    [Theory]
    [InlineData(1400)]
    [InlineData(500)]
    [InlineData(100)]
    [InlineData(RtpPacketizer.MinMaxPacketSize)]
    public void Packetize_then_depacketize_returns_the_temporal_units(int maxPacketSize)
    {
        using var packetizer = new Av1Packetizer(96, 0xBEEF, 65500, maxPacketSize);
        var output = new PacketCollector();
        var perUnit = new List<int>();
        for (int i = 0; i < Source.Count; i++)
        {
            int before = output.Packets.Count;
            Assert.True(packetizer.Packetize((uint)(i * 9000), Source[i], output));
            perUnit.Add(output.Packets.Count - before);
        }

        Assert.All(output.Packets, p => Assert.InRange(p.Length, 14, maxPacketSize));
        var headers = output.Packets.ConvertAll(PacketCollector.Header);
        Assert.Equal(Enumerable.Range(0, headers.Count).Select(i => (ushort)(65500 + i)), headers.Select(h => h.SequenceNumber));
        int index = 0;
        for (int unit = 0; unit < Source.Count; unit++)
        {
            for (int k = 0; k < perUnit[unit]; k++, index++)
            {
                byte aggregation = output.Packets[index][12];
                Assert.Equal(k == perUnit[unit] - 1, headers[index].Marker);
                Assert.Equal(k == 0 && SourceKeyframes[unit], (aggregation & 0x08) != 0); // N
                Assert.Equal(k > 0, (aggregation & 0x80) != 0);                        // Z: these units have one frame OBU
                Assert.Equal(k < perUnit[unit] - 1, (aggregation & 0x40) != 0);        // Y
            }
        }

        var sink = new CollectingSink();
        using var depacketizer = new Av1Depacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Rebuilt_temporal_units_decode_with_dav1d()
    {
        using var packetizer = new Av1Packetizer(96, 1, 0, 500);
        var output = new PacketCollector();
        for (int i = 0; i < Source.Count; i++)
        {
            packetizer.Packetize((uint)(i * 9000), Source[i], output);
        }

        var sink = new CollectingSink();
        using var depacketizer = new Av1Depacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        var parameters = ParameterSets.Update(CodecId.Av1, CodecParameters.None, sink.Units[0].Payload);
        Assert.NotNull(parameters);
        Assert.Equal((208, 120), (parameters.Width, parameters.Height));

        // The av1C record from the sequence header is the extradata (what FFmpeg's MP4 demuxer would hand over).
        Assert.Equal("libdav1d", Decoder.DecoderName(CodecId.Av1));
        var pictures = RtpAllocation.Decode(new MediaTrack(0, CodecId.Av1, 90000, 0, parameters), sink.Units);
        Assert.Equal(Enumerable.Repeat((208, 120), Source.Count), pictures);
    }

    [Fact]
    public void Elements_as_other_senders_write_them_are_rebuilt()
    {
        using var depacketizer = new Av1Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        // W 0 (every element sized), a temporal delimiter (dropped), an OBU that kept its size field, an extension header.
        feed.Push(1, true, 0x08, 0x01, 0x10, 0x0C, 0x0A, 0x0A, 0x00, 0x00, 0x00, 0x03, 0xB6, 0x7F, 0x73, 0x6B, 0xE4, 0x01,
            0x04, 0x34, 0x28, 0x10, 0x00);
        Assert.Equal([.. SequenceHeader, 0x36, 0x28, 0x02, 0x10, 0x00], Assert.Single(feed.Sink.Units).Payload);
        Assert.True(feed.Sink.Units[0].Keyframe);

        // An OBU split over three packets, W 0 on the middle one, W 1 around it.
        feed.Push(2, false, 0x50, 0x30, 0x30, 0x01);
        feed.Push(2, false, 0xC0, 0x02, 0x02, 0x03);
        feed.Push(2, true, 0x90, 0x04);
        Assert.Equal([0x32, 0x05, 0x30, 0x01, 0x02, 0x03, 0x04], feed.Sink.Units[1].Payload);
        Assert.False(feed.Sink.Units[1].Keyframe);
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_packet_in_the_middle_of_a_temporal_unit_drops_only_that_unit()
    {
        var packets = Packetize(300);
        int middle = RtpAllocation.FirstPacketOf(packets, 3) + 3; // the second key frame takes 14 packets
        packets.RemoveAt(middle);
        var sink = new CollectingSink();
        using var depacketizer = new Av1Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Where((_, i) => i != 3), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_marker_packet_drops_both_units_it_could_belong_to()
    {
        // AV1's aggregation header cannot say a packet starts a temporal unit, so the next unit is suspect too.
        var packets = Packetize(300);
        packets.RemoveAt(RtpAllocation.FirstPacketOf(packets, 1) - 1);
        var sink = new CollectingSink();
        using var depacketizer = new Av1Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Skip(2), sink.Payloads);
        Assert.Equal(2, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_receiver_that_joins_inside_a_temporal_unit_starts_at_the_next_one()
    {
        var sink = new CollectingSink();
        using var depacketizer = new Av1Depacketizer();
        PacketCollector.Feed(Packetize(300).Skip(2), depacketizer, sink); // starts with a Z fragment
        Assert.Equal(Source.Skip(1), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    public static TheoryData<string, byte[][]> Damaged => new()
    {
        { "Z with no fragment open", [[0x90, 0x01]] },
        { "a new OBU while a fragment waits for its end", [[0x50, 0x30, 0x10], [0x10, 0x30, 0x10, 0x00]] },
        { "a unit that ends inside a fragment", [[0x50, 0x30, 0x10]] },
        { "W 2 with one element", [[0x20, 0x03, 0x30, 0x10, 0x00]] },
        { "an element length past the packet", [[0x00, 0x09, 0x30, 0x10]] },
        { "a length cut short", [[0x00, 0x80]] },
        { "an aggregation header alone", [[0x10]] },
        { "a zero-length element", [[0x00, 0x00, 0x03, 0x30, 0x10, 0x00]] },
        { "the forbidden bit", [[0x10, 0xB0, 0x10]] },
        { "an OBU whose kept size disagrees", [[0x10, 0x32, 0x05, 0x10]] },
        { "an extension flag with no extension byte", [[0x10, 0x34]] },
        { "a tile group before any frame header", [[0x10, 0x20, 0x00]] },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void A_damaged_temporal_unit_is_dropped_and_the_next_one_delivered(string why, byte[][] payloads)
    {
        using var depacketizer = new Av1Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        for (int i = 0; i < payloads.Length; i++)
        {
            feed.Push(1, i == payloads.Length - 1, payloads[i]);
        }

        feed.Push(2, true, 0x10, 0x30, 0x30, 0x00);
        Assert.True(feed.Sink.Units.Count == 1, why);
        Assert.Equal(2u, feed.Sink.Units[0].Timestamp);
        Assert.Equal([0x32, 0x02, 0x30, 0x00], feed.Sink.Units[0].Payload);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Steady_state_depacketizing_and_packetizing_allocate_nothing()
    {
        var packets = Packetize(300);
        using var depacketizer = new Av1Depacketizer();
        using var packetizer = new Av1Packetizer(96, 1, 0, 300);
        var counter = new CountingSinks();
        RtpAllocation.AssertNone(packets, depacketizer, counter, () =>
        {
            foreach (var unit in Source)
            {
                packetizer.Packetize(0, unit, counter);
            }
        });
        Assert.Equal(51 * Source.Count, counter.Units);
    }

    private static List<byte[]> Packetize(int maxPacketSize)
    {
        using var packetizer = new Av1Packetizer(96, 1, 100, maxPacketSize);
        var output = new PacketCollector();
        for (int i = 0; i < Source.Count; i++)
        {
            Assert.True(packetizer.Packetize((uint)(i * 9000), Source[i], output));
        }

        return output.Packets;
    }
}
