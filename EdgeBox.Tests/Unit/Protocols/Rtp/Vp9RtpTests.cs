using EdgeBox.Media;
using EdgeBox.Media.Codecs;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class Vp9RtpTests
{
    // libvpx two-pass output: a key frame, then superframes (hidden alternate reference + shown frame) at 1 and 5.
    private static readonly List<byte[]> Source = RtpTestMedia.ReadIvfFrames("vp9.ivf");
    private static readonly bool[] SourceKeyframes = [true, false, false, false, false, false, false, false, false, false];

    /// <summary>The descriptor layouts of RFC 9628 §4.2 and §4.2.1.</summary>
    [Theory]
    [InlineData("08", 1, true, false, -1, 0, 0, 0)]                  // B only: what FFmpeg sends on a frame's first packet
    [InlineData("0c", 1, true, true, -1, 0, 0, 0)]                   // B and E: a frame in one packet
    [InlineData("a8812345" + "07", 5, true, false, 0x123, 2, 0, 0)]  // non-flexible: I (15-bit), L (TID 2, SID 2, D), TL0PICIDX
    [InlineData("f805000304", 5, true, false, 5, 0, 0, 0)]           // flexible: I (7-bit), P, L, two P_DIFFs (N on the first)
    [InlineData("8a8001" + "38" + "014000f0028001e0" + "01" + "04" + "01", 15, true, false, 1, 0, 320, 240)] // V: 2 layers, Y, G with 1 picture of 1 P_DIFF
    [InlineData("8a8001" + "10" + "00a00078", 8, true, false, 1, 0, 160, 120)] // what Vp9Packetizer writes on a key frame
    public void Descriptors_parse_as_the_rfc_draws_them(string hex, int consumed, bool start, bool end, int pictureId, int spatialId, int width, int height)
    {
        var payload = Convert.FromHexString(hex + "ff");
        Assert.True(Vp9PayloadDescriptor.TryParse(payload, out var descriptor, out int length));
        Assert.Equal(consumed, length);
        Assert.Equal((start, end, pictureId, spatialId, width, height),
            (descriptor.StartOfFrame, descriptor.EndOfFrame, descriptor.PictureId, descriptor.SpatialId, descriptor.Width, descriptor.Height));
    }

    [Theory]
    [InlineData("")]
    [InlineData("80")]              // I without the picture ID
    [InlineData("8080")]            // M without the second byte
    [InlineData("20")]              // L without the layer byte
    [InlineData("a00500")]          // non-flexible L without TL0PICIDX
    [InlineData("d005")]            // flexible P without P_DIFF
    [InlineData("d00503030303")]    // four P_DIFFs
    [InlineData("02")]              // V without SS
    [InlineData("02100140")]        // Y with half a size
    [InlineData("02300140" + "00f0")] // two layers, one size
    [InlineData("0208")]            // G without N_G
    [InlineData("02080104")]        // a picture with R = 1 and no P_DIFF
    public void Descriptors_cut_short_do_not_parse(string hex)
    {
        Assert.False(Vp9PayloadDescriptor.TryParse(Convert.FromHexString(hex), out _, out _));
    }

    [Fact]
    public void Writes_the_non_flexible_descriptor()
    {
        Span<byte> written = stackalloc byte[8];
        var key = new Vp9PayloadDescriptor(false, false, false, true, false, true, 0x1234, 0, 160, 120);
        Assert.Equal(8, key.Write(written));
        Assert.Equal("8a92341000a00078", Convert.ToHexStringLower(written)); // I, B, V; M; N_S 0, Y; 160x120
        var inter = new Vp9PayloadDescriptor(true, false, false, false, true, false, 0x7FFF, 0);
        Assert.Equal(3, inter.Write(written));
        Assert.Equal("c4ffff", Convert.ToHexStringLower(written[..3])); // I, P, E
    }

    [Theory]
    [InlineData("vp9.ffmpeg.rtp", 0x08)] // FFmpeg's RTP muxer (-strict experimental, pkt_size=500): B/E only, superframes whole
    [InlineData("vp9.gst.rtp", 0x8A)]    // GStreamer's rtpvp9pay: I (15-bit), P, SS with the size and a GOF on the key frame
    public void Depacketizes_third_party_packets_into_the_encoder_frames(string capture, int first)
    {
        var packets = RtpTestMedia.ReadCapture(capture);
        Assert.Equal(first, packets[0][12]);
        var sink = new CollectingSink();
        using var depacketizer = new Vp9Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);

        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Depacketized_superframes_decode_with_ffmpegs_vp9_decoder()
    {
        var sink = new CollectingSink();
        using var depacketizer = new Vp9Depacketizer();
        PacketCollector.Feed(RtpTestMedia.ReadCapture("vp9.ffmpeg.rtp"), depacketizer, sink);
        var track = new MediaTrack(0, CodecId.Vp9, 90000, 0, CodecParameters.None);
        Assert.Equal(Enumerable.Repeat((160, 120), Source.Count), RtpAllocation.Decode(track, sink.Units)); // one picture shown per unit
    }

    [Theory]
    [InlineData(1400)]
    [InlineData(500)]
    [InlineData(100)]
    [InlineData(RtpPacketizer.MinMaxPacketSize)]
    public void Packetize_then_depacketize_returns_the_frames(int maxPacketSize)
    {
        using var packetizer = new Vp9Packetizer(96, 0xBEEF, 65530, maxPacketSize);
        var output = new PacketCollector();
        var perFrame = new List<int>();
        for (int i = 0; i < Source.Count; i++)
        {
            int before = output.Packets.Count;
            Assert.True(packetizer.Packetize((uint)(i * 9000), Source[i], output));
            perFrame.Add(output.Packets.Count - before);
        }

        Assert.All(output.Packets, p => Assert.InRange(p.Length, 12 + 4, maxPacketSize));
        var headers = output.Packets.ConvertAll(PacketCollector.Header);
        int index = 0;
        for (int frame = 0; frame < Source.Count; frame++)
        {
            for (int k = 0; k < perFrame[frame]; k++, index++)
            {
                Assert.True(Vp9PayloadDescriptor.TryParse(output.Packets[index].AsSpan(12), out var descriptor, out _));
                bool first = k == 0, last = k == perFrame[frame] - 1;
                Assert.Equal((first, last, last), (descriptor.StartOfFrame, descriptor.EndOfFrame, headers[index].Marker));
                Assert.Equal(!SourceKeyframes[frame], descriptor.InterPredicted);
                Assert.Equal(((65530 & 0x7FFF) + frame) & 0x7FFF, descriptor.PictureId);
                Assert.False(descriptor.LayerIndices || descriptor.FlexibleMode);
                Assert.Equal(first && SourceKeyframes[frame], descriptor.ScalabilityStructure);
                if (descriptor.ScalabilityStructure)
                {
                    Assert.Equal((160, 120), (descriptor.Width, descriptor.Height));
                }
            }
        }

        var sink = new CollectingSink();
        using var depacketizer = new Vp9Depacketizer();
        PacketCollector.Feed(output.Packets, depacketizer, sink);
        Assert.Equal(Source, sink.Payloads);
        Assert.Equal(SourceKeyframes, sink.Units.ConvertAll(u => u.Keyframe));
    }

    [Fact]
    public void Frames_sent_one_by_one_in_a_picture_become_a_superframe()
    {
        // How a sender that splits superframes (or sends spatial layers) sends frame 1: each frame B..E, one timestamp.
        var superframe = Source[1];
        Span<int> sizes = stackalloc int[8];
        Assert.Equal(2, Vp9.ReadSuperframeIndex(superframe, sizes, out _));
        using var depacketizer = new Vp9Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, [0x08, .. superframe.AsSpan(0, 100)]);             // B
        feed.Push(1, false, [0x04, .. superframe.AsSpan(100, sizes[0] - 100)]); // E
        feed.Push(1, true, [0x4C, .. superframe.AsSpan(sizes[0], sizes[1])]);   // P, B and E, marker
        Assert.Equal(superframe, Assert.Single(feed.Sink.Units).Payload); // libvpx's own index, byte for byte
        Assert.Equal(0, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_frame_still_open_at_the_marker_is_closed_there()
    {
        using var depacketizer = new Vp9Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, [0x08, .. Source[2].AsSpan(0, 50)]);
        feed.Push(1, true, [0x00, .. Source[2].AsSpan(50)]); // no E: some senders leave it off
        Assert.Equal(Source[2], Assert.Single(feed.Sink.Units).Payload);
    }

    [Fact]
    public void Nested_superframes_and_more_than_eight_frames_are_dropped()
    {
        using var depacketizer = new Vp9Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, [0x0C, .. Source[1]]); // a superframe...
        feed.Push(1, true, [0x0C, .. Source[2]]);  // ...and another frame in the same picture
        for (int i = 0; i < 9; i++)
        {
            feed.Push(2, i == 8, [0x0C, .. Source[2]]);
        }

        feed.Push(3, true, [0x0C, .. Source[3]]);
        Assert.Equal(Source[3], Assert.Single(feed.Sink.Units).Payload);
        Assert.Equal(2, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_packet_in_the_middle_of_a_frame_drops_only_that_frame()
    {
        var packets = Packetize(300);
        int middle = RtpAllocation.FirstPacketOf(packets, 1) + 2; // the first superframe takes 6 packets
        packets.RemoveAt(middle);
        var sink = new CollectingSink();
        using var depacketizer = new Vp9Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Where((_, i) => i != 1), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_lost_last_packet_drops_its_frame_and_the_next_starts_clean()
    {
        var packets = Packetize(300);
        packets.RemoveAt(RtpAllocation.FirstPacketOf(packets, 1) - 1); // the marker packet of the key frame
        var sink = new CollectingSink();
        using var depacketizer = new Vp9Depacketizer();
        PacketCollector.Feed(packets, depacketizer, sink);
        Assert.Equal(Source.Skip(1), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void A_receiver_that_joins_inside_a_frame_starts_at_the_next_one()
    {
        var sink = new CollectingSink();
        using var depacketizer = new Vp9Depacketizer();
        PacketCollector.Feed(Packetize(300).Skip(3), depacketizer, sink);
        Assert.Equal(Source.Skip(1), sink.Payloads);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    public static TheoryData<string, byte[][]> Damaged => new()
    {
        { "a B inside an open frame", [[0x08, 0x86, 0x00]] },
        { "a continuation after the frame's E", [[0x04, 0xAA], [0x00, 0xBB]] },
        { "a descriptor cut short", [[0x80]] },
        { "a descriptor with no VP9 data", [[0x00]] },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void A_damaged_picture_is_dropped_and_the_next_one_delivered(string why, byte[][] payloads)
    {
        using var depacketizer = new Vp9Depacketizer();
        var feed = new PayloadFeeder(depacketizer);
        feed.Push(1, false, 0x08, 0x86, 0x00);
        foreach (var payload in payloads)
        {
            feed.Push(1, false, payload);
        }

        feed.Push(1, true, 0x04, 0x11);
        feed.Push(2, true, 0x0C, 0x86, 0x00, 0x40);
        Assert.True(feed.Sink.Units.Count == 1, why);
        Assert.Equal((2u, false), (feed.Sink.Units[0].Timestamp, feed.Sink.Units[0].Keyframe));
        Assert.Equal([0x86, 0x00, 0x40], feed.Sink.Units[0].Payload);
        Assert.Equal(1, depacketizer.DroppedUnits);
    }

    [Fact]
    public void Steady_state_depacketizing_and_packetizing_allocate_nothing()
    {
        var packets = RtpTestMedia.ReadCapture("vp9.ffmpeg.rtp");
        using var depacketizer = new Vp9Depacketizer();
        using var packetizer = new Vp9Packetizer(96, 1, 0, 300);
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
        using var packetizer = new Vp9Packetizer(96, 1, 100, maxPacketSize);
        var output = new PacketCollector();
        for (int i = 0; i < Source.Count; i++)
        {
            Assert.True(packetizer.Packetize((uint)(i * 9000), Source[i], output));
        }

        return output.Packets;
    }
}
