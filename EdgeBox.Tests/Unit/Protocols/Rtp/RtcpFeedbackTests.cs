using System.Buffers.Binary;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>
/// RTCP feedback messages (RFC 4585, RFC 5104, REMB, transport-wide CC). Vectors: libwebrtc's
/// modules/rtp_rtcp/source/rtcp_packet/{nack,pli,fir,remb}_unittest.cc (hand-made there from the RFC
/// layouts), the chunk examples of draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.3/§3.1.4, and
/// pion/rtcp's test files (transport_layer_cc_test.go, receiver_estimated_maximum_bitrate_test.go,
/// packet_test.go), whose TWCC vectors were sent by libwebrtc (its 0xFA17FA17 placeholder SSRC) and whose
/// REMB and compound packet are a Chrome and a Firefox capture.
/// </summary>
public sealed class RtcpFeedbackTests
{
    // nack_unittest.cc kPacket: sender 0x12345678, media 0x23456789, kList {0, 1, 3, 8, 16}.
    private static readonly byte[] LibwebrtcNack = [0x81, 205, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89, 0x00, 0x00, 0x80, 0x85];
    private static readonly ushort[] LibwebrtcNackList = [0, 1, 3, 8, 16];

    // nack_unittest.cc kWrapPacket: kWrapList runs across 65535 → 0.
    private static readonly byte[] LibwebrtcWrapNack =
    [
        0x81, 205, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89,
        0xff, 0xdc, 0x80, 0x00, 0xff, 0xfe, 0x00, 0x17, 0x00, 0x14, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00,
    ];

    private static readonly ushort[] LibwebrtcWrapList = [0xffdc, 0xffec, 0xfffe, 0xffff, 0x0000, 0x0001, 0x0003, 0x0014, 0x0064];

    // pli_unittest.cc kPacket.
    private static readonly byte[] LibwebrtcPli = [0x81, 206, 0x00, 0x02, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89];

    // fir_unittest.cc kPacket: a request to 0x23456789 with command sequence number 13.
    private static readonly byte[] LibwebrtcFir =
        [0x84, 206, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x23, 0x45, 0x67, 0x89, 0x0d, 0x00, 0x00, 0x00];

    // remb_unittest.cc kPacket: 0x3fb93 * 2 = 522022 bit/s for three sources.
    private static readonly byte[] LibwebrtcRemb =
    [
        0x8f, 206, 0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, (byte)'R', (byte)'E', (byte)'M', (byte)'B',
        0x03, 0x07, 0xfb, 0x93, 0x23, 0x45, 0x67, 0x89, 0x23, 0x45, 0x67, 0x8a, 0x23, 0x45, 0x67, 0x8b,
    ];

    // receiver_estimated_maximum_bitrate_test.go: "Real data sent by Chrome while watching a 6Mb/s stream" (139487 << 6).
    private static readonly byte[] ChromeRemb = [143, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 82, 69, 77, 66, 1, 26, 32, 223, 72, 116, 237, 22];

    // transport_layer_cc_test.go, TestTransportLayerCC_Unmarshal "example1": one packet, a run of one small delta, P bit and 1 byte of padding.
    private static readonly byte[] TwccRun1 =
        [0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0, 0x00, 0x99, 0x00, 0x01, 0x3d, 0xe8, 0x02, 0x17, 0x20, 0x01, 0x94, 0x01];

    // Same test, "example4": a run of seven small deltas, 3 bytes of padding.
    private static readonly byte[] TwccRun7 =
    [
        0xaf, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x00, 0x04, 0x00, 0x07,
        0x10, 0x63, 0x6e, 0x01, 0x20, 0x07, 0x4c, 0x24, 0x24, 0x10, 0x0c, 0x0c, 0x10, 0x00, 0x00, 0x03,
    ];

    // Same test, "example6": a two-bit vector with a large delta, then a run of 48 losses of which the count takes 2.
    private static readonly byte[] TwccTwoBit =
    [
        0xaf, 0xcd, 0x00, 0x07, 0x9b, 0x74, 0xf6, 0x1f, 0x93, 0x71, 0xdc, 0xbc, 0x85, 0x3c, 0x00, 0x09,
        0x63, 0xf9, 0x16, 0xb3, 0xd5, 0x52, 0x00, 0x30, 0x9b, 0xaa, 0x6a, 0xaa, 0x7b, 0x01, 0x09, 0x01,
    ];

    // TestTransportLayerCC_Marshal "example5": a one-bit vector of 14 (the Unmarshal copy of it has a padding count of 3 that eats a delta).
    private static readonly byte[] TwccOneBit =
    [
        0xaf, 0xcd, 0x00, 0x06, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x00, 0x01, 0x00, 0x0e,
        0x10, 0x63, 0x6d, 0x00, 0xba, 0x00, 0x10, 0x0c, 0x0c, 0x10, 0x00, 0x02,
    ];

    // TestTransportLayerCC_Marshal "example6": a one-bit vector of which the count takes 12.
    private static readonly byte[] TwccOneBit12 =
    [
        0xaf, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0, 0x9c, 0x14, 0x00, 0x0c,
        0x75, 0x84, 0x20, 0x00, 0xbe, 0xc0, 0xc1, 0x3f, 0x3b, 0x3f, 0x53, 0x90, 0x3b, 0x00, 0x00, 0x03,
    ];

    private readonly FakeTimeProvider _time = new();

    public static TheoryData<string, byte[]> Vectors => new()
    {
        { "libwebrtc NACK", LibwebrtcNack },
        { "libwebrtc NACK across the wrap", LibwebrtcWrapNack },
        { "libwebrtc PLI", LibwebrtcPli },
        { "libwebrtc FIR", LibwebrtcFir },
        { "libwebrtc REMB", LibwebrtcRemb },
        { "Chrome REMB", ChromeRemb },
        { "TWCC run of 1", TwccRun1 },
        { "TWCC run of 7", TwccRun7 },
        { "TWCC two-bit vector and run", TwccTwoBit },
        { "TWCC one-bit vector", TwccOneBit },
        { "TWCC one-bit vector, 12 used", TwccOneBit12 },
    };

    [Fact]
    public void Nack_reads_and_writes_libwebrtcs_packets()
    {
        foreach (var (vector, list) in new[] { (LibwebrtcNack, LibwebrtcNackList), (LibwebrtcWrapNack, LibwebrtcWrapList) })
        {
            Assert.True(RtcpNack.TryParse(Single(vector), out var nack));
            Assert.Equal(new RtcpFeedbackHeader(0x12345678, 0x23456789), nack.Header);
            Assert.Equal((vector.Length - 12) / 4, nack.ItemCount);
            Assert.Equal(list, Lost(nack));

            Assert.Equal(vector.Length, RtcpNack.GetSize(list));
            var written = new byte[vector.Length];
            Assert.Equal(vector.Length, RtcpNack.Write(written, 0x12345678, 0x23456789, list));
            Assert.Equal(vector, written);
        }
    }

    [Fact]
    public void Nack_bitmask_counts_from_the_least_significant_bit()
    {
        // pion's transport_layer_nack_test.go "valid": PID 0xAAAA, BLP 0x5555 (bits 0, 2, ..., 14).
        byte[] packet = [0x81, 0xcd, 0x00, 0x03, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e, 0xaa, 0xaa, 0x55, 0x55];
        Assert.True(RtcpNack.TryParse(Single(packet), out var nack));
        Assert.Equal([0xAAAA, 0xAAAB, 0xAAAD, 0xAAAF, 0xAAB1, 0xAAB3, 0xAAB5, 0xAAB7, 0xAAB9], Lost(nack));
        Assert.False(RtcpPli.TryParse(Single(packet), out _)); // right FMT, wrong type
    }

    [Fact]
    public void Nack_round_trips_random_losses_across_the_wrap()
    {
        var random = new Random(4585);
        var buffer = new byte[RtcpFeedback.MaxPacketSize];
        for (int round = 0; round < 200; round++)
        {
            ushort start = (ushort)(65535 - random.Next(300));
            var lost = new List<ushort>();
            for (int i = 0; i < 600; i++)
            {
                if (random.Next(round % 4 == 0 ? 2 : 20) == 0)
                {
                    lost.Add((ushort)(start + i));
                }
            }

            if (lost.Count == 0)
            {
                continue;
            }

            int length = RtcpNack.Write(buffer, 1, 2, lost.ToArray());
            Assert.Equal(RtcpNack.GetSize(lost.ToArray()), length);
            Assert.True(RtcpNack.TryParse(Single(buffer.AsSpan(0, length)), out var nack));
            Assert.Equal(lost, Lost(nack));
        }
    }

    [Fact]
    public void Nack_writer_skips_duplicates_and_takes_unsorted_numbers_as_new_entries()
    {
        ushort[] lost = [10, 10, 12, 5, 65535, 3];
        var buffer = new byte[RtcpNack.GetSize(lost)];
        Assert.Equal(12 + (3 * 4), RtcpNack.Write(buffer, 1, 2, lost)); // {10, 12} {5} {65535, 3}: 3 is 4 after 65535
        Assert.True(RtcpNack.TryParse(Single(buffer), out var nack));
        Assert.Equal([10, 12, 5, 65535, 3], Lost(nack));
        Assert.Throws<ArgumentOutOfRangeException>(() => RtcpNack.Write(buffer, 1, 2, []));
    }

    [Fact]
    public void Nack_without_a_whole_entry_is_rejected()
    {
        // libwebrtc's kTooSmallPacket: the two SSRCs and no FCI.
        byte[] empty = [0x81, 205, 0x00, 0x02, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89];
        Assert.False(RtcpNack.TryParse(Single(empty), out _));

        // Half an entry: 2 bytes of FCI and 2 of padding (P bit).
        byte[] half = [0xA1, 205, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89, 0x00, 0x07, 0x00, 0x02];
        Assert.False(RtcpNack.TryParse(Single(half), out _));
    }

    [Fact]
    public void Pli_reads_and_writes_libwebrtcs_packet()
    {
        Assert.True(RtcpPli.TryParse(Single(LibwebrtcPli), out var header));
        Assert.Equal(new RtcpFeedbackHeader(0x12345678, 0x23456789), header);
        var written = new byte[RtcpPli.Size];
        Assert.Equal(12, RtcpPli.Write(written, 0x12345678, 0x23456789));
        Assert.Equal(LibwebrtcPli, written);

        // libwebrtc's LTR PLI adds 4 bytes of FCI the RFC does not define: still a PLI.
        byte[] ltr = [0x81, 206, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78, 0x23, 0x45, 0x67, 0x89, 0x12, 0x76, 0x12, 0x78];
        Assert.True(RtcpPli.TryParse(Single(ltr), out header));
        Assert.Equal(0x23456789u, header.MediaSsrc);

        // Its kTooSmallPacket (no media SSRC) does not get past the compound reader.
        byte[] tooSmall = [0x81, 206, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78];
        Assert.False(RtcpCompoundReader.IsValid(tooSmall, allowReducedSize: true));
    }

    [Fact]
    public void Fir_reads_and_writes_libwebrtcs_packet()
    {
        Assert.True(RtcpFir.TryParse(Single(LibwebrtcFir), out var fir));
        Assert.Equal(new RtcpFeedbackHeader(0x12345678, 0), fir.Header);
        Assert.Equal(1, fir.Count);
        Assert.Equal(new RtcpFirEntry(0x23456789, 13), fir.GetEntry(0));
        Assert.True(fir.TryFind(0x23456789, out byte sequence));
        Assert.Equal(13, sequence);
        Assert.False(fir.TryFind(0x12345678, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadFirEntry(LibwebrtcFir, 1));

        var written = new byte[RtcpFir.GetSize(1)];
        Assert.Equal(20, RtcpFir.Write(written, 0x12345678, [new RtcpFirEntry(0x23456789, 13)]));
        Assert.Equal(LibwebrtcFir, written);
    }

    [Fact]
    public void Fir_with_two_requests_and_a_media_ssrc_round_trips()
    {
        // pion's full_intra_request_test.go "also valid": the media SSRC is set, against RFC 5104's "SHALL be 0".
        byte[] packet =
        [
            0x84, 0xce, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x4b, 0xc4, 0xfc, 0xb4,
            0x12, 0x34, 0x56, 0x78, 0x42, 0x00, 0x00, 0x00, 0x98, 0x76, 0x54, 0x32, 0x57, 0x00, 0x00, 0x00,
        ];
        Assert.True(RtcpFir.TryParse(Single(packet), out var fir));
        Assert.Equal(0x4bc4fcb4u, fir.Header.MediaSsrc);
        Assert.Equal((new RtcpFirEntry(0x12345678, 0x42), new RtcpFirEntry(0x98765432, 0x57)), (fir.GetEntry(0), fir.GetEntry(1)));
        Assert.True(fir.TryFind(0x98765432, out byte sequence));
        Assert.Equal(0x57, sequence);

        var written = new byte[RtcpFir.GetSize(2)];
        RtcpFir.Write(written, 0, [fir.GetEntry(0), fir.GetEntry(1)]);
        packet.AsSpan(8, 4).Clear(); // we write 0 there
        Assert.Equal(packet, written);
    }

    [Fact]
    public void Remb_reads_and_writes_libwebrtcs_and_chromes_packets()
    {
        Assert.True(RtcpRemb.TryParse(Single(LibwebrtcRemb), out var remb));
        Assert.Equal((0x12345678u, 522022UL, 3), (remb.SenderSsrc, remb.Bitrate, remb.SsrcCount));
        Assert.Equal((0x23456789u, 0x2345678au, 0x2345678bu), (remb.GetSsrc(0), remb.GetSsrc(1), remb.GetSsrc(2)));
        var written = new byte[RtcpRemb.GetSize(3)];
        Assert.Equal(32, RtcpRemb.Write(written, 0x12345678, 522022, [0x23456789, 0x2345678a, 0x2345678b]));
        Assert.Equal(LibwebrtcRemb, written);

        Assert.True(RtcpRemb.TryParse(Single(ChromeRemb), out remb));
        Assert.Equal((1u, 8927168UL, 1, 1215622422u), (remb.SenderSsrc, remb.Bitrate, remb.SsrcCount, remb.GetSsrc(0)));
        written = new byte[RtcpRemb.GetSize(1)];
        RtcpRemb.Write(written, 1, 8927168, [1215622422]);
        Assert.Equal(ChromeRemb, written);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(262143UL, 262143UL)]
    [InlineData(262144UL, 262144UL)]
    [InlineData(8927167UL, 8927104UL)] // pion's truncation example: rounded down to 18 significant bits
    [InlineData(ulong.MaxValue, 0x3FFFFUL << 46)]
    public void Remb_bitrate_keeps_18_significant_bits(ulong bitrate, ulong read)
    {
        var buffer = new byte[RtcpRemb.GetSize(0)];
        RtcpRemb.Write(buffer, 7, bitrate, []);
        Assert.True(RtcpRemb.TryParse(Single(buffer), out var remb));
        Assert.Equal(read, remb.Bitrate);
        Assert.Equal(0, remb.SsrcCount);
    }

    [Fact]
    public void Status_chunks_read_as_the_draft_examples_say()
    {
        // §3.1.3 example 1: a run of 221 "packet not received".
        Assert.Equal((221, RtcpPacketStatus.NotReceived), (RtcpTransportFeedbackChunk.GetCapacity(0x00DD), RtcpTransportFeedbackChunk.GetSymbol(0x00DD, 0)));
        Assert.Equal(0x00DD, RtcpTransportFeedbackChunk.RunLength(RtcpPacketStatus.NotReceived, 221));

        // §3.1.3 example 2: a run of 24 of symbol 11, which -01 calls "received, w/o recv delta" there but reserved in §3.1.1.
        Assert.Equal((24, RtcpPacketStatus.Reserved), (RtcpTransportFeedbackChunk.GetCapacity(0x6018), RtcpTransportFeedbackChunk.GetSymbol(0x6018, 5)));

        // §3.1.4 example 1: one-bit vector.
        RtcpPacketStatus[] oneBit = Symbols("0 1 1 1 1 1 0 0 0 1 1 1 0 0");
        Assert.Equal(oneBit, Decode(0x9F1C));
        Assert.Equal(0x9F1C, Encode(oneBit));

        // §3.1.4 example 2: two-bit vector (with a reserved symbol again, so only read here).
        Assert.Equal(Symbols("0 3 1 1 1 0 0"), Decode(0xCD50));
        Assert.Equal(0xC840, Encode(Symbols("0 2 0 1"))); // 11 | 00 10 00 01 00 00 00: unused symbols are 0
    }

    [Fact]
    public void Chunk_encoder_chooses_as_libwebrtc_does()
    {
        Assert.Equal([0x2007], EncodeAll(Symbols("1 1 1 1 1 1 1")));              // all the same: a run
        Assert.Equal([0xD640], EncodeAll(Symbols("1 1 2 1 0")));                  // 7 or fewer with a large delta: two-bit vector
        Assert.Equal([0xA800], EncodeAll(Symbols("1 0 1 0 0 0 0 0")));            // 8 to 14 without: one-bit vector
        Assert.Equal([0xD550, 0x4002], EncodeAll(Symbols("1 1 1 1 1 0 0 2 2")));   // two-bit vector full, then a run of two large
        Assert.Equal([0x2014, 0x0003], EncodeAll([.. Enumerable.Repeat(RtcpPacketStatus.SmallDelta, 20), .. Enumerable.Repeat(RtcpPacketStatus.NotReceived, 3)]));
        Assert.Equal([0x1FFF, 0x0001], EncodeAll([.. Enumerable.Repeat(RtcpPacketStatus.NotReceived, 8192)])); // runs stop at 8191
    }

    [Fact]
    public void Transport_feedback_reads_libwebrtcs_packets()
    {
        Assert.Equal(
            "fa17fa17>43032fa0 base 153 count 1 ref 4057090 fb 23: 153+148",
            Describe(TwccRun1));
        Assert.Equal(
            "fa17fa17>193dd8bb base 4 count 7 ref 1074030 fb 1: 4+76 5+36 6+36 7+16 8+12 9+12 10+16",
            Describe(TwccRun7));
        Assert.Equal(
            "9b74f61f>9371dcbc base 34108 count 9 ref 6551830 fb 179: 34108+155 34109+170 34110+106 34111+170 34112+123 34113- 34114+265 34115- 34116-",
            Describe(TwccTwoBit));
        Assert.Equal(
            "fa17fa17>193dd8bb base 1 count 14 ref 1074029 fb 0: 1+16 2+12 3+12 4- 5+16 6- 7- 8- 9- 10- 11- 12- 13- 14-",
            Describe(TwccOneBit));
        Assert.Equal(
            "fa17fa17>43032fa0 base 39956 count 12 ref 7701536 fb 0: 39956+193 39957+63 39958+59 39959+63 39960+83 39961- 39962+144 39963+59 39964- 39965- 39966- 39967-",
            Describe(TwccOneBit12));

        Assert.True(RtcpTransportFeedback.TryParse(Single(TwccTwoBit), out var feedback));
        Assert.Equal(6, feedback.ReceivedCount);
        Assert.Equal(6551830L * 64_000, feedback.ReferenceTimeMicroseconds);
    }

    public static TheoryData<string, byte[]> BadFeedback => new()
    {
        // pion "example8": a run of three small deltas with one delta byte.
        { "deltas cut short", [0xaf, 0xcd, 0x0, 0x5, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x3, 0x2f, 0xa0, 0x0, 0x99, 0x0, 0x3, 0x3d, 0xe8, 0x2, 0x17, 0x20, 0x3, 0x94, 0x1] },

        // pion "example9": a run of two large deltas with one delta byte.
        { "large deltas cut short", [0xaf, 0xcd, 0x0, 0x5, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x3, 0x2f, 0xa0, 0x0, 0x99, 0x0, 0x2, 0x3d, 0xe8, 0x2, 0x17, 0x40, 0x2, 0x94, 0x1] },

        // pion "example7": a packet status count of 0, which libwebrtc refuses.
        { "empty", [0x8f, 0xcd, 0x0, 0x4, 0x9a, 0xcb, 0x4, 0x42, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0] },

        // TwccRun7 with the count raised to 8: the chunk holds 7, and the next "chunk" is delta bytes, a run of 0x4c24 symbols.
        { "count beyond the chunks", [0x8f, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x00, 0x04, 0x00, 0x08, 0x10, 0x63, 0x6e, 0x01, 0x20, 0x07, 0x4c, 0x24] },

        // TwccRun7 with the count lowered to 2: five delta bytes are left over.
        { "count below the deltas", [0x8f, 0xcd, 0x00, 0x07, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x00, 0x04, 0x00, 0x02, 0x10, 0x63, 0x6e, 0x01, 0x20, 0x07, 0x4c, 0x24, 0x24, 0x10, 0x0c, 0x0c, 0x10, 0x00, 0x00, 0x00] },

        // The draft's §3.1.3 example 2 chunk: reserved symbol 11.
        { "reserved symbol", [0x8f, 0xcd, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x00, 0x00, 0x18, 0, 0, 0, 0, 0x60, 0x18, 0x00, 0x00] },

        { "no chunk", [0x8f, 0xcd, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0] },

        // REMB: pion's overflow vector: exponent 63, mantissa 0x3FFFF — does not fit 64 bits.
        { "bitrate past 64 bits", [0x8f, 206, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 82, 69, 77, 66, 0, 255, 255, 255] },
        { "Num SSRC 2 with one SSRC", [0x8f, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 82, 69, 77, 66, 2, 26, 32, 223, 72, 116, 237, 22] },
        { "another application layer message", [0x8f, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 82, 69, 77, 67, 1, 26, 32, 223, 72, 116, 237, 22] },
        { "no bitrate word", [0x8f, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 82, 69, 77, 66] },
    };

    [Theory]
    [MemberData(nameof(BadFeedback))]
    public void Feedback_that_does_not_add_up_is_rejected(string why, byte[] packet)
    {
        string accepted = Accepted(Single(packet));
        Assert.True(accepted == "", $"{why}: read as {accepted}");
    }

    [Fact]
    public void Padding_bit_with_a_zero_count_stops_the_compound_reader()
    {
        // pion "example3" sets P but ends in a delta of 0, not a padding count: libwebrtc rejects it as well.
        byte[] packet =
        [
            0xaf, 0xcd, 0x0, 0x7, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x1, 0x74, 0x0, 0x6,
            0x45, 0xb1, 0x5a, 0x40, 0x40, 0x2, 0x20, 0x04, 0x1f, 0xfe, 0x1f, 0x9a, 0xd0, 0x0, 0xd0, 0x0,
        ];
        var reader = new RtcpCompoundReader(packet);
        Assert.False(reader.MoveNext());
        Assert.True(reader.Malformed);

        // Without the P bit it reads: two large deltas (2047.5 ms, 2022.5 ms) then four small.
        packet[0] = 0x8f;
        Assert.Equal(
            "fa17fa17>193dd8bb base 372 count 6 ref 4567386 fb 64: 372+8190 373+8090 374+208 375+0 376+208 377+0",
            Describe(packet));
    }

    [Fact]
    public void Feedback_builder_writes_the_bytes_libwebrtc_sent()
    {
        var builder = new RtcpTransportFeedbackBuilder(_time, 0xfa17fa17);
        long reference = 1074030L * 64_000;
        for (ushort seq = 0; seq < 4; seq++)
        {
            builder.OnPacket(seq, At(reference - 100_000 + (seq * 1000)));
        }

        var buffer = new byte[1200];
        Assert.True(builder.Write(buffer, 0x193dd8bb) > 0); // feedback 0 takes 0-3

        long arrival = reference;
        int[] deltas = [76, 36, 36, 16, 12, 12, 16];
        for (int i = 0; i < deltas.Length; i++)
        {
            arrival += deltas[i] * 250;
            builder.OnPacket((ushort)(4 + i), At(arrival));
        }

        int length = builder.Write(buffer, 0x193dd8bb);
        Assert.Equal(0, builder.Pending);

        // libwebrtc set P and ended with a padding count; we zero-pad without P (the draft's layout), so the
        // packet may stand anywhere in a compound (RFC 3550 §6.4.1 allows padding on the last one only).
        var expected = (byte[])TwccRun7.Clone();
        expected[0] &= 0xDF;
        expected[^1] = 0;
        Assert.Equal(expected, buffer[..length]);
        Assert.Equal(0, builder.Write(buffer, 0x193dd8bb));
    }

    [Fact]
    public void Feedback_builder_round_trips_loss_and_reordering_across_the_wrap()
    {
        var builder = new RtcpTransportFeedbackBuilder(_time, 1);
        var random = new Random(2016);
        var arrivals = new Dictionary<ushort, long>();
        var lost = new List<ushort>();
        var order = new List<ushort>();
        for (int i = 0; i < 5000; i++)
        {
            ushort seq = (ushort)(64000 + i);
            if (random.Next(20) == 0 && i < 4990)
            {
                lost.Add(seq); // not at the very end: numbers after the last arrival are not reported, as nothing says they were sent
                continue;
            }

            order.Add(seq);
        }

        for (int i = 1; i < order.Count; i++)
        {
            if (random.Next(30) == 0)
            {
                (order[i - 1], order[i]) = (order[i], order[i - 1]);
            }
        }

        long now = 5_000_000;
        var reports = new Dictionary<ushort, (bool Received, long Us)>();
        var buffer = new byte[300]; // small, so that feedback splits
        int messages = 0;
        for (int i = 0; i < order.Count; i++)
        {
            now += random.Next(4) == 0 ? random.Next(70_000) : random.Next(2000);
            arrivals[order[i]] = now;
            builder.OnPacket(order[i], At(now));
            if (i % 97 == 0 || i == order.Count - 1)
            {
                while (builder.Pending > 0)
                {
                    int length = builder.Write(buffer, 2);
                    Assert.True(RtcpTransportFeedback.TryParse(Single(buffer.AsSpan(0, length)), out var feedback));
                    Assert.Equal((byte)messages++, feedback.FeedbackCount);
                    long us = feedback.ReferenceTimeMicroseconds;
                    foreach (var report in feedback)
                    {
                        us += report.Delta * 250L;
                        reports[report.SequenceNumber] = (report.Received, us);
                    }
                }
            }
        }

        foreach (var (seq, arrival) in arrivals)
        {
            Assert.True(reports.TryGetValue(seq, out var report), $"{seq} reported");
            Assert.True(report.Received, $"{seq} received");
            Assert.InRange(report.Us - arrival, -125, 125);
        }

        foreach (ushort seq in lost)
        {
            Assert.True(reports.TryGetValue(seq, out var report), $"{seq} reported");
            Assert.False(report.Received, $"{seq} lost");
        }

        Assert.Equal(0, builder.Ignored);
    }

    [Fact]
    public void Feedback_builder_reports_a_late_packet_again_and_negative_deltas()
    {
        var builder = new RtcpTransportFeedbackBuilder(_time, 1);
        builder.OnPacket(10, At(1_000_000));
        builder.OnPacket(12, At(1_001_000));
        Assert.Equal("00000001>00000002 base 10 count 3 ref 15 fb 0: 10+160 11- 12+4", WriteNext(builder));

        // 11 arrives after all, before 12 by its number but after it in time: reported again from 11, a negative delta for 12.
        builder.OnPacket(11, At(1_002_000));
        builder.OnPacket(11, At(1_003_000));
        Assert.Equal(1, builder.Ignored);
        Assert.Equal(2, builder.Pending);
        Assert.Equal("00000001>00000002 base 11 count 2 ref 15 fb 1: 11+168 12-4", WriteNext(builder));
    }

    [Fact]
    public void Feedback_builder_splits_at_deltas_that_do_not_fit_16_bits()
    {
        var builder = new RtcpTransportFeedbackBuilder(_time, 1);
        builder.OnPacket(0, At(0));
        builder.OnPacket(1, At(10_000_000)); // 10 s later: past 8191.75 ms
        Assert.Equal("00000001>00000002 base 0 count 1 ref 0 fb 0: 0+0", WriteNext(builder));
        Assert.Equal("00000001>00000002 base 1 count 1 ref 156 fb 1: 1+64", WriteNext(builder));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.Write(new byte[RtcpTransportFeedbackBuilder.MinimumPacketSize - 1], 2));
    }

    [Fact]
    public void Feedback_builder_drops_what_outruns_its_ring()
    {
        var builder = new RtcpTransportFeedbackBuilder(_time, 1, capacity: 16);
        for (int seq = 0; seq <= 40; seq++)
        {
            builder.OnPacket((ushort)seq, At(seq * 1000));
        }

        Assert.Equal((16, 25L), (builder.Pending, builder.Unreported));
        builder.OnPacket(3, At(50_000)); // older than the ring
        Assert.Equal(1, builder.Ignored);
        var buffer = new byte[200];
        Assert.True(RtcpTransportFeedback.TryParse(Single(buffer.AsSpan(0, builder.Write(buffer, 2))), out var feedback));
        Assert.Equal((25, 16, 16), (feedback.BaseSequenceNumber, feedback.StatusCount, feedback.ReceivedCount));
    }

    [Fact]
    public void Transport_sequence_number_extension_is_read_added_and_updated()
    {
        // V=2 X=0 PT=96 seq 0x1234 ts 1 SSRC 2, payload "abc".
        byte[] plain = [0x80, 0x60, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 2, 0x61, 0x62, 0x63];

        // Added as ID 3: the draft's layout, 0xBEDE, one word, ID 3 L=1, the number, a zero pad.
        byte[] withTwcc = [0x90, 0x60, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0x00, 0x01, 0x31, 0xAB, 0xCD, 0x00, 0x61, 0x62, 0x63];
        var buffer = new byte[64];
        Assert.True(RtpTransportSequenceNumber.TryWrite(plain, buffer, 3, 0xABCD, out int length));
        Assert.Equal(withTwcc, buffer[..length]);
        Assert.True(RtpHeader.TryParse(withTwcc, out var header, out _, out _));
        Assert.True(RtpTransportSequenceNumber.TryRead(header, withTwcc, 3, out ushort seq));
        Assert.Equal(0xABCD, seq);
        Assert.False(RtpTransportSequenceNumber.TryRead(header, withTwcc, 4, out _));

        // In place, as a relay renumbers what it forwards.
        Assert.True(RtpTransportSequenceNumber.TryUpdate(withTwcc, 3, 0x0102));
        Assert.Equal([0x31, 0x01, 0x02, 0x00], withTwcc[16..20]);
        Assert.False(RtpTransportSequenceNumber.TryUpdate(withTwcc, 5, 1));
        Assert.False(RtpTransportSequenceNumber.TryUpdate(plain, 3, 1));

        // Beside an audio level (ID 1, one byte) and a CSRC, with RTP padding kept: the extension grows to two words.
        byte[] audio = [0xB1, 0x6F, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0xBE, 0xDE, 0x00, 0x01, 0x10, 0x7F, 0x00, 0x00, 0xAA, 0x00, 0x02];
        Assert.True(RtpTransportSequenceNumber.TryWrite(audio, buffer, 3, 7, out length));
        Assert.Equal(
            [0xB1, 0x6F, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0xBE, 0xDE, 0x00, 0x02, 0x10, 0x7F, 0x31, 0x00, 0x07, 0x00, 0x00, 0x00, 0xAA, 0x00, 0x02],
            buffer[..length]);

        // Set again: the element is replaced, not repeated.
        var again = new byte[64];
        Assert.True(RtpTransportSequenceNumber.TryWrite(buffer.AsSpan(0, length), again, 3, 8, out int length2));
        Assert.Equal(length, length2);
        Assert.Equal([0x10, 0x7F, 0x31, 0x00, 0x08, 0x00, 0x00, 0x00], again[20..28]);

        // A two-byte extension (RFC 8285 §4.3) is read, but not written into.
        byte[] twoByte = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x01, 0x03, 0x02, 0xBE, 0xEF, 0x99];
        Assert.True(RtpHeader.TryParse(twoByte, out header, out _, out _));
        Assert.True(RtpTransportSequenceNumber.TryRead(header, twoByte, 3, out seq));
        Assert.Equal(0xBEEF, seq);
        Assert.False(RtpTransportSequenceNumber.TryWrite(twoByte, buffer, 3, 1, out _));
        Assert.False(RtpTransportSequenceNumber.TryWrite(plain, new byte[plain.Length + 7], 3, 1, out _)); // one byte short
        Assert.False(RtpTransportSequenceNumber.TryWrite([0x80, 0x60], buffer, 3, 1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => RtpTransportSequenceNumber.TryWrite(plain, buffer, 15, 1, out _));
        Assert.Throws<ArgumentException>(() => RtpTransportSequenceNumber.TryWrite(buffer, buffer.AsSpan(8), 3, 1, out _));
    }

    [Fact]
    public void Compound_writer_puts_a_report_and_cname_before_feedback_unless_reduced_size()
    {
        var buffer = new byte[1200];
        RtcpReportBlock[] blocks = [new(0x23456789, 0, 0, 100, 0, 0, 0)];
        var compound = new RtcpCompoundWriter(buffer, reducedSize: false, 0x12345678, "edgebox", blocks);
        compound.Advance(RtcpNack.Write(compound.Free, 0x12345678, 0x23456789, LibwebrtcNackList));
        compound.Advance(RtcpPli.Write(compound.Free, 0x12345678, 0x23456789));
        Assert.Equal(RtcpReceiverReport.GetSize(1) + RtcpSdes.GetCnameSize(7) + 16 + 12, compound.Length);
        Assert.True(RtcpCompoundReader.IsValid(compound.Written));

        var reader = new RtcpCompoundReader(compound.Written);
        Assert.True(reader.MoveNext());
        Assert.True(RtcpReceiverReport.TryParse(reader.Current, out var rr));
        Assert.Equal(blocks[0], rr.GetReportBlock(0));
        Assert.True(reader.MoveNext());
        Assert.True(RtcpSdes.TryGetCname(reader.Current, out _, out var cname));
        Assert.Equal("edgebox"u8.ToArray(), cname.ToArray());
        Assert.True(reader.MoveNext());
        Assert.True(RtcpNack.TryParse(reader.Current, out var nack));
        Assert.Equal(LibwebrtcNackList, Lost(nack));
        Assert.True(reader.MoveNext());
        Assert.True(RtcpPli.TryParse(reader.Current, out _));
        Assert.False(reader.MoveNext());

        var reduced = new RtcpCompoundWriter(buffer, reducedSize: true, 0x12345678, "edgebox");
        reduced.Advance(RtcpPli.Write(reduced.Free, 0x12345678, 0x23456789));
        Assert.Equal(LibwebrtcPli, reduced.Written.ToArray());
        Assert.False(RtcpCompoundReader.IsValid(reduced.Written));
        Assert.True(RtcpCompoundReader.IsValid(reduced.Written, allowReducedSize: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdvancePast(buffer));
    }

    [Fact]
    public void Firefoxs_compound_packet_carries_a_pli()
    {
        // pion's packet_test.go realPacket ("from a packet dump", Firefox's braced CNAME): RR, SDES, BYE, PLI.
        byte[] compound =
        [
            0x81, 0xc9, 0x0, 0x7, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40, 0x0, 0x0, 0x0, 0x0,
            0x0, 0x0, 0x46, 0xe1, 0x0, 0x0, 0x1, 0x11, 0x9, 0xf3, 0x64, 0x32, 0x0, 0x2, 0x4a, 0x79,
            0x81, 0xca, 0x0, 0xc, 0x90, 0x2f, 0x9e, 0x2e, 0x1, 0x26, 0x7b, 0x39, 0x63, 0x30, 0x30, 0x65,
            0x62, 0x39, 0x32, 0x2d, 0x31, 0x61, 0x66, 0x62, 0x2d, 0x39, 0x64, 0x34, 0x39, 0x2d, 0x61, 0x34,
            0x37, 0x64, 0x2d, 0x39, 0x31, 0x66, 0x36, 0x34, 0x65, 0x65, 0x65, 0x36, 0x39, 0x66, 0x35, 0x7d,
            0x0, 0x0, 0x0, 0x0, 0x81, 0xcb, 0x0, 0x1, 0x90, 0x2f, 0x9e, 0x2e,
            0x81, 0xce, 0x0, 0x2, 0x90, 0x2f, 0x9e, 0x2e, 0x90, 0x2f, 0x9e, 0x2e,
        ];
        Assert.True(RtcpCompoundReader.IsValid(compound));
        var reader = new RtcpCompoundReader(compound);
        string found = "";
        while (reader.MoveNext())
        {
            found += Accepted(reader.Current) + reader.Current.Type + " ";
        }

        Assert.Equal("ReceiverReport SourceDescription Bye pliPayloadFeedback ", found);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void No_prefix_of_a_feedback_packet_gets_through(string name, byte[] vector)
    {
        Assert.NotEqual("", Accepted(Single(vector)));
        for (int length = 0; length < vector.Length; length++)
        {
            var reader = new RtcpCompoundReader(vector.AsSpan(0, length));
            Assert.False(reader.MoveNext(), name);
            Assert.Equal(length > 0, reader.Malformed);
        }
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Feedback_cut_to_fewer_words_is_rejected_or_read_in_part(string name, byte[] vector)
    {
        // Well framed (the length field rewritten, P cleared) but the FCI lost its end.
        string full = Accepted(Single(vector));
        for (int words = 3; words * 4 < vector.Length; words++)
        {
            var cut = vector[..(words * 4)];
            cut[0] &= 0xDF;
            BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), (ushort)(words - 1));
            string accepted = Accepted(Single(cut));
            if (full == "nack" && words > 3)
            {
                Assert.Equal("nack", accepted); // fewer entries, still a NACK
            }
            else if (full == "pli")
            {
                Assert.Equal("pli", accepted);
            }
            else
            {
                Assert.True(accepted == "", $"{name} cut to {words} words: read as {accepted}");
            }
        }
    }

    [Fact]
    public void Random_feedback_never_throws()
    {
        var random = new Random(5104);
        int[] formats = [1, 4, 15, random.Next(32)];
        int accepted = 0;
        for (int i = 0; i < 50_000; i++)
        {
            int words = 2 + random.Next(i % 2 == 0 ? 8 : 40);
            var packet = new byte[(words + 1) * 4];
            random.NextBytes(packet);
            packet[0] = (byte)(0x80 | formats[random.Next(formats.Length)]);
            packet[1] = (byte)(205 + random.Next(2));
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)words);
            if (words >= 4 && random.Next(2) == 0)
            {
                // Aim at the length checks: small TWCC counts, REMB identifiers and SSRC counts.
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)random.Next(40));
                "REMB"u8.CopyTo(packet.AsSpan(12));
                packet[16] = (byte)random.Next(8);
            }

            var reader = new RtcpCompoundReader(packet);
            if (reader.MoveNext() && Accepted(reader.Current) != "")
            {
                accepted++;
            }
        }

        Assert.InRange(accepted, 1000, 50_000);
    }

    [Fact]
    public void Reading_and_writing_feedback_allocates_nothing()
    {
        var builder = new RtcpTransportFeedbackBuilder(_time, 1);
        var buffer = new byte[1500];
        RtcpFirEntry[] fir = [new(5, 1)];
        uint[] ssrcs = [5];
        byte[][] vectors = [LibwebrtcWrapNack, TwccTwoBit, ChromeRemb, LibwebrtcFir, LibwebrtcPli];
        ushort seq = 0;
        long timestamp = 0;
        long sum = 0;
        void Round()
        {
            foreach (var vector in vectors)
            {
                var reader = new RtcpCompoundReader(vector);
                while (reader.MoveNext())
                {
                    sum += Walk(reader.Current);
                }
            }

            sum += RtcpNack.Write(buffer, 1, 2, LibwebrtcWrapList) + RtcpPli.Write(buffer, 1, 2) + RtcpFir.Write(buffer, 1, fir)
                + RtcpRemb.Write(buffer, 1, 1_000_000, ssrcs);
            for (int i = 0; i < 100; i++)
            {
                builder.OnPacket(seq++, timestamp);
                timestamp += i % 7 * _time.TimestampFrequency / 1000;
            }

            sum += builder.Write(buffer, 2);
        }

        Round();
        Assert.Equal(0, Allocations.FewestPerBatch(Round, 50, out _));
        Assert.True(sum > 0);
    }

    private static RtcpPacket Single(ReadOnlySpan<byte> data)
    {
        var reader = new RtcpCompoundReader(data);
        Assert.True(reader.MoveNext());
        var packet = reader.Current;
        Assert.False(reader.MoveNext());
        Assert.False(reader.Malformed);
        return packet;
    }

    /// <summary>Which typed reader takes the packet ("" for none), having walked everything it reads.</summary>
    private static string Accepted(in RtcpPacket packet)
    {
        string found = "";
        if (RtcpNack.TryParse(packet, out var nack))
        {
            int count = 0;
            foreach (ushort _ in nack)
            {
                count++;
            }

            Assert.InRange(count, nack.ItemCount, nack.ItemCount * 17);
            found += "nack";
        }

        if (RtcpPli.TryParse(packet, out _))
        {
            found += "pli";
        }

        if (RtcpFir.TryParse(packet, out var fir))
        {
            for (int i = 0; i < fir.Count; i++)
            {
                fir.GetEntry(i);
            }

            found += "fir";
        }

        if (RtcpRemb.TryParse(packet, out var remb))
        {
            for (int i = 0; i < remb.SsrcCount; i++)
            {
                remb.GetSsrc(i);
            }

            found += "remb";
        }

        if (RtcpTransportFeedback.TryParse(packet, out var feedback))
        {
            int count = 0;
            int received = 0;
            foreach (var report in feedback)
            {
                Assert.Equal((ushort)(feedback.BaseSequenceNumber + count++), report.SequenceNumber);
                received += report.Received ? 1 : 0;
            }

            Assert.Equal((feedback.StatusCount, feedback.ReceivedCount), (count, received));
            found += "twcc";
        }

        return found;
    }

    /// <summary>What <see cref="Accepted"/> reads, without the assertions (which allocate).</summary>
    private static long Walk(in RtcpPacket packet)
    {
        long sum = 0;
        if (RtcpNack.TryParse(packet, out var nack))
        {
            foreach (ushort seq in nack)
            {
                sum += seq;
            }
        }

        if (RtcpPli.TryParse(packet, out var pli))
        {
            sum += pli.MediaSsrc;
        }

        if (RtcpFir.TryParse(packet, out var fir))
        {
            sum += fir.GetEntry(0).SequenceNumber;
        }

        if (RtcpRemb.TryParse(packet, out var remb))
        {
            sum += (long)remb.Bitrate + remb.GetSsrc(0);
        }

        if (RtcpTransportFeedback.TryParse(packet, out var feedback))
        {
            foreach (var report in feedback)
            {
                sum += report.Delta;
            }
        }

        return sum;
    }

    private static List<ushort> Lost(RtcpNack nack)
    {
        var lost = new List<ushort>();
        foreach (ushort seq in nack)
        {
            lost.Add(seq);
        }

        return lost;
    }

    private static string Describe(ReadOnlySpan<byte> packet)
    {
        Assert.True(RtcpTransportFeedback.TryParse(Single(packet), out var feedback));
        var text = new System.Text.StringBuilder(
            $"{feedback.Header.SenderSsrc:x8}>{feedback.Header.MediaSsrc:x8} base {feedback.BaseSequenceNumber} count {feedback.StatusCount} ref {feedback.ReferenceTime} fb {feedback.FeedbackCount}:");
        foreach (var report in feedback)
        {
            text.Append(report.Received ? $" {report.SequenceNumber}{report.Delta:+0;-0}" : $" {report.SequenceNumber}-");
        }

        return text.ToString();
    }

    private static RtcpFirEntry ReadFirEntry(byte[] packet, int index)
    {
        Assert.True(RtcpFir.TryParse(Single(packet), out var fir));
        return fir.GetEntry(index);
    }

    private static void AdvancePast(byte[] buffer)
    {
        var writer = new RtcpCompoundWriter(buffer, reducedSize: true, 1, "x");
        writer.Advance(buffer.Length + 1);
    }

    /// <summary>A timestamp of the fake clock <paramref name="microseconds"/> after its origin.</summary>
    private long At(long microseconds)
    {
        Assert.Equal(0, _time.TimestampFrequency % 1_000_000);
        return microseconds * (_time.TimestampFrequency / 1_000_000);
    }

    private static string WriteNext(RtcpTransportFeedbackBuilder builder)
    {
        var buffer = new byte[100];
        return Describe(buffer.AsSpan(0, builder.Write(buffer, 2)));
    }

    private static RtcpPacketStatus[] Symbols(string digits) =>
        digits.Split(' ').Select(d => (RtcpPacketStatus)int.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static RtcpPacketStatus[] Decode(ushort chunk) =>
        Enumerable.Range(0, RtcpTransportFeedbackChunk.GetCapacity(chunk)).Select(i => RtcpTransportFeedbackChunk.GetSymbol(chunk, i)).ToArray();

    private static int Encode(RtcpPacketStatus[] symbols)
    {
        var chunks = EncodeAll(symbols);
        Assert.Single(chunks);
        return chunks[0];
    }

    private static ushort[] EncodeAll(RtcpPacketStatus[] symbols)
    {
        var encoder = default(RtcpTransportFeedbackChunk.Encoder);
        var output = new byte[2 * symbols.Length];
        foreach (var symbol in symbols)
        {
            encoder.Add(symbol, output);
        }

        encoder.Flush(output);
        return Enumerable.Range(0, encoder.Emitted).Select(i => BinaryPrimitives.ReadUInt16BigEndian(output.AsSpan(2 * i))).ToArray();
    }
}
