using System.Buffers.Binary;
using EdgeBox.Codecs;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>RTP/JPEG (RFC 2435) against JPEGs FFmpeg made.</summary>
public sealed class MjpegTests
{
    private static byte[] Image(string name) => File.ReadAllBytes(Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "TestData", "Jpeg", name));

    private sealed class Packets : IRtpPacketSink
    {
        public List<byte[]> Items { get; } = [];

        public void OnRtpPacket(ReadOnlySpan<byte> packet) => Items.Add(packet.ToArray());
    }

    private sealed class Units : IAccessUnitSink
    {
        public List<byte[]> Items { get; } = [];

        public void OnAccessUnit(uint rtpTimestamp, bool keyframe, ReadOnlySpan<byte> payload)
        {
            Assert.True(keyframe);
            Items.Add(payload.ToArray());
        }
    }

    private static List<byte[]> Packetize(byte[] jpeg, int maxPacket = 1400)
    {
        using var packetizer = new MjpegPacketizer(26, 0x1234, 100, maxPacket);
        var sink = new Packets();
        Assert.True(packetizer.Packetize(9000, jpeg, sink));
        return sink.Items;
    }

    private static List<byte[]> Depacketize(IEnumerable<byte[]> packets, MjpegDepacketizer? depacketizer = null)
    {
        depacketizer ??= new MjpegDepacketizer();
        var sink = new Units();
        foreach (var packet in packets)
        {
            Assert.True(RtpHeader.TryParse(packet, out var header, out int offset, out int length));
            depacketizer.Push(header, packet.AsSpan(offset, length), sink);
        }

        return sink.Items;
    }

    /// <summary>Decodes a JPEG with FFmpeg and returns its luma plane, row by row.</summary>
    private static byte[] Luma(byte[] jpeg)
    {
        var pool = new MediaBufferPool();
        using var decoder = Decoder.Open(new MediaTrack(0, CodecId.Mjpeg, 90000, 0, CodecParameters.None));
        var buffer = pool.Rent(jpeg);
        Assert.True(decoder.Send(new AccessUnit(0, 0, true, buffer, 0)));
        buffer.Release();
        decoder.Drain();
        using var frame = new MediaFrame();
        Assert.True(decoder.Receive(frame));
        var info = frame.Info;
        var plane = frame.Plane(0, info.Height, out int stride);
        var rows = new byte[info.Width * info.Height];
        for (int y = 0; y < info.Height; y++)
        {
            plane.Slice(y * stride, info.Width).CopyTo(rows.AsSpan(y * info.Width));
        }

        return rows;
    }

    [Fact]
    public void The_standard_huffman_tables_are_the_ones_ffmpeg_writes()
    {
        byte[] jpeg = Image("testsrc-320x240-420.jpg");
        int dht = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC4]);
        Assert.True(dht > 0);
        int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(dht + 2));
        Span<byte> ours = new byte[JfifHeader.Size(false)];
        int written = JfifHeader.Write(ours, 1, 320, 240, 0, new byte[64], new byte[64]);
        int ourDht = ours[..written].IndexOf([(byte)0xFF, (byte)0xC4]);
        Assert.Equal(jpeg.AsSpan(dht, 2 + length).ToArray(), ours.Slice(ourDht, 2 + length).ToArray());
    }

    [Fact]
    public void Q_50_gives_the_annex_k_tables_and_other_qs_scale_them()
    {
        var luma = new byte[64];
        var chroma = new byte[64];
        JpegTables.MakeQuantizationTables(50, luma, chroma);
        Assert.Equal([16, 11, 12, 14, 12, 10, 16, 14], luma[..8]); // zigzag order of Table K.1
        Assert.Equal([17, 18, 18, 24, 21, 24, 47, 26], chroma[..8]);
        JpegTables.MakeQuantizationTables(75, luma, chroma);
        Assert.Equal(8, luma[0]); // (16 * 50 + 50) / 100
        JpegTables.MakeQuantizationTables(99, luma, chroma);
        Assert.All(luma, v => Assert.InRange(v, 1, 2)); // scale 2: (x * 2 + 50) / 100
    }

    [Theory]
    [InlineData("testsrc-320x240-420.jpg")]
    [InlineData("videotestsrc-320x240-422.jpg")]
    public void A_jpeg_survives_packetizing_and_reassembly_picture_for_picture(string name)
    {
        byte[] jpeg = Image(name);
        var packets = Packetize(jpeg);
        Assert.True(packets.Count > 3);
        Assert.True(packets.All(p => p.Length <= 1400));
        Assert.Equal(26, packets[0][1] & 0x7F);
        Assert.True((packets[^1][1] & 0x80) != 0); // marker on the last packet only
        Assert.All(packets[..^1], p => Assert.Equal(0, p[1] & 0x80));

        var images = Depacketize(packets);
        var image = Assert.Single(images);
        Assert.Equal(Luma(jpeg), Luma(image));
    }

    [Fact]
    public void A_lost_fragment_drops_only_its_image()
    {
        byte[] jpeg = Image("testsrc-320x240-420.jpg");
        var first = Packetize(jpeg);
        var second = Packetize(jpeg);
        var depacketizer = new MjpegDepacketizer();
        var lossy = first.Where((_, i) => i != 2).Concat(second);
        Assert.Single(Depacketize(lossy, depacketizer));
        Assert.Equal(1, depacketizer.DroppedUnits);

        var noStart = first.Skip(1);
        Assert.Empty(Depacketize(noStart, new MjpegDepacketizer()));
    }

    [Fact]
    public void Every_prefix_and_malformed_headers_are_dropped_without_throwing()
    {
        byte[] first = Packetize(Image("testsrc-320x240-420.jpg"))[0];
        for (int cut = 0; cut < Math.Min(first.Length, 200); cut++)
        {
            var copy = first[..cut];
            if (copy.Length > 1)
            {
                copy[1] |= 0x80; // marker: the image would end here
            }

            if (RtpHeader.TryParse(copy, out var header, out int offset, out int length))
            {
                var sink = new Units();
                new MjpegDepacketizer().Push(header, copy.AsSpan(offset, length), sink);
                Assert.True(sink.Items.Count <= 1);
            }
        }

        foreach (var (index, value) in new[] { (16, 0), (16, 5), (17, 0), (18, 0), (19, 0), (13, 0xFF) })
        {
            var bad = (byte[])first.Clone();
            bad[12 + index - 12] = (byte)value; // header fields: 13 = offset, 16 = type, 17 = Q, 18 = width, 19 = height
            bad[1] |= 0x80;
            Assert.True(RtpHeader.TryParse(bad, out var header, out int offset, out int length));
            var sink = new Units();
            new MjpegDepacketizer().Push(header, bad.AsSpan(offset, length), sink);
        }
    }

    [Fact]
    public void Images_rtp_jpeg_cannot_describe_are_refused()
    {
        byte[] progressive = Image("testsrc-320x240-420.jpg");
        int sof = progressive.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        progressive[sof + 1] = 0xC2;
        using var packetizer = new MjpegPacketizer(26, 1, 1);
        Assert.False(packetizer.Packetize(0, progressive, new Packets()));
        Assert.False(packetizer.Packetize(0, [0xFF, 0xD8, 0xFF, 0xD9], new Packets()));
        Assert.False(packetizer.Packetize(0, [], new Packets()));

        Assert.False(packetizer.Packetize(0, Image("ffmpeg-422-as-2x2.jpg"), new Packets()));

        byte[] huge = Image("testsrc-320x240-420.jpg");
        sof = huge.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(huge.AsSpan(sof + 7), 4096); // width
        Assert.False(packetizer.Packetize(0, huge, new Packets()));
    }

    [Fact]
    public void One_quantization_table_serves_luma_and_chroma()
    {
        // As FFmpeg sends it when both share a table: Length 64 in the quantization table header.
        var packets = Packetize(Image("testsrc-320x240-420.jpg"), 60_000);
        var single = Assert.Single(packets);
        int header = 12 + 8;
        BinaryPrimitives.WriteUInt16BigEndian(single.AsSpan(header + 2), 64);
        byte[] shortened = [.. single.AsSpan(0, header + 4 + 64), .. single.AsSpan(header + 4 + 128)];
        var image = Assert.Single(Depacketize([shortened]));
        Assert.Equal(2, image.AsSpan().IndexOf([(byte)0xFF, (byte)0xDB]));
        Assert.Equal(320 * 240, Luma(image).Length);
    }
}
