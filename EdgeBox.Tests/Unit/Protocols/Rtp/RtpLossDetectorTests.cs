using EdgeBox.Protocols.Rtp;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Protocols.Rtp;

/// <summary>The receiver's NACK scheduling, with a fake clock.</summary>
public sealed class RtpLossDetectorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ushort[] _list = new ushort[64];

    [Fact]
    public void Gaps_are_asked_for_at_once_oldest_first()
    {
        var detector = new RtpLossDetector(_time);
        Feed(detector, 0, 1, 2, 5, 6, 9);
        Assert.Equal(4, detector.Missing);
        Assert.Equal([3, 4, 7, 8], Nacks(detector));
        Assert.Empty(Nacks(detector)); // not again before a round trip
        Assert.Equal(4, detector.Requested);

        // What the list is for: a NACK carrying exactly those.
        var buffer = new byte[64];
        int length = RtcpNack.Write(buffer, 1, 2, [3, 4, 7, 8]);
        var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
        Assert.True(reader.MoveNext());
        Assert.True(RtcpNack.TryParse(reader.Current, out var nack));
        Assert.Equal(1, nack.ItemCount);
    }

    [Fact]
    public void A_late_or_retransmitted_packet_fills_its_gap()
    {
        var detector = new RtpLossDetector(_time);
        Feed(detector, 10, 12, 13, 11);
        Assert.Equal((0, 1L), (detector.Missing, detector.Recovered));
        Assert.Empty(Nacks(detector));

        Feed(detector, 16);
        Assert.Equal([14, 15], Nacks(detector));
        Feed(detector, 15, 15, 12); // the retransmission, a duplicate, an old one
        Assert.Equal((1, 2L), (detector.Missing, detector.Recovered));
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(150, 150)]
    [InlineData(2, 20)] // a short round trip still spaces requests 20 ms apart
    [InlineData(0, 20)]
    public void Requests_repeat_a_round_trip_apart_three_times_then_give_up(int rttMs, int intervalMs)
    {
        var detector = new RtpLossDetector(_time) { Rtt = TimeSpan.FromMilliseconds(rttMs) };
        Feed(detector, 0, 2);
        for (int request = 1; request <= 3; request++)
        {
            Assert.Equal([1], Nacks(detector));
            Advance(intervalMs - 1);
            Assert.Empty(Nacks(detector));
            Assert.Equal(1, detector.Missing); // after the third, a last round trip for it to be answered
            Advance(1);
        }

        Assert.Empty(Nacks(detector));
        Assert.Equal((0, 1L, 3L), (detector.Missing, detector.GivenUp, detector.Requested));
        Assert.Throws<ArgumentOutOfRangeException>(() => detector.Rtt = TimeSpan.FromMilliseconds(-1));
    }

    [Fact]
    public void Missing_packets_are_given_up_after_the_max_age()
    {
        var detector = new RtpLossDetector(_time, maxRequests: 10) { Rtt = TimeSpan.FromMilliseconds(300) };
        Feed(detector, 0, 2);
        Assert.Equal([1], Nacks(detector));
        Advance(300);
        Assert.Equal([1], Nacks(detector));
        Advance(300);
        Feed(detector, 3, 5);
        Assert.Equal([1, 4], Nacks(detector));
        Advance(300);
        Assert.Equal([1, 4], Nacks(detector));
        Advance(100); // 1 s since 1 went missing, 400 ms since 4 did
        Assert.Empty(Nacks(detector));
        Assert.Equal((1, 1L), (detector.Missing, detector.GivenUp));
    }

    [Fact]
    public void A_gap_that_falls_out_of_the_512_number_window_is_given_up()
    {
        var detector = new RtpLossDetector(_time);
        Feed(detector, 0, 2);
        for (ushort seq = 3; seq < 513; seq++)
        {
            Feed(detector, seq);
        }

        Assert.Equal(1, detector.Missing); // 511 behind
        Feed(detector, 513); // 512 behind: the window is the newest and the 511 before it
        Assert.Equal((0, 1L), (detector.Missing, detector.GivenUp));
        Assert.Empty(Nacks(detector));
    }

    [Fact]
    public void Gaps_across_the_wrap_are_found()
    {
        var detector = new RtpLossDetector(_time);
        Feed(detector, 65533, 65534, 1, 3);
        Assert.Equal([65535, 0, 2], Nacks(detector));
    }

    [Fact]
    public void A_far_jump_is_a_stray_unless_the_next_packet_follows_it()
    {
        var detector = new RtpLossDetector(_time);
        Feed(detector, 100, 102, 40_000, 103);
        Assert.Equal(1, detector.Missing);
        Assert.Equal([101], Nacks(detector));

        // The sender restarted: two packets in a row far away. Nothing in the jump is asked for.
        Feed(detector, 20_000, 20_001, 20_003);
        Assert.Equal((1, 1L), (detector.Missing, detector.GivenUp));
        Assert.Equal([20_002], Nacks(detector));

        // A burst loss longer than the window restarts the same way, backwards as well.
        Feed(detector, 10_000, 10_001);
        Assert.Equal((0, 2L), (detector.Missing, detector.GivenUp));
    }

    [Fact]
    public void The_list_is_cut_at_the_destination_and_goes_on_next_time()
    {
        var detector = new RtpLossDetector(_time);
        Feed(detector, 0, 100);
        var small = new ushort[40];
        Assert.Equal(40, detector.GetNackList(_time.GetTimestamp(), small));
        Assert.Equal(1, small[0]);
        Assert.Equal(40, detector.GetNackList(_time.GetTimestamp(), small));
        Assert.Equal(41, small[0]);
        Assert.Equal(19, detector.GetNackList(_time.GetTimestamp(), small));
        Assert.Equal(0, detector.GetNackList(_time.GetTimestamp(), small));
        Assert.Equal(99, detector.Requested);
    }

    [Fact]
    public void Time_until_due_tells_when_to_look_again()
    {
        var detector = new RtpLossDetector(_time) { Rtt = TimeSpan.FromMilliseconds(40) };
        Assert.Null(detector.GetTimeUntilDue(_time.GetTimestamp()));
        Feed(detector, 0, 2);
        Assert.Equal(TimeSpan.Zero, detector.GetTimeUntilDue(_time.GetTimestamp()));
        Nacks(detector);
        Assert.Equal(TimeSpan.FromMilliseconds(40), detector.GetTimeUntilDue(_time.GetTimestamp()));
        Advance(15);
        Assert.Equal(TimeSpan.FromMilliseconds(25), detector.GetTimeUntilDue(_time.GetTimestamp()));
        Feed(detector, 1);
        Assert.Null(detector.GetTimeUntilDue(_time.GetTimestamp()));

        detector.Reset();
        Feed(detector, 7, 9);
        Assert.Equal([8], Nacks(detector));
    }

    [Fact]
    public void Tracking_loss_allocates_nothing()
    {
        var detector = new RtpLossDetector(_time);
        var random = new Random(4588);
        var drops = Enumerable.Range(0, 1000).Select(_ => random.Next(10) == 0).ToArray();
        ushort seq = 0;
        long now = _time.GetTimestamp();
        long step = _time.TimestampFrequency / 1000;
        void Round()
        {
            for (int i = 0; i < drops.Length; i++, seq++, now += step)
            {
                if (!drops[i])
                {
                    detector.OnPacket(seq, now);
                }

                if (i % 10 == 0)
                {
                    detector.GetNackList(now, _list);
                    detector.GetTimeUntilDue(now);
                }
            }
        }

        Round();
        Assert.Equal(0, Allocations.FewestPerBatch(Round, 20, out _));
        Assert.True(detector.Requested > 1000);
    }

    private void Feed(RtpLossDetector detector, params ushort[] sequenceNumbers)
    {
        foreach (ushort seq in sequenceNumbers)
        {
            detector.OnPacket(seq, _time.GetTimestamp());
        }
    }

    private ushort[] Nacks(RtpLossDetector detector) => _list[..detector.GetNackList(_time.GetTimestamp(), _list)];

    private void Advance(int milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));
}
