using System.Text;
using EdgeBox.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class RtcpTests
{
    // RR (RFC 3550 §6.4.2) built from the diagram: SSRC 0x01020304, one block for 0xAABBCCDD with
    // fraction lost 64/256, cumulative lost -2 (24-bit two's complement), highest 1:0x5678,
    // jitter 0x123, LSR 0x12345678, DLSR 1.5 s (0x18000).
    private static readonly byte[] ReceiverReport =
    [
        0x81, 0xC9, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04,
        0xAA, 0xBB, 0xCC, 0xDD, 0x40, 0xFF, 0xFF, 0xFE, 0x00, 0x01, 0x56, 0x78,
        0x00, 0x00, 0x01, 0x23, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x80, 0x00,
    ];

    [Fact]
    public void Reads_ffmpegs_compound_packets_and_writes_them_back_byte_exact()
    {
        // FFmpeg's RTP muxer sent these beside h264.ffmpeg.rtp: SR + SDES at the start, SR + SDES + BYE at the end.
        var compounds = RtpTestMedia.ReadCapture("h264.ffmpeg.rtcp");
        var rtp = RtpTestMedia.ReadCapture("h264.ffmpeg.rtp");
        uint ssrc = PacketCollector.Header(rtp[0]).Ssrc;
        Assert.Equal(2, compounds.Count);

        var last = compounds[1];
        Assert.True(RtcpCompoundReader.IsValid(last));
        var reader = new RtcpCompoundReader(last);

        Assert.True(reader.MoveNext());
        Assert.True(RtcpSenderReport.TryParse(reader.Current, out var sr));
        Assert.Equal(ssrc, sr.Ssrc);
        Assert.Equal(0, sr.ReportCount);
        Assert.Equal((uint)rtp.Count, sr.Info.PacketCount);
        Assert.Equal((uint)rtp.Sum(p => p.Length - 12), sr.Info.OctetCount);
        var wallclock = NtpTime.ToDateTimeOffset(sr.Info.NtpTimestamp);
        Assert.InRange(wallclock.Year, 2024, 2100);
        var info = sr.Info;

        Assert.True(reader.MoveNext());
        Assert.Equal(RtcpPacketType.SourceDescription, reader.Current.Type);
        Assert.True(RtcpSdes.TryGetCname(reader.Current, out uint cnameSsrc, out var cname));
        Assert.Equal(ssrc, cnameSsrc);
        Assert.Equal("edgebox-test@127.0.0.1", Encoding.UTF8.GetString(cname));

        Assert.True(reader.MoveNext());
        Assert.True(RtcpBye.TryParse(reader.Current, out var bye));
        Assert.Equal(1, bye.Count);
        Assert.Equal(ssrc, bye.GetSsrc(0));
        Assert.True(bye.Reason.IsEmpty);

        Assert.False(reader.MoveNext());
        Assert.False(reader.Malformed);
        Assert.Equal(last.Length, reader.Consumed);

        // Our writers produce the same bytes.
        var written = new byte[last.Length];
        int length = RtcpSenderReport.Write(written, ssrc, info);
        length += RtcpSdes.WriteCname(written.AsSpan(length), ssrc, "edgebox-test@127.0.0.1");
        length += RtcpBye.Write(written.AsSpan(length), [ssrc]);
        Assert.Equal(last.Length, length);
        Assert.Equal(last, written);

        // The first compound: an SR sent before any packet, then the SDES.
        Assert.True(RtcpCompoundReader.IsValid(compounds[0]));
        var first = new RtcpCompoundReader(compounds[0]);
        Assert.True(first.MoveNext());
        Assert.True(RtcpSenderReport.TryParse(first.Current, out var firstSr));
        Assert.True(NtpTime.ToDateTimeOffset(firstSr.Info.NtpTimestamp) <= wallclock);
        Assert.True(first.MoveNext());
        Assert.Equal(RtcpPacketType.SourceDescription, first.Current.Type);
        Assert.False(first.MoveNext());
    }

    [Fact]
    public void Receiver_report_reads_and_writes_byte_exact()
    {
        var reader = new RtcpCompoundReader(ReceiverReport);
        Assert.True(reader.MoveNext());
        Assert.True(RtcpReceiverReport.TryParse(reader.Current, out var rr));
        Assert.False(RtcpSenderReport.TryParse(reader.Current, out _));
        Assert.Equal(0x01020304u, rr.Ssrc);
        Assert.Equal(1, rr.ReportCount);
        var block = rr.GetReportBlock(0);
        Assert.Equal(new RtcpReportBlock(0xAABBCCDD, 64, -2, 0x15678, 0x123, 0x12345678, 0x18000), block);
        Assert.Throws<ArgumentOutOfRangeException>(() => RtcpReportBlock.ReadAt(ReceiverReport.AsSpan(8), 1, 1));
        Assert.Equal(TimeSpan.FromSeconds(1.5), NtpTime.FromDelay(block.DelaySinceLastSenderReport));

        var written = new byte[RtcpReceiverReport.GetSize(1)];
        Assert.Equal(32, RtcpReceiverReport.Write(written, 0x01020304, [block]));
        Assert.Equal(ReceiverReport, written);
    }

    [Fact]
    public void Sender_report_with_blocks_round_trips()
    {
        var info = new RtcpSenderInfo(NtpTime.FromDateTimeOffset(new DateTimeOffset(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero)), 3_000_000_000, 12345, 6_789_012);
        RtcpReportBlock[] blocks =
        [
            new(1, 0, 0, 65536 + 5, 10, 0, 0),
            new(0xFFFFFFFF, 255, 0x7FFFFF, uint.MaxValue, uint.MaxValue, 0xABCDEF01, 65536 * 3),
        ];
        var buffer = new byte[RtcpSenderReport.GetSize(2) + RtcpSdes.GetCnameSize(4)];
        int length = RtcpSenderReport.Write(buffer, 0x55667788, info, blocks);
        Assert.Equal(28 + 48, length);
        length += RtcpSdes.WriteCname(buffer.AsSpan(length), 0x55667788, "cam1");
        Assert.Equal(buffer.Length, length);
        Assert.True(RtcpCompoundReader.IsValid(buffer));

        var reader = new RtcpCompoundReader(buffer);
        Assert.True(reader.MoveNext());
        Assert.True(RtcpSenderReport.TryParse(reader.Current, out var sr));
        Assert.Equal(0x55667788u, sr.Ssrc);
        Assert.Equal(info, sr.Info);
        Assert.Equal(2, sr.ReportCount);
        Assert.Equal(blocks[0], sr.GetReportBlock(0));
        Assert.Equal(blocks[1], sr.GetReportBlock(1));
        Assert.True(reader.MoveNext());
        Assert.True(RtcpSdes.TryGetCname(reader.Current, out uint ssrc, out var cname));
        Assert.Equal((0x55667788u, "cam1"), (ssrc, Encoding.UTF8.GetString(cname)));
    }

    [Theory]
    [InlineData(10_000_000, 0x7FFFFF)]
    [InlineData(-10_000_000, -0x800000)]
    [InlineData(-1, -1)]
    public void Cumulative_lost_is_a_clamped_signed_24_bit_field(int written, int read)
    {
        var buffer = new byte[RtcpReportBlock.Size];
        new RtcpReportBlock(1, 0, written, 0, 0, 0, 0).Write(buffer);
        Assert.Equal(read, RtcpReportBlock.Read(buffer).CumulativeLost);
        Assert.Equal(0, buffer[4]); // the fraction lost octet is untouched by the sign
    }

    [Fact]
    public void Bye_with_a_reason_is_padded_and_read_back()
    {
        var buffer = new byte[RtcpBye.GetSize(2, 8)];
        int length = RtcpBye.Write(buffer, [7, 8], "shutdown"u8);
        Assert.Equal(4 + 8 + 12, length); // 1 + 8 reason bytes padded to 12
        Assert.Equal(0, buffer[^1]);
        var reader = new RtcpCompoundReader(buffer);
        Assert.True(reader.MoveNext());
        Assert.True(RtcpBye.TryParse(reader.Current, out var bye));
        Assert.Equal((2, 7u, 8u), (bye.Count, bye.GetSsrc(0), bye.GetSsrc(1)));
        Assert.Equal("shutdown", Encoding.UTF8.GetString(bye.Reason));
    }

    [Fact]
    public void Bye_reason_running_past_the_packet_is_rejected()
    {
        byte[] packet = [0x81, 0xCB, 0x00, 0x02, 0, 0, 0, 7, 0x09, (byte)'b', (byte)'y', (byte)'e'];
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.MoveNext());
        Assert.False(RtcpBye.TryParse(reader.Current, out _));
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "length past the end", [0x80, 0xC9, 0x00, 0x02, 0, 0, 0, 1] },
        { "version 1", [0x40, 0xC9, 0x00, 0x01, 0, 0, 0, 1] },
        { "not an RTCP type (an RTP packet, PT 96)", [0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1] },
        { "RC 1 but no room for the block", [0x81, 0xC9, 0x00, 0x01, 0, 0, 0, 1] },
        { "SR too short for its sender info", [0x80, 0xC8, 0x00, 0x01, 0, 0, 0, 1] },
        { "BYE SC 2 with one SSRC", [0x82, 0xCB, 0x00, 0x01, 0, 0, 0, 1] },
        { "padding on a packet that is not the last", [0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 4, 0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1] },
        { "padding count larger than the body", [0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 9] },
        { "a trailing partial header", [0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1, 0x80, 0xC9] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void The_reader_stops_at_a_malformed_packet(string why, byte[] compound)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.MoveNext())
        {
        }

        Assert.True(reader.Malformed, why);
        Assert.False(RtcpCompoundReader.IsValid(compound), why);
    }

    [Fact]
    public void Padding_on_the_last_packet_is_stripped()
    {
        // RR with no blocks, then 4 bytes of padding (00 00 00 04).
        byte[] packet = [0xA0, 0xC9, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 4];
        var reader = new RtcpCompoundReader(packet);
        Assert.True(reader.MoveNext());
        Assert.Equal(4, reader.Current.Body.Length);
        Assert.True(reader.Current.Padding);
        Assert.True(RtcpCompoundReader.IsValid(packet));
    }

    [Fact]
    public void A_compound_must_start_with_a_report_unless_reduced_size_is_allowed()
    {
        var buffer = new byte[RtcpSdes.GetCnameSize(1)];
        RtcpSdes.WriteCname(buffer, 1, "x");
        Assert.False(RtcpCompoundReader.IsValid(buffer));
        Assert.True(RtcpCompoundReader.IsValid(buffer, allowReducedSize: true));
        Assert.False(RtcpCompoundReader.IsValid([]));
    }

    [Fact]
    public void No_prefix_of_a_compound_that_cuts_a_packet_is_valid()
    {
        var compound = RtpTestMedia.ReadCapture("h264.ffmpeg.rtcp")[1];
        int[] boundaries = [28, 28 + 36, compound.Length]; // SR, SDES, BYE
        for (int length = 0; length < compound.Length; length++)
        {
            Assert.Equal(boundaries.Contains(length), RtcpCompoundReader.IsValid(compound.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Ntp_time_converts_both_ways()
    {
        var unixEpoch = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(0x83AA7E80UL << 32, NtpTime.FromDateTimeOffset(unixEpoch));
        Assert.Equal(unixEpoch, NtpTime.ToDateTimeOffset(0x83AA7E80UL << 32));
        Assert.Equal((0x83AA7E80UL << 32) | 0x80000000, NtpTime.FromDateTimeOffset(unixEpoch.AddSeconds(0.5)));

        // The 32-bit seconds wrap on 2036-02-07T06:28:16Z; the era after reads back right.
        var wrap = new DateTimeOffset(2036, 2, 7, 6, 28, 16, TimeSpan.Zero);
        Assert.Equal(0UL, NtpTime.FromDateTimeOffset(wrap));
        Assert.Equal(wrap, NtpTime.ToDateTimeOffset(0));
        Assert.Equal(wrap.AddSeconds(1), NtpTime.ToDateTimeOffset(1UL << 32));
        Assert.Equal(wrap.AddTicks(-1), NtpTime.ToDateTimeOffset(NtpTime.FromDateTimeOffset(wrap.AddTicks(-1))));

        var random = new Random(1234);
        for (int i = 0; i < 1000; i++)
        {
            var time = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(TimeSpan.FromDays(365 * 120).Ticks));
            Assert.Equal(time, NtpTime.ToDateTimeOffset(NtpTime.FromDateTimeOffset(time)));
        }

        Assert.Equal(0x7E800000u, NtpTime.Middle32((0x83AA7E80UL << 32) | 0x00000000));
        Assert.Equal(98304u, NtpTime.ToDelay(TimeSpan.FromSeconds(1.5)));
        Assert.Equal(0u, NtpTime.ToDelay(TimeSpan.FromSeconds(-1)));
    }
}
