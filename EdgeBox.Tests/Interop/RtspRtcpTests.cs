using System.Buffers.Binary;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>RTCP sender reports from the RTSP server to a reader, seen on the wire by a raw client.</summary>
[Collection(HeavyTests.Name)]
public sealed class RtspRtcpTests : IAsyncLifetime
{
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() => _box = await RtspTestServer.StartAsync();

    public async Task DisposeAsync() => await _box.DisposeAsync();

    [Fact]
    public async Task A_tcp_reader_gets_sender_reports_on_the_rtcp_channel_with_the_rtp_ssrc_and_wall_clock_time()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = await RawRtspClient.ConnectAsync(_box.Rtsp, timeout.Token);
        await client.PlayAsync($"{_box.Rtsp}demo", timeout.Token);

        // The first report comes before the track's first RTP packet; both carry the same SSRC.
        var (firstChannel, report) = await client.ReadFrameAsync(timeout.Token);
        Assert.Equal(1, firstChannel);
        Assert.Equal(200, report[1]);
        var (rtpChannel, rtp) = await client.ReadFrameAsync(timeout.Token);
        Assert.Equal(0, rtpChannel);
        uint rtpSsrc = BinaryPrimitives.ReadUInt32BigEndian(rtp.AsSpan(8));
        Assert.Equal(rtpSsrc, BinaryPrimitives.ReadUInt32BigEndian(report.AsSpan(4)));
        ulong ntp = BinaryPrimitives.ReadUInt64BigEndian(report.AsSpan(8));
        var sent = new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(ntp >> 32);
        Assert.InRange((TimeProvider.System.GetUtcNow() - sent).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(10));
        int srLength = (BinaryPrimitives.ReadUInt16BigEndian(report.AsSpan(2)) + 1) * 4;
        Assert.Equal(202, report[srLength + 1]); // SDES (CNAME) follows in the same compound packet

        // Later reports count what was sent (every 5 s).
        while (true)
        {
            var (channel, next) = await client.ReadFrameAsync(timeout.Token);
            if (channel == 1 && next[1] == 200)
            {
                Assert.True(BinaryPrimitives.ReadUInt32BigEndian(next.AsSpan(20)) > 0); // packets sent
                return;
            }
        }
    }
}
