using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeBox.Configuration;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtsp;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

/// <summary>
/// The ordered output of an RTSP connection: media from a path reader and whole messages, through the
/// socket sink (gathered sendmsg, real loopback sockets) and the pipe sink.
/// </summary>
public sealed class RtspOutputTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly MediaBufferPool _pool = new();

    [Fact]
    public async Task Socket_sink_sends_units_in_order_without_copies_and_releases_them_once_written()
    {
        using var pair = await SocketPair.OpenAsync();
        var (path, source, reader) = Publish();
        var output = new RtspOutput(new RtspSocketSink(pair.Server), _ => { }, CancellationToken.None);
        reader.Listen(new Kicker(output));
        output.SetMedia(new ReaderMedia(reader));

        var expected = new List<byte[]>();
        for (int i = 0; i < 200; i++)
        {
            byte[] payload = Payload(i, 1000 + (i * 37 % 5000));
            expected.Add(payload);
            source.Write(Frame(i == 0, i, payload));
        }

        var received = await ReadFramesAsync(pair.Client, expected.Count);
        Assert.Equal(expected, received);
        await output.StopAsync();
        reader.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
        GC.KeepAlive(path);
    }

    [Fact]
    public async Task A_full_socket_keeps_the_rest_of_a_write_and_the_queue_and_sends_them_when_the_peer_reads()
    {
        using var pair = await SocketPair.OpenAsync();
        pair.Server.SendBufferSize = 16 * 1024;
        pair.Client.ReceiveBufferSize = 16 * 1024;
        var (path, source, reader) = Publish();
        var output = new RtspOutput(new RtspSocketSink(pair.Server), _ => { }, CancellationToken.None);
        reader.Listen(new Kicker(output));
        output.SetMedia(new ReaderMedia(reader));

        // Far more than the socket buffers hold, with the peer not reading: the fan-out must not block.
        var expected = new List<byte[]>();
        for (int i = 0; i < 100; i++)
        {
            byte[] payload = Payload(i, 60_000);
            expected.Add(payload);
            source.Write(Frame(i == 0, i, payload));
        }

        Assert.True(_pool.Outstanding > 0); // held by the write in flight and the reader's queue
        var received = await ReadFramesAsync(pair.Client, expected.Count);
        Assert.Equal(expected, received);
        await output.StopAsync();
        reader.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
        GC.KeepAlive(path);
    }

    [Fact]
    public async Task Stopping_cancels_a_write_that_waits_for_a_peer_that_never_reads_and_releases_everything()
    {
        using var pair = await SocketPair.OpenAsync();
        pair.Server.SendBufferSize = 16 * 1024;
        pair.Client.ReceiveBufferSize = 16 * 1024;
        using var closing = new CancellationTokenSource();
        var (path, source, reader) = Publish();
        var output = new RtspOutput(new RtspSocketSink(pair.Server), _ => { }, closing.Token);
        reader.Listen(new Kicker(output));
        output.SetMedia(new ReaderMedia(reader));
        for (int i = 0; i < 50; i++)
        {
            source.Write(Frame(i == 0, i, Payload(i, 60_000)));
        }

        var response = output.WriteAsync(Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nCSeq: 9\r\n\r\n"));
        Assert.False(response.IsCompleted); // behind the media the socket cannot take
        Assert.True(((RtspSocketSink)output.Sink).Waits > 0);

        // What a session does when it ends: cancel, drop the reader, stop the output.
        await closing.CancelAsync();
        reader.Dispose();
        await output.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => response);
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
        GC.KeepAlive(path);
    }

    [Fact]
    public async Task Messages_are_never_split_by_media_and_complete_once_written()
    {
        using var pair = await SocketPair.OpenAsync();
        var (path, source, reader) = Publish();
        var output = new RtspOutput(new RtspSocketSink(pair.Server), _ => { }, CancellationToken.None);
        reader.Listen(new Kicker(output));
        output.SetMedia(new ReaderMedia(reader));

        var reading = ReadStrictAsync(pair.Client, 300, 50);
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 300; i++)
            {
                source.Write(Frame(i == 0, i, Payload(i, 3000 + (i % 7 * 1000))));
            }
        });
        var responses = new List<Task>();
        for (int i = 0; i < 50; i++)
        {
            responses.Add(output.WriteAsync(Encoding.ASCII.GetBytes($"RTSP/1.0 200 OK\r\nCSeq: {i}\r\n\r\n")));
            await Task.Yield();
        }

        await writer;
        await Task.WhenAll(responses);
        var (frames, messages) = await reading;
        Assert.Equal(300, frames);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"RTSP/1.0 200 OK\r\nCSeq: {i}\r\n\r\n"), messages);
        await output.StopAsync();
        reader.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
        GC.KeepAlive(path);
    }

    [Fact]
    public async Task Fan_out_to_socket_readers_allocates_nothing_per_unit()
    {
        var pairs = new List<SocketPair>();
        var (path, source, first) = Publish();
        var readers = new List<PathReader> { first };
        var outputs = new List<RtspOutput>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var pair = await SocketPair.OpenAsync();
                pairs.Add(pair);
                var reader = i == 0 ? first : path.TryAddReader("test", 0)!;
                if (i > 0)
                {
                    readers.Add(reader);
                }

                var output = new RtspOutput(new RtspSocketSink(pair.Server), _ => { }, CancellationToken.None);
                outputs.Add(output);
                reader.Listen(new Kicker(output));
                output.SetMedia(new ReaderMedia(reader));
            }

            // Blocking reads on threads of their own: an asynchronous reader would allocate per receive.
            var drains = pairs.Select(p => Task.Factory.StartNew(() => Drain(p.Client), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();

            // One buffer written again and again (the path and every reader take references): what is
            // measured is the fan-out and the sends, not the making of units. Paced so the sockets drain.
            var unit = Frame(true, 0, Payload(1, 12_000));
            void WriteSome(int count, int from)
            {
                for (int i = 0; i < count; i++)
                {
                    source.Write(unit.AddRef() with { Keyframe = (from + i) % 5 == 0, Pts = from + i });
                    if (i % 20 == 19)
                    {
                        Thread.Sleep(1);
                    }
                }
            }

            WriteSome(200, 0); // warm-up: queues and lists reach their size
            long before = GC.GetAllocatedBytesForCurrentThread(); // the fan-out sends on this thread
            WriteSome(1000, 200);
            long perUnit = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
            unit.Release();
            long waits = outputs.Sum(o => ((RtspSocketSink)o.Sink).Waits);
            Assert.True(perUnit < 64, $"{perUnit} bytes allocated per unit fanned out to 8 readers ({waits} writes waited)");
            GC.KeepAlive(drains);
        }
        finally
        {
            foreach (var output in outputs)
            {
                await output.StopAsync();
            }

            readers.ForEach(r => r.Dispose());
            source.Dispose();
            pairs.ForEach(p => p.Dispose());
        }
    }

    [Fact]
    public async Task Pipe_sink_writes_the_same_bytes_in_order()
    {
        var pipe = new Pipe();
        var output = new RtspOutput(new RtspPipeSink(pipe.Writer), _ => { }, CancellationToken.None);
        var (path, source, reader) = Publish();
        await output.WriteAsync(Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"));
        reader.Listen(new Kicker(output));
        output.SetMedia(new ReaderMedia(reader));
        source.Write(Frame(true, 0, Payload(0, 100)));
        source.Write(Frame(false, 1, Payload(1, 200)));
        await output.WriteAsync(Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await pipe.Reader.ReadAtLeastAsync((2 * 28) + 104 + 204, timeout.Token);
        byte[] bytes = read.Buffer.ToArray();
        Assert.StartsWith("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n$", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.EndsWith("RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal((2 * 28) + 104 + 204, bytes.Length);
        Assert.Equal(100, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(28 + 2)));
        Assert.Equal(200, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(28 + 104 + 2)));
        await output.StopAsync();
        reader.Dispose();
        source.Dispose();
        Assert.Equal(0, _pool.Outstanding);
        GC.KeepAlive(path);
    }

    [Fact]
    public async Task A_write_that_fails_reports_once_and_fails_queued_messages()
    {
        using var pair = await SocketPair.OpenAsync();
        var failures = new List<Exception>();
        var output = new RtspOutput(new RtspSocketSink(pair.Server), failures.Add, CancellationToken.None);
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close(); // reset: the next writes fail
        await Task.Delay(50);
        var first = output.WriteAsync(new byte[100]);
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await first;
            await output.WriteAsync(new byte[100]);
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => output.WriteAsync(new byte[10]));
        Assert.Single(failures);
        await output.StopAsync();
    }

    private (MediaPath Path, PathSource Source, PathReader Reader) Publish()
    {
        var path = new MediaPath("cam", PathConfig.BuiltInDefaults, new MediaOptions(), _time, _ => { });
        Assert.Equal(PublishRefusal.None, path.TryPublish("pub", "test", [new MediaTrack(0, CodecId.H264, 90000, 0, CodecParameters.None)], false, out var source));
        return (path, source!, path.TryAddReader("test", 0)!);
    }

    private static byte[] Payload(int index, int length)
    {
        var payload = new byte[length];
        BinaryPrimitives.WriteInt32BigEndian(payload, index);
        for (int i = 4; i < length; i++)
        {
            payload[i] = (byte)(index + i);
        }

        return payload;
    }

    /// <summary>A unit whose bytes are one interleaved frame (as the packetizer's attachment is).</summary>
    private AccessUnit Frame(bool keyframe, long pts, byte[] payload)
    {
        var buffer = _pool.Rent(4 + payload.Length);
        RtspWriter.WriteInterleavedHeader(buffer.WritableSpan, 0, payload.Length);
        payload.CopyTo(buffer.WritableSpan[4..]);
        return new AccessUnit(0, pts, keyframe, buffer, _time.GetTimestamp());
    }

    private static async Task<List<byte[]>> ReadFramesAsync(Socket socket, int count)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var frames = new List<byte[]>();
        var header = new byte[4];
        while (frames.Count < count)
        {
            await stream.ReadExactlyAsync(header, timeout.Token);
            Assert.Equal((byte)'$', header[0]);
            var payload = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2))];
            await stream.ReadExactlyAsync(payload, timeout.Token);
            frames.Add(payload);
        }

        return frames;
    }

    /// <summary>Reads interleaved frames and whole messages; anything else (a message cut by a frame) fails.</summary>
    private static async Task<(int Frames, List<string> Messages)> ReadStrictAsync(Socket socket, int frames, int messages)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var texts = new List<string>();
        int seen = 0;
        var one = new byte[1];
        while (seen < frames || texts.Count < messages)
        {
            await stream.ReadExactlyAsync(one, timeout.Token);
            if (one[0] == '$')
            {
                var header = new byte[3];
                await stream.ReadExactlyAsync(header, timeout.Token);
                await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1))], timeout.Token);
                seen++;
                continue;
            }

            var text = new StringBuilder().Append((char)one[0]);
            while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                await stream.ReadExactlyAsync(one, timeout.Token);
                Assert.NotEqual((byte)'$', one[0]);
                text.Append((char)one[0]);
            }

            Assert.StartsWith("RTSP/1.0 200 OK\r\n", text.ToString(), StringComparison.Ordinal);
            texts.Add(text.ToString());
        }

        return (seen, texts);
    }

    private static void Drain(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.Receive(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed at the end of the test.
        }
    }

    private sealed class Kicker(RtspOutput output) : IPathReaderListener
    {
        public void OnUnitsQueued() => output.Kick();
    }

    /// <summary>What RtspSession does for a reader whose channel matches the packetizer's: each unit is one range.</summary>
    private sealed class ReaderMedia(PathReader reader) : IRtspMediaSource
    {
        public bool HasPendingMedia => reader.Units.Count > 0;

        public void Fill(RtspOutputBatch batch)
        {
            while (batch.HeldBuffers < RtspOutput.UnitsPerWrite && reader.Units.TryRead(out var unit))
            {
                batch.Add(unit.Buffer.Segment);
                batch.Hold(unit.Buffer);
            }
        }
    }

    private sealed class SocketPair : IDisposable
    {
        private SocketPair(Socket server, Socket client)
        {
            Server = server;
            Client = client;
        }

        public Socket Server { get; }

        public Socket Client { get; }

        public static async Task<SocketPair> OpenAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var accept = listener.AcceptAsync();
            await client.ConnectAsync(listener.LocalEndPoint!);
            var server = await accept;
            server.NoDelay = true;
            return new SocketPair(server, client);
        }

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
        }
    }
}
