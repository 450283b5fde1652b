using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class Vp8RtpTests
{
    private static readonly List<byte[]> Source = RtpTestMedia.ReadIvfFrames("vp8.ivf");
    private static readonly bool[] SourceKeyframes = [true, false, false, true, false, false];

    /// <summary>The descriptor layouts of RFC 7741 §4.2, field by field.</summary>
    [Theory]
    [InlineData("10", 1, false, true, 0, -1)]                 // S, PID 0, no extension
    [InlineData("23", 1, true, false, 3, -1)]                 // N, partition 3
    [InlineData("908005", 3, false, true, 0, 5)]              // X, I, 7-bit PictureID (what FFmpeg sends)
    [InlineData("90809234", 4, false, true, 0, 0x1234)]       // X, I, M: 15-bit PictureID (what libwebrtc sends)
    [InlineData("90e0923401a0", 6, false, true, 0, 0x1234)]   // X, I, L, T: PictureID, TL0PICIDX, TID|Y|KEYIDX
    [InlineData("9050014f", 4, false, true, 0, -1)]           // X, L, K (no PictureID): TL0PICIDX, KEYIDX
    [InlineData("8000", 2, false, false, 0, -1)]              // X with nothing in it
    public void Descriptors_parse_as_the_rfc_draws_them(string hex, int consumed, bool nonReference, bool start, int partition, int pictureId)
    {
        var payload = Convert.FromHexString(hex + "ff");
        Assert.True(Vp8PayloadDescriptor.TryParse(payload, out var descriptor, out int length));
        Assert.Equal(consumed, length);
        Assert.Equal((nonReference, start, partition, pictureId),
            (descriptor.NonReference, descriptor.StartOfPartition, descriptor.PartitionIndex, descriptor.PictureId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]          // X without its byte
    [InlineData("9080")]        // I without the PictureID
    [InlineData("908080")]      // M without the second PictureID byte
    [InlineData("9040")]        // L without TL0PICIDX
    [InlineData("9020")]        // T without TID|Y|KEYIDX
    [InlineData("90f09234")]    // I, L, T/K: two bytes missing
    public void Descriptors_cut_short_do_not_parse(string hex)
    {
        Assert.False(Vp8PayloadDescriptor.TryParse(Convert.FromHexString(hex), out _, out _));
    }

    [Fact]
    public void Writes_the_libwebrtc_descriptor()
    {
        Span<byte> written = stackalloc byte[4];
        Assert.Equal(4, new Vp8PayloadDescriptor(false, true, 0, 0x1234).Write(written));
        Assert.Equal("90809234", Convert.ToHexStringLower(written));
        Assert.Equal(4, new Vp8PayloadDescriptor(true, false, 0, 0x7FFF).Write(written));
        Assert.Equal("a080ffff", Convert.ToHexStringLower(written));
    }

    [Theory]
    [InlineData("vp8.ffmpeg.rtp", 0x80)] // FFmpeg's RTP muxer (pkt_size=500): X, I and a 7-bit PictureID, S on a frame's first packet
    [InlineData("vp8.gst.rtp", 0x81)]    // GStreamer's rtpvp8pay: 15-bit PictureID, PID 1 on continuations, sequence numbers wrapping
    public void Depacketizes_third_party_packets_into_the_encoder_frames(string capture, int continuation)
    {
        var packets = RtpTestMedia.ReadCapture(capture);
        Assert.Equal(0x90, packets[0][12]);
        Assert.Contains(packets, p => p[12] == continuation);
        var sink = new CollectingSink();
        using var depacketizer = new Vp8Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);

        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        var timestamps = sink.Units.ConvertAll(u => u.Timestamp);
        Assert.All(timestamps.Skip(1).Zip(timestamps), pair => Assert.Equal(9000u, pair.First - pair.Second));
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Depacketized_frames_decode_with_ffmpegs_vp8_decoder()
    {
        var sink = new CollectingSink();
        using var depacketizer = new Vp8Depacketizer();
        PacketCollector.Feed(RtpTestMedia.ReadCapture("vp8.ffmpeg.rtp"), depacketizer, sink);
        var track = new MediaTrack(0, CodecId.Vp8, 90000, 0, CodecParameters.None);
        Assert.Equal(Enumerable.Repeat((128, 96), Source.Count), RtpAllocation.Decode(track, sink.Units));
    }

    [Theory]
    [InlineData(1400)]
    [InlineData(500)]
    [InlineData(100)]
    [InlineData(RtpPacketizer.MinMaxPacketSize)]
    public void Packetize_then_depacketize_returns_the_frames(int maxPacketSize)
    {
        using var packetizer = new Vp8Packetizer(96, 0xBEEF, 65530, maxPacketSize);
        var output = new PacketCollector();
        var perFrame = new List<int>();
        for (int i = 0; i < Source.Count; i++)
        {
            int before = output.Packets.Count;
            Assert.True(packetizer.Packetize((uint)(i * 9000), Source[i], output));
            perFrame.Add(output.Packets.Count - before);
        }

        Assert.All(output.Packets, p => Assert.InRange(p.Length, 12 + 5, maxPacketSize));
        var headers = output.Packets.ConvertAll(PacketCollector.Header);
        Assert.Equal(Enumerable.Range(0, headers.Count).Select(i => (ushort)(65530 + i)), headers.Select(h => h.SequenceNumber));
        int index = 0;
        for (int frame = 0; frame < Source.Count; frame++)
        {
            for (int k = 0; k < perFrame[frame]; k++, index++)
            {
                var packet = output.Packets[index];
                Assert.Equal(k == perFrame[frame] - 1, headers[index].Marker);
                Assert.Equal(k == 0 ? 0x90 : 0x80, packet[12]); // S only on a frame's first packet, PID 0
                Assert.Equal(0x80, packet[13]);
                Assert.Equal((65530 & 0x7FFF) + frame, ((packet[14] & 0x7F) << 8) | packet[15]); // one PictureID per frame, M set
                Assert.Equal(0x80, packet[14] & 0x80);
            }
        }

        if (maxPacketSize == 1400)
        {
            Assert.Equal([2, 1, 1, 2, 1, 1], perFrame); // the key frames (2253 and 2294 bytes) take two packets
        }

        var sink = new CollectingSink();
        using var depacketizer = new Vp8Depacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        Assert.Equal(Enumerable.Range(0, Source.Count).Select(i => (uint)(i * 9000)), sink.Units.Select(u => u.Timestamp));
    }

    [Fact]
    public void The_picture_id_wraps_at_15_bits()
    {
        using var packetizer = new Vp8Packetizer(96, 1, 0x7FFF);
        var output = new PacketCollector();
        packetizer.Packetize(0, Source[1], output);
        packetizer.Packetize(1, Source[2], output);
        Assert.Equal([0xFF, 0xFF], output.Packets[0][14..16]);
        Assert.Equal([0x80, 0x00], output.Packets[1][14..16]);
    }

    [Fact]
    public void Refuses_a_frame_shorter_than_its_frame_tag()
    {
        using var packetizer = new Vp8Packetizer(96, 1, 0);
        var output = new PacketCollector();
        Assert.False(packetizer.Packetize(0, [], output));
        Assert.False(packetizer.Packetize(0, [0x10, 0x02], output));
        Assert.Empty(output.Packets);
    }

    [Fact]
    public void A_lost_packet_in_the_middle_of_a_frame_drops_only_that_frame()
    {
        var packets = Packetize(300);
        int middle = FirstPacketOf(packets, 3) + 2; // the second key frame takes 8 packets
        Assert.Equal(0x80, packets[middle][12]);
        packets.RemoveAt(middle);
        var sink = new CollectingSink();
        using var depacketizer = new Vp8Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Where((_, i) => i != 3), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_last_packet_drops_its_frame_and_the_next_starts_clean()
    {
        // Unlike H.264, the S bit says the packet after the gap starts a frame: only the damaged one is lost.
        var packets = Packetize(300);
        packets.RemoveAt(FirstPacketOf(packets, 1) - 1); // the marker packet of frame 0
        var sink = new CollectingSink();
        using var depacketizer = new Vp8Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Skip(1), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_receiver_that_joins_inside_a_frame_starts_at_the_next_one()
    {
        var packets = Packetize(300);
        var sink = new CollectingSink();
        using var depacketizer = new Vp8Depacketizer();
        PacketCollector.Feed(packets.Skip(1), depacketizer, sink);
        Assert.Equal(Source.Skip(1), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    public static TheoryData<string, byte[][]> Damaged => new()
    {
        { "a second start in one timestamp", [[0x10, 0x00, 0x01, 0x02]] },
        { "a descriptor cut short", [[0x80, 0x80]] },
        { "a descriptor with no VP8 data", [[0x90, 0x80, 0x05]] },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void A_damaged_frame_is_dropped_and_the_next_one_delivered(string why, byte[][] payloads)
    {
        using var depacketizer = new Vp8Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, 0x10, 0x51, 0x01, 0x00, 0x11);
        foreach (var payload in payloads)
        {
            feed.Push(1, false, payload);
        }

        feed.Push(1, true, 0x00, 0x22);
        feed.Push(2, true, 0x10, 0x31, 0x02, 0x00);
        Assert.True(feed.Sink.Units.Count == 1, why);
        Assert.Equal((2u, false), (feed.Sink.Units[0].Timestamp, feed.Sink.Units[0].Keyframe));
        Assert.Equal([0x31, 0x02, 0x00], feed.Sink.Units[0].Payload);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_frame_shorter_than_a_frame_tag_is_dropped()
    {
        using var depacketizer = new Vp8Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, true, 0x10, 0x50, 0x01);
        feed.Push(2, true, 0x10, 0x51, 0x01, 0x00);
        Assert.Equal([0x51, 0x01, 0x00], Assert.Single(feed.Sink.Units).Payload);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Steady_state_depacketizing_and_packetizing_allocate_nothing()
    {
        var packets = RtpTestMedia.ReadCapture("vp8.ffmpeg.rtp");
        using var depacketizer = new Vp8Depacketizer();
        using var packetizer = new Vp8Packetizer(96, 1, 0, 300);
        var counter = new CountingSinks();
        RtpAllocation.AssertNone(packets, depacketizer, counter, () =>
        {
            foreach (var frame in Source)
            {
                packetizer.Packetize(0, frame, counter);
            }
        });
        Assert.Equal(51 * Source.Count, counter.Units);
    }

    private static List<byte[]> Packetize(int maxPacketSize)
    {
        using var packetizer = new Vp8Packetizer(96, 1, 100, maxPacketSize);
        var output = new PacketCollector();
        for (int i = 0; i < Source.Count; i++)
        {
            Assert.True(packetizer.Packetize((uint)(i * 9000), Source[i], output));
        }

        return output.Packets;
    }

    private static int FirstPacketOf(List<byte[]> packets, int frame) =>
        RtpAllocation.FirstPacketOf(packets, frame);
}
