using System.Buffers;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

public sealed class RtpReorderBufferTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly TrackingPool _pool = new();
    private readonly Receiver _receiver = new();
    private readonly RtpReorderBuffer _buffer;

    public RtpReorderBufferTests() => _buffer = Create(capacity: 8, maxDelay: TimeSpan.FromMilliseconds(200));

    public void Dispose()
    {
        _buffer.Dispose();
        Assert.Equal(0, _pool.Outstanding); // every rented packet went back, released or dropped
    }

    private RtpReorderBuffer Create(int capacity, TimeSpan maxDelay) => new(_receiver, _time, _pool, capacity, maxDelay);

    private RtpReorderResult Push(int sequence, RtpReorderBuffer? buffer = null)
    {
        var packet = _pool.Rent(16);
        new RtpHeader(96, (ushort)sequence, (uint)sequence * 10, 0x1234).Write(packet);
        packet[12] = (byte)sequence; // a payload byte to check the right bytes come out
        return (buffer ?? _buffer).Push(packet, 13);
    }

    [Fact]
    public void Packets_in_order_are_released_at_once()
    {
        for (int seq = 100; seq < 110; seq++)
        {
            Assert.Equal(RtpReorderResult.Accepted, Push(seq));
        }

        Assert.Equal(Enumerable.Range(100, 10).Select(s => ((ushort)s, 0)), _receiver.Released);
        Assert.All(_receiver.Payloads.Zip(Enumerable.Range(100, 10)), p => Assert.Equal((byte)p.Second, p.First));
        Assert.Equal(0, _buffer.Count);
        Assert.Null(_buffer.GetTimeUntilDue());
    }

    [Fact]
    public void Reorders_across_the_65535_to_0_wrap()
    {
        foreach (int seq in new[] { 65533, 65535, 65534, 1, 0, 2 })
        {
            Assert.Equal(RtpReorderResult.Accepted, Push(seq));
        }

        Assert.Equal(new ushort[] { 65533, 65534, 65535, 0, 1, 2 }, _receiver.Released.Select(r => r.Sequence));
        Assert.All(_receiver.Released, r => Assert.Equal(0, r.LostBefore));
        Assert.Equal(65536u + 2, _buffer.ExtendedHighestSequence); // one cycle, highest 2
        Assert.Equal(0, _buffer.Lost);
    }

    [Fact]
    public void Duplicates_and_late_packets_are_dropped()
    {
        Push(10);
        Push(12);
        Assert.Equal(RtpReorderResult.Duplicate, Push(12));
        Push(11);
        Assert.Equal(RtpReorderResult.Late, Push(11)); // already released
        Assert.Equal(RtpReorderResult.Late, Push(10 - 50));
        Assert.Equal(new ushort[] { 10, 11, 12 }, _receiver.Released.Select(r => r.Sequence));
        Assert.Equal((1, 2), (_buffer.Duplicates, _buffer.Late));
    }

    [Fact]
    public void A_gap_is_skipped_after_the_max_delay_and_counted_lost()
    {
        Push(1);
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Push(4);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        Push(3);
        Assert.Equal(new ushort[] { 1 }, _receiver.Released.Select(r => r.Sequence));
        Assert.Equal(TimeSpan.FromMilliseconds(180), _buffer.GetTimeUntilDue()); // 4 has waited 20 ms

        _time.Advance(TimeSpan.FromMilliseconds(179));
        _buffer.ReleaseDue();
        Assert.Single(_receiver.Released);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        _buffer.ReleaseDue();
        Assert.Equal(new[] { ((ushort)1, 0), ((ushort)3, 1), ((ushort)4, 0) }, _receiver.Released);
        Assert.Equal(1, _buffer.Lost);
        Assert.Equal(RtpReorderResult.Late, Push(2)); // too late now
    }

    [Fact]
    public void The_deadline_is_also_checked_when_the_next_packet_arrives()
    {
        Push(1);
        Push(3);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        Push(4); // no ReleaseDue call: Push notices 3 has waited long enough
        Assert.Equal(new ushort[] { 1, 3, 4 }, _receiver.Released.Select(r => r.Sequence));
    }

    [Fact]
    public void A_full_window_skips_the_gap_without_waiting()
    {
        Push(1);
        for (int seq = 3; seq <= 9; seq++)
        {
            Push(seq); // 2 is missing: 3..9 wait (window 2..9)
        }

        Assert.Single(_receiver.Released);
        Assert.Equal(7, _buffer.Count);
        Push(10); // does not fit the window: 2 is given up
        Assert.Equal(Enumerable.Range(1, 10).Where(s => s != 2).Select(s => (ushort)s), _receiver.Released.Select(r => r.Sequence));
        Assert.Equal(1, _receiver.Released[1].LostBefore);
        Assert.Equal(1, _buffer.Lost);
    }

    [Fact]
    public void A_burst_of_loss_longer_than_the_window_counts_every_missing_packet()
    {
        Push(1);
        Push(1001); // 994..1000 could still come: the window slides to them, and the 992 before are lost
        Assert.Equal(992, _buffer.Lost);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        _buffer.ReleaseDue();
        Assert.Equal(new[] { ((ushort)1, 0), ((ushort)1001, 999) }, _receiver.Released);
        Assert.Equal(999, _buffer.Lost);
    }

    [Fact]
    public void A_large_jump_confirmed_by_the_next_packet_restarts_sequencing()
    {
        Push(100);
        Push(102); // waiting for 101
        Assert.Equal(RtpReorderResult.Held, Push(40000));
        Assert.Equal(new ushort[] { 100 }, _receiver.Released.Select(r => r.Sequence));
        Assert.Equal(RtpReorderResult.Accepted, Push(40001));
        Assert.Equal(new ushort[] { 100, 102, 40000, 40001 }, _receiver.Released.Select(r => r.Sequence));
        Assert.Equal(1, _buffer.Resets);
        Push(40002);
        Assert.Equal(40002, _receiver.Released[^1].Sequence);
        Assert.Equal(RtpReorderResult.Held, Push(103)); // far from the new stream: a possible restart...
        Push(40003);                                       // ...that the new stream contradicts
        Assert.Equal(new ushort[] { 40002, 40003 }, _receiver.Released.TakeLast(2).Select(r => r.Sequence));
        Assert.Equal((1, 1), (_buffer.Resets, _buffer.Late));
    }

    [Fact]
    public void A_restart_backwards_is_detected_too()
    {
        Push(5000);
        Assert.Equal(RtpReorderResult.Held, Push(10));
        Push(11);
        Assert.Equal(new ushort[] { 5000, 10, 11 }, _receiver.Released.Select(r => r.Sequence));
    }

    [Fact]
    public void A_lone_stray_is_dropped_when_the_stream_goes_on()
    {
        Push(100);
        Assert.Equal(RtpReorderResult.Held, Push(30000));
        Push(101);
        Assert.Equal(new ushort[] { 100, 101 }, _receiver.Released.Select(r => r.Sequence));
        Assert.Equal((0, 1), (_buffer.Resets, _buffer.Late));
    }

    [Fact]
    public void A_held_jump_with_nothing_after_it_restarts_after_the_max_delay()
    {
        Push(100);
        Push(30000);
        Assert.Equal(TimeSpan.FromMilliseconds(200), _buffer.GetTimeUntilDue());
        _time.Advance(TimeSpan.FromMilliseconds(200));
        _buffer.ReleaseDue();
        Assert.Equal(new ushort[] { 100, 30000 }, _receiver.Released.Select(r => r.Sequence));
        Assert.Equal(1, _buffer.Resets);
    }

    [Fact]
    public void Invalid_packets_go_back_to_the_pool()
    {
        var packet = _pool.Rent(16);
        packet[0] = 0x40; // version 1
        Assert.Equal(RtpReorderResult.Invalid, _buffer.Push(packet, 12));
        Assert.Equal(1, _buffer.Invalid);
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public void Flush_releases_everything_in_order_and_reset_drops_it()
    {
        Push(1);
        Push(4);
        Push(3);
        _buffer.Flush();
        Assert.Equal(new[] { ((ushort)1, 0), ((ushort)3, 1), ((ushort)4, 0) }, _receiver.Released);

        Push(6); // 5 is next: both wait
        Push(8);
        Assert.Equal(2, _pool.Outstanding);
        _buffer.Reset();
        Assert.Equal(0, _pool.Outstanding);
        Push(500); // after a reset anything starts a new sequence
        Assert.Equal(500, _receiver.Released[^1].Sequence);
    }

    [Fact]
    public void A_zero_max_delay_never_waits()
    {
        using var buffer = Create(capacity: 64, maxDelay: TimeSpan.Zero);
        Push(1, buffer);
        Push(3, buffer);
        Assert.Equal(new ushort[] { 1, 3 }, _receiver.Released.Select(r => r.Sequence));
    }

    [Fact]
    public void Steady_state_reordering_allocates_nothing()
    {
        var counting = new CountingReceiver();
        using var buffer = new RtpReorderBuffer(counting, _time, ArrayPool<byte>.Shared);
        var order = new[] { 0, 2, 1, 3, 5, 4, 7, 6 };
        void Round(int baseSeq)
        {
            foreach (int offset in order)
            {
                var packet = ArrayPool<byte>.Shared.Rent(1500);
                new RtpHeader(96, (ushort)(baseSeq + offset), 0, 1).Write(packet);
                buffer.Push(packet, 1200);
            }
        }

        for (int i = 0; i < 100; i++)
        {
            Round(i * 8); // warm up the pool and the JIT
        }

        long allocated = Allocations.FewestPerBatch(i => Round(i * 8), 100, 9_900, out int next); // wraps the sequence number
        Assert.Equal(next * 8, counting.Count);
        Assert.Equal(0, buffer.Lost);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Misordered_and_duplicated_h264_packets_come_out_as_the_source_access_units()
    {
        var packets = RtpTestMedia.ReadCapture("h264.gst.rtp"); // its sequence numbers wrap 65535 -> 0
        var arrival = new List<byte[]> { packets[0] }; // the first sets the start: one before it would be late
        for (int i = 1; i + 1 < packets.Count; i += 2)
        {
            arrival.Add(packets[i + 1]); // every pair swapped...
            arrival.Add(packets[i]);
            if (i % 10 == 1)
            {
                arrival.Add(packets[i]); // ...and some sent twice
            }
        }

        if (packets.Count % 2 == 0)
        {
            arrival.Add(packets[^1]);
        }

        using var depacketizer = new H264Depacketizer();
        var sink = new CollectingSink();
        using var buffer = new RtpReorderBuffer(new DepacketizingReceiver(depacketizer, sink), _time, _pool);
        foreach (var packet in arrival)
        {
            var rented = _pool.Rent(packet.Length);
            packet.CopyTo(rented, 0);
            buffer.Push(rented, packet.Length);
        }

        Assert.Equal(RtpTestMedia.ReadAnnexBAccessUnits("h264.264", h265: false), sink.Payloads);
        Assert.Equal((0, 0), (buffer.Lost, depacketizer.DroppedUnits));
        Assert.True(buffer.Duplicates + buffer.Late > 0);
    }

    private sealed class DepacketizingReceiver(IRtpDepacketizer depacketizer, IAccessUnitSink sink) : IRtpPacketReceiver
    {
        public void OnPacket(in RtpPacket packet, int lostBefore) => depacketizer.Push(packet.Header, packet.Payload, sink);
    }

    private sealed class Receiver : IRtpPacketReceiver
    {
        public List<(ushort Sequence, int LostBefore)> Released { get; } = [];

        public List<byte> Payloads { get; } = [];

        public void OnPacket(in RtpPacket packet, int lostBefore)
        {
            Released.Add((packet.Header.SequenceNumber, lostBefore));
            Payloads.Add(packet.Payload[0]);
        }
    }

    private sealed class CountingReceiver : IRtpPacketReceiver
    {
        public int Count { get; private set; }

        public void OnPacket(in RtpPacket packet, int lostBefore) => Count++;
    }
}
