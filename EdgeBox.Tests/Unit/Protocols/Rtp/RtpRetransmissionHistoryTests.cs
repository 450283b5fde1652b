using System.Buffers.Binary;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>The sender's packet history for NACKs, and RTX packets (RFC 4588 §4) built from it and taken apart.</summary>
public sealed class RtpRetransmissionHistoryTests
{
    // V=2 M=1 PT=96 seq 0x0102 ts 0x0A0B0C0D SSRC 0x11111111, payload DE AD BE EF.
    private static readonly byte[] Original = [0x80, 0xE0, 0x01, 0x02, 0x0A, 0x0B, 0x0C, 0x0D, 0x11, 0x11, 0x11, 0x11, 0xDE, 0xAD, 0xBE, 0xEF];

    // Its retransmission on PT 97, SSRC 0x22222222, RTX sequence number 0x0500: the marker kept, the OSN (0x0102) before the payload.
    private static readonly byte[] Rtx = [0x80, 0xE1, 0x05, 0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0x22, 0x22, 0x22, 0x22, 0x01, 0x02, 0xDE, 0xAD, 0xBE, 0xEF];

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Returns_what_was_stored_by_sequence_number()
    {
        using var history = new RtpRetransmissionHistory(_time);
        Assert.Equal((1024, TimeSpan.FromSeconds(1), 1500), (history.Capacity, history.MaxAge, history.MaxPacketSize));
        long now = _time.GetTimestamp();
        for (int seq = 100; seq < 200; seq++)
        {
            Assert.True(history.Store(Packet((ushort)seq, 50 + seq), now));
        }

        var buffer = new byte[1500];
        for (int seq = 100; seq < 200; seq++)
        {
            Assert.True(history.TryGet((ushort)seq, now, buffer, out int length));
            Assert.Equal(Packet((ushort)seq, 50 + seq), buffer[..length]);
        }

        Assert.False(history.TryGet(99, now, buffer, out int none));
        Assert.Equal(0, none);
        Assert.False(history.TryGet(200, now, buffer, out _));
    }

    [Fact]
    public void Runs_on_across_the_sequence_number_wrap()
    {
        using var history = new RtpRetransmissionHistory(_time, capacity: 16);
        long now = _time.GetTimestamp();
        for (int i = 0; i < 20; i++)
        {
            history.Store(Packet((ushort)(65530 + i)), now); // 65530 .. 65535, 0 .. 13
        }

        var buffer = new byte[1500];
        for (int i = 4; i < 20; i++)
        {
            Assert.True(history.TryGet((ushort)(65530 + i), now, buffer, out int length), $"{(ushort)(65530 + i)}");
            Assert.Equal((ushort)(65530 + i), BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
            Assert.Equal(Packet((ushort)(65530 + i)), buffer[..length]);
        }

        for (int i = 0; i < 4; i++)
        {
            Assert.False(history.TryGet((ushort)(65530 + i), now, buffer, out _), "overwritten by the 16 after it");
        }
    }

    [Fact]
    public void A_newer_packet_in_the_slot_overwrites_the_older()
    {
        using var history = new RtpRetransmissionHistory(_time, capacity: 16);
        long now = _time.GetTimestamp();
        history.Store(Packet(3, 200), now);
        history.Store(Packet(19, 10), now);
        var buffer = new byte[1500];
        Assert.False(history.TryGet(3, now, buffer, out _));
        Assert.True(history.TryGet(19, now, buffer, out int length));
        Assert.Equal(Packet(19, 10), buffer[..length]);

        // 65536 packets later the same number comes round: the newer packet is what is held.
        history.Store(Packet(19, 30, fill: 7), now);
        Assert.True(history.TryGet(19, now, buffer, out length));
        Assert.Equal(Packet(19, 30, fill: 7), buffer[..length]);

        history.Clear();
        Assert.False(history.TryGet(19, now, buffer, out _));
    }

    [Fact]
    public void Packets_older_than_the_max_age_are_not_returned()
    {
        using var history = new RtpRetransmissionHistory(_time, maxAge: TimeSpan.FromMilliseconds(500));
        history.Store(Packet(1), _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(300));
        history.Store(Packet(2), _time.GetTimestamp());
        _time.Advance(TimeSpan.FromMilliseconds(200));
        var buffer = new byte[1500];
        Assert.True(history.TryGet(1, _time.GetTimestamp(), buffer, out _)); // 500 ms: still in
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(history.TryGet(1, _time.GetTimestamp(), buffer, out _));
        Assert.True(history.TryGet(2, _time.GetTimestamp(), buffer, out _));
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.False(history.TryGet(2, _time.GetTimestamp(), buffer, out _));
        Assert.False(history.TryGetRtx(2, _time.GetTimestamp(), buffer, 97, 2, 0, out _));
    }

    [Fact]
    public void Invalid_and_oversized_packets_are_not_stored()
    {
        using var history = new RtpRetransmissionHistory(_time, maxPacketSize: 200);
        long now = _time.GetTimestamp();
        Assert.False(history.Store(Packet(1, 200 - 12 + 1), now));
        Assert.True(history.Store(Packet(1, 200 - 12), now));
        Assert.False(history.Store(Original.AsSpan(0, 11), now));
        var version1 = (byte[])Original.Clone();
        version1[0] = 0x40;
        Assert.False(history.Store(version1, now));
        var badPadding = (byte[])Original.Clone();
        badPadding[0] |= 0x20; // padding count 0xEF, more than the payload
        Assert.False(history.Store(badPadding, now));

        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpRetransmissionHistory(_time, capacity: 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpRetransmissionHistory(_time, capacity: 65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RtpRetransmissionHistory(_time, maxAge: TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Slots_keep_their_buffers_and_give_them_back_on_dispose()
    {
        var pool = new TrackingPool();
        var history = new RtpRetransmissionHistory(_time, capacity: 16, pool: pool);
        long now = _time.GetTimestamp();
        for (int seq = 0; seq < 100; seq++)
        {
            history.Store(Packet((ushort)seq, 100), now);
        }

        Assert.Equal(16, pool.Outstanding);
        history.Store(Packet(100, 1000), now); // outgrows its slot's buffer: swapped for a larger one
        Assert.Equal(16, pool.Outstanding);
        var buffer = new byte[1500];
        Assert.True(history.TryGet(100, now, buffer, out int length));
        Assert.Equal(1012, length);
        history.Dispose();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Storing_and_retransmitting_allocates_nothing_once_the_ring_is_full()
    {
        using var history = new RtpRetransmissionHistory(_time, capacity: 64);
        var packets = Enumerable.Range(0, 64).Select(i => Packet((ushort)i, 1000)).ToArray();
        var buffer = new byte[1500];
        long now = _time.GetTimestamp();
        ushort rtxSequence = 0;
        void Round()
        {
            foreach (var packet in packets)
            {
                history.Store(packet, now);
            }

            for (ushort seq = 0; seq < 64; seq += 3)
            {
                history.TryGet(seq, now, buffer, out _);
                if (history.TryGetRtx(seq, now, buffer, 97, 5, rtxSequence, out _))
                {
                    rtxSequence++;
                }
            }
        }

        Round();
        Assert.Equal(0, Allocations.FewestPerBatch(Round, 100, out int rounds));
        Assert.Equal((1 + rounds) * 22, rtxSequence);
    }

    [Fact]
    public void Rtx_packet_follows_rfc4588()
    {
        var buffer = new byte[64];
        Assert.True(RtpRtx.TryWrap(Original, buffer, 97, 0x22222222, 0x0500, out int length));
        Assert.Equal(Rtx, buffer[..length]);

        Assert.True(RtpRtx.TryUnwrap(Rtx, buffer, 96, 0x11111111, out length));
        Assert.Equal(Original, buffer[..length]);

        using var history = new RtpRetransmissionHistory(_time);
        history.Store(Original, _time.GetTimestamp());
        Assert.True(history.TryGetRtx(0x0102, _time.GetTimestamp(), buffer, 97, 0x22222222, 0x0500, out length));
        Assert.Equal(Rtx, buffer[..length]);
        Assert.Throws<ArgumentOutOfRangeException>(() => history.TryGetRtx(0x0102, _time.GetTimestamp(), new byte[Original.Length + 1], 97, 1, 1, out _));
    }

    [Fact]
    public void Rtx_keeps_csrcs_and_extensions_and_drops_padding()
    {
        // P=1 X=1 CC=1, PT 100 seq 65535, CSRC 9, one-byte extension (ID 1, 0x7F), payload 01 02 03, 3 bytes of padding.
        byte[] original =
        [
            0xB1, 0x64, 0xFF, 0xFF, 0, 0, 0x10, 0, 0, 0, 0, 1, 0, 0, 0, 9,
            0xBE, 0xDE, 0x00, 0x01, 0x10, 0x7F, 0x00, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x03,
        ];
        var rtx = new byte[64];
        Assert.True(RtpRtx.TryWrap(original, rtx, 101, 7, 0, out int length));
        Assert.Equal(24 + 2 + 3, length);
        Assert.True(RtpHeader.TryParse(rtx.AsSpan(0, length), out var header, out int offset, out int payloadLength));
        Assert.Equal((101, 7u, (ushort)0, false, true, 1, false), (header.PayloadType, header.Ssrc, header.SequenceNumber, header.Padding, header.Extension, header.CsrcCount, header.Marker));
        Assert.Equal([0xFF, 0xFF, 0x01, 0x02, 0x03], rtx.AsSpan(offset, payloadLength).ToArray());

        var restored = new byte[64];
        Assert.True(RtpRtx.TryUnwrap(rtx.AsSpan(0, length), restored, 100, 1, out length));
        var expected = original[..^3];
        expected[0] &= 0xDF;
        Assert.Equal(expected, restored[..length]);

        Assert.False(RtpRtx.TryWrap(original, new byte[28], 101, 7, 0, out _)); // one byte short
        Assert.False(RtpRtx.TryUnwrap(rtx.AsSpan(0, 29), new byte[26], 100, 1, out _));
    }

    [Fact]
    public void Rtx_works_in_place()
    {
        var buffer = new byte[64];
        Original.CopyTo(buffer, 0);
        Assert.True(RtpRtx.TryWrap(buffer.AsSpan(0, Original.Length), buffer, 97, 0x22222222, 0x0500, out int length));
        Assert.Equal(Rtx, buffer[..length]);
        Assert.True(RtpRtx.TryUnwrap(buffer.AsSpan(0, length), buffer, 96, 0x11111111, out length));
        Assert.Equal(Original, buffer[..length]);
    }

    [Fact]
    public void Rtx_without_an_osn_is_not_a_retransmission()
    {
        // Senders probe bandwidth with RTX packets of padding only.
        byte[] probe = [0xA0, 0x61, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4];
        Assert.False(RtpRtx.TryUnwrap(probe, new byte[64], 96, 1, out _));
        Assert.False(RtpRtx.TryUnwrap(Rtx.AsSpan(0, 13), new byte[64], 96, 1, out _));
        Assert.False(RtpRtx.TryWrap(Rtx.AsSpan(0, 11), new byte[64], 96, 1, 0, out _));
    }

    private static byte[] Packet(ushort sequenceNumber, int payloadLength = 100, byte fill = 0)
    {
        var packet = new byte[RtpHeader.FixedSize + payloadLength];
        new RtpHeader(96, sequenceNumber, sequenceNumber * 3000u, 0x11223344).Write(packet);
        for (int i = RtpHeader.FixedSize; i < packet.Length; i++)
        {
            packet[i] = (byte)(sequenceNumber + i + fill);
        }

        return packet;
    }
}
