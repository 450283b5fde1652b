using EdgeBox.Protocols.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>Random bytes (fixed seeds, so a failure reproduces) must never throw, and a good unit after them must come through.</summary>
public sealed class RtpMalformedInputTests
{
    public static TheoryData<string, int> Depacketizers()
    {
        var data = new TheoryData<string, int>();
        foreach (string codec in new[] { "h264", "h265", "aac", "opus", "vp8", "vp9", "av1" })
        {
            foreach (int seed in new[] { 1, 2, 3 })
            {
                data.Add(codec, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Depacketizers))]
    public void Random_payloads_never_throw_and_the_next_good_unit_is_delivered(string codec, int seed)
    {
        var (depacketizer, good, expected) = codec switch
        {
            "h264" => ((IRtpDepacketizer)new H264Depacketizer(maxUnitSize: 64 * 1024), new byte[] { 0x65, 0x88, 0x80 }, RtpTestMedia.LengthPrefixed([0x65, 0x88, 0x80])),
            "h265" => (new H265Depacketizer(maxUnitSize: 64 * 1024), [0x26, 0x01, 0xAF], RtpTestMedia.LengthPrefixed([0x26, 0x01, 0xAF])),
            "aac" => (new AacDepacketizer(), [0x00, 0x10, 0x00, 0x10, 0xC1, 0xC2], [0xC1, 0xC2]),
            "vp8" => (new Vp8Depacketizer(maxUnitSize: 64 * 1024), [0x10, 0x50, 0x01, 0x00], [0x50, 0x01, 0x00]),
            "vp9" => (new Vp9Depacketizer(maxUnitSize: 64 * 1024), [0x0C, 0x86, 0x00, 0x40], [0x86, 0x00, 0x40]),
            "av1" => (new Av1Depacketizer(maxUnitSize: 64 * 1024), [0x10, 0x30, 0x30, 0x00], [0x32, 0x02, 0x30, 0x00]),
            _ => (new PayloadDepacketizer(), [0xFC, 0xFF, 0xFE], [0xFC, 0xFF, 0xFE]),
        };
        using var _ = depacketizer;
        var random = new Random(seed);
        var feed = new PayloadFeeder(depacketizer, (ushort)random.Next(65536));
        uint timestamp = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var payload = new byte[random.Next(4) == 0 ? random.Next(1500) : random.Next(12)];
            random.NextBytes(payload);
            if (payload.Length > 0 && random.Next(2) == 0)
            {
                // Aim at the packet types with structure: aggregation and fragmentation headers.
                payload[0] = codec switch
                {
                    "h264" => (byte)((payload[0] & 0x60) | (random.Next(2) == 0 ? 24 : 28)),
                    "h265" => (byte)((random.Next(2) == 0 ? 48 : 49) << 1),
                    "vp8" => (byte)(payload[0] & 0x97),   // X, S and PID 0-7: extensions and frame starts
                    "vp9" => (byte)(payload[0] & 0xFE),   // every descriptor flag but Z
                    "av1" => (byte)(payload[0] & 0xF8),   // Z, Y, W, N
                    _ => 0,
                };
            }

            if (random.Next(8) == 0)
            {
                timestamp += (uint)random.Next(1, 4000);
            }

            if (random.Next(50) == 0)
            {
                feed.Lose(random.Next(1, 5));
            }

            feed.Push(timestamp, random.Next(6) == 0, payload);
        }

        Assert.True(codec == "opus" || depacketizer.DroppedUnits > 100, $"the damage paths were exercised ({depacketizer.DroppedUnits})");
        feed.Push(0xFFFF0000, true, good);
        var last = feed.Sink.Units[^1];
        Assert.Equal(0xFFFF0000, last.Timestamp);
        Assert.Equal(expected, last.Payload);
    }

    [Fact]
    public void Random_bytes_never_break_the_header_and_rtcp_parsers()
    {
        var random = new Random(42);
        var buffer = new byte[200];
        int valid = 0;
        for (int i = 0; i < 100_000; i++)
        {
            var packet = buffer.AsSpan(0, random.Next(buffer.Length + 1));
            random.NextBytes(packet);
            if (packet.Length > 0 && random.Next(2) == 0)
            {
                packet[0] = (byte)(0x80 | (packet[0] & 0x3F)); // version 2, to get past the first check
            }

            if (RtpHeader.TryParse(packet, out var header, out int offset, out int length))
            {
                valid++;
                Assert.InRange(offset + length, offset, packet.Length);
                Assert.True(header.Size == offset);
            }

            var reader = new RtcpCompoundReader(packet);
            while (reader.MoveNext())
            {
                var current = reader.Current;
                if (RtcpSenderReport.TryParse(current, out var sr))
                {
                    for (int block = 0; block < sr.ReportCount; block++)
                    {
                        _ = sr.GetReportBlock(block);
                    }
                }

                if (RtcpReceiverReport.TryParse(current, out var rr))
                {
                    for (int block = 0; block < rr.ReportCount; block++)
                    {
                        _ = rr.GetReportBlock(block);
                    }
                }

                _ = RtcpBye.TryParse(current, out _);
                _ = RtcpSdes.TryGetCname(current, out _, out _);
            }

            var extension = new RtpHeaderExtensionReader(RtpHeaderExtensionReader.OneByteProfile, packet);
            while (extension.TryReadNext(out _, out _))
            {
            }
        }

        Assert.InRange(valid, 1000, 100_000); // the parser was exercised past its first checks
    }

    [Fact]
    public void Random_packets_through_the_reorder_buffer_return_every_buffer_to_the_pool()
    {
        var random = new Random(7);
        var time = new FakeTimeProvider();
        var pool = new TrackingPool();
        var receiver = new CountingReceiver();
        using (var buffer = new RtpReorderBuffer(receiver, time, pool, capacity: 16, maxDelay: TimeSpan.FromMilliseconds(20)))
        {
            ushort sequence = 0;
            for (int i = 0; i < 50_000; i++)
            {
                var packet = pool.Rent(64);
                int length = random.Next(64);
                random.NextBytes(packet.AsSpan(0, length));
                if (random.Next(4) != 0 && length >= 12)
                {
                    // Mostly plausible: version 2, sequence near the last one, now and then far off.
                    sequence = (ushort)(sequence + random.Next(-3, 6) + (random.Next(500) == 0 ? 20_000 : 0));
                    new RtpHeader(96, sequence, 0, 1).Write(packet);
                }

                buffer.Push(packet, length);
                Assert.InRange(pool.Outstanding, 0, 17); // the window and a held packet, no more
                if (random.Next(10) == 0)
                {
                    time.Advance(TimeSpan.FromMilliseconds(random.Next(30)));
                    buffer.ReleaseDue();
                }
            }

            Assert.True(receiver.Count > 10_000);
            Assert.True(buffer.Resets > 0 && buffer.Lost > 0 && buffer.Duplicates > 0 && buffer.Late > 0 && buffer.Invalid > 0);
        }

        Assert.Equal(0, pool.Outstanding);
    }

    private sealed class CountingReceiver : IRtpPacketReceiver
    {
        public int Count { get; private set; }

        public void OnPacket(in RtpPacket packet, int lostBefore)
        {
            Assert.True(packet.Payload.Length <= packet.Data.Length);
            Count++;
        }
    }
}
