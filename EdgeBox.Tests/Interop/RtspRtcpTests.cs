using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
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
        using var client = new TcpClient();
        await client.ConnectAsync(_box.Rtsp.Host, _box.Rtsp.Port);
        var stream = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string url = $"{_box.Rtsp}demo";
        await SendAsync(stream, $"DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n", timeout.Token);
        string describe = await ReadResponseAsync(stream, timeout.Token);
        Assert.StartsWith("RTSP/1.0 200", describe, StringComparison.Ordinal);
        await SendAsync(stream, $"SETUP {url}/trackID=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n", timeout.Token);
        string setup = await ReadResponseAsync(stream, timeout.Token);
        string session = setup.Split("\r\n").First(l => l.StartsWith("Session:", StringComparison.Ordinal))[8..].Split(';')[0].Trim();
        await SendAsync(stream, $"PLAY {url} RTSP/1.0\r\nCSeq: 3\r\nSession: {session}\r\n\r\n", timeout.Token);
        Assert.StartsWith("RTSP/1.0 200", await ReadResponseAsync(stream, timeout.Token), StringComparison.Ordinal);

        // The first report comes before the track's first RTP packet; both carry the same SSRC.
        var (firstChannel, report) = await ReadFrameAsync(stream, timeout.Token);
        Assert.Equal(1, firstChannel);
        Assert.Equal(200, report[1]);
        var (rtpChannel, rtp) = await ReadFrameAsync(stream, timeout.Token);
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
            var (channel, next) = await ReadFrameAsync(stream, timeout.Token);
            if (channel == 1 && next[1] == 200)
            {
                Assert.True(BinaryPrimitives.ReadUInt32BigEndian(next.AsSpan(20)) > 0); // packets sent
                return;
            }
        }
    }

    private static Task SendAsync(NetworkStream stream, string text, CancellationToken token) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), token).AsTask();

    private static async Task<string> ReadResponseAsync(NetworkStream stream, CancellationToken token)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, token);
            head.Append((char)one[0]);
        }

        string text = head.ToString();
        var length = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            var body = new byte[int.Parse(length[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body, token);
            text += Encoding.UTF8.GetString(body);
        }

        return text;
    }

    private static async Task<(byte Channel, byte[] Payload)> ReadFrameAsync(NetworkStream stream, CancellationToken token)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, token);
        Assert.Equal((byte)'$', header[0]);
        var payload = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2))];
        await stream.ReadExactlyAsync(payload, token);
        return (header[1], payload);
    }
}
