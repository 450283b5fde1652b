using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>
/// RTSP over TCP carries responses and interleaved frames on one connection (RFC 2326 §10.12). The
/// server sends media straight to the socket from the fan-out while the session answers requests: a
/// raw reader keeps asking during PLAY and parses every byte it receives strictly.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class RtspInterleavingTests : IAsyncLifetime
{
    private const int Requests = 150;
    private RtspTestServer _box = null!;

    public async Task InitializeAsync() => _box = await RtspTestServer.StartWithConfigAsync("""
        paths:
          "~^live/.+$": {}
        """);

    public async Task DisposeAsync() => await _box.DisposeAsync();

    [Fact]
    public async Task Responses_while_media_flows_are_never_split_by_interleaved_frames()
    {
        // 720p at 2 Mbit/s with a keyframe every second: frames of tens of kilobytes beside each response.
        var publisher = _box.Track(ExternalProcess.Start("ffmpeg",
            "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
            "-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-b:v", "2M", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-f", "rtsp", "-rtsp_transport", "tcp", $"{_box.Rtsp}live/mixed"));
        await _box.WaitReadyAsync("live/mixed", publisher);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_box.Rtsp.Host, _box.Rtsp.Port, timeout.Token);
        var wire = new StrictReader(tcp.GetStream());
        string url = $"{_box.Rtsp}live/mixed";
        int cseq = 0;

        async Task<string> RequestAsync(string method, string target, string headers)
        {
            await wire.WriteAsync($"{method} {target} RTSP/1.0\r\nCSeq: {++cseq}\r\n{headers}\r\n", timeout.Token);
            var item = await wire.ReadAsync(timeout.Token);
            Assert.NotNull(item.Message);
            return item.Message;
        }

        Assert.StartsWith("RTSP/1.0 200", await RequestAsync("DESCRIBE", url, "Accept: application/sdp\r\n"), StringComparison.Ordinal);
        string setup = await RequestAsync("SETUP", url + "/trackID=0", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
        string session = setup.Split("\r\n").First(l => l.StartsWith("Session:", StringComparison.Ordinal))[8..].Split(';')[0].Trim();
        Assert.StartsWith("RTSP/1.0 200", await RequestAsync("SETUP", url + "/trackID=1", $"Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\nSession: {session}\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("RTSP/1.0 200", await RequestAsync("PLAY", url, $"Session: {session}\r\n"), StringComparison.Ordinal);

        // Keep-alives and OPTIONS every 20 ms while the media flows; read everything as it comes.
        int first = cseq + 1;
        var asking = Task.Run(async () =>
        {
            for (int i = 0; i < Requests; i++)
            {
                string method = i % 3 == 2 ? "OPTIONS" : "GET_PARAMETER";
                await wire.WriteAsync($"{method} {url} RTSP/1.0\r\nCSeq: {first + i}\r\nSession: {session}\r\n\r\n", timeout.Token);
                await Task.Delay(20, timeout.Token);
            }
        });

        int expected = first, rtp = 0, rtcp = 0, mediaBetween = 0, rtpSinceResponse = 0;
        var sequence = new Dictionary<byte, ushort>();
        while (expected < first + Requests)
        {
            var item = await wire.ReadAsync(timeout.Token);
            if (item.Message is { } message)
            {
                Assert.StartsWith("RTSP/1.0 200 OK\r\n", message, StringComparison.Ordinal);
                Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), Header(message, "CSeq"));
                if ((expected - first) % 3 != 2)
                {
                    Assert.Equal(session, Header(message, "Session")?.Split(';')[0]); // GET_PARAMETER (OPTIONS has none)
                }

                if (rtpSinceResponse > 0)
                {
                    mediaBetween++; // this response came between media packets
                }

                rtpSinceResponse = 0;
                expected++;
                continue;
            }

            var payload = item.Payload!;
            Assert.Equal(2, payload[0] >> 6); // RTP and RTCP version 2
            if (item.Channel is 0 or 2)
            {
                // Every packet arrives, in order: nothing was lost or cut at a response.
                ushort seq = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2));
                if (sequence.TryGetValue(item.Channel, out ushort last))
                {
                    Assert.Equal((ushort)(last + 1), seq);
                }

                sequence[item.Channel] = seq;
                rtp++;
                rtpSinceResponse++;
            }
            else
            {
                Assert.True(item.Channel is 1 or 3, $"channel {item.Channel}");
                Assert.InRange(payload[1], 200, 204);
                rtcp++;
            }
        }

        await asking;
        Assert.True(rtp > 300, $"{rtp} RTP packets");
        Assert.True(rtcp >= 2, $"{rtcp} RTCP packets");
        Assert.True(mediaBetween > Requests / 4, $"media arrived between only {mediaBetween} of {Requests} responses");
        Assert.True(sequence.ContainsKey(2), "no audio");
        Assert.False(publisher.HasExited, publisher.StandardError);
    }

    private static string? Header(string message, string name) =>
        message.Split("\r\n").FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim();

    /// <summary>Reads one interleaved frame or one whole response; any other byte fails the test.</summary>
    private sealed class StrictReader(NetworkStream stream)
    {
        private readonly SemaphoreSlim _writing = new(1, 1);
        private readonly byte[] _buffer = new byte[256 * 1024];
        private int _start;
        private int _end;

        public async Task WriteAsync(string text, CancellationToken token)
        {
            await _writing.WaitAsync(token);
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(text), token);
            }
            finally
            {
                _writing.Release();
            }
        }

        public async Task<(string? Message, byte Channel, byte[]? Payload)> ReadAsync(CancellationToken token)
        {
            await FillAsync(1, token);
            if (_buffer[_start] == '$')
            {
                await FillAsync(4, token);
                byte channel = _buffer[_start + 1];
                int length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
                Assert.True(length >= 8, $"an interleaved frame of {length} bytes");
                await FillAsync(4 + length, token);
                var payload = _buffer.AsSpan(_start + 4, length).ToArray();
                _start += 4 + length;
                return (null, channel, payload);
            }

            Assert.True(_buffer[_start] == 'R', $"byte 0x{_buffer[_start]:x2} starts neither a response nor an interleaved frame");
            int end;
            while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                Assert.True(_end - _start < 8192, "a response head longer than 8 KiB");
                await FillAsync(_end - _start + 1, token);
            }

            string head = Encoding.ASCII.GetString(_buffer, _start, end + 4);
            Assert.DoesNotContain('$', head); // a frame's header inside a response would show here
            int body = Header(head, "Content-Length") is { } contentLength ? int.Parse(contentLength, CultureInfo.InvariantCulture) : 0;
            await FillAsync(end + 4 + body, token);
            string message = head + Encoding.UTF8.GetString(_buffer, _start + end + 4, body);
            _start += end + 4 + body;
            return (message, 0, null);
        }

        private async Task FillAsync(int count, CancellationToken token)
        {
            if (_start + count > _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            while (_end - _start < count)
            {
                int read = await stream.ReadAsync(_buffer.AsMemory(_end), token);
                Assert.True(read > 0, "the server closed the connection");
                _end += read;
            }
        }
    }
}
