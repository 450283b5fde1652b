using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Where a session's bytes go: the connection's socket, or Kestrel's output pipe.</summary>
internal interface IRtspSink
{
    /// <summary>
    /// Writes the whole batch. Completes synchronously when it went out without waiting (the common
    /// case); otherwise the batch's buffers stay in use until the returned task completes.
    /// </summary>
    ValueTask SendAsync(RtspOutputBatch batch, CancellationToken token);
}

/// <summary>
/// Writes straight to the connection's socket with gathered sendmsg(2) calls from the buffers the batch
/// points to: no copy into a per-connection buffer (readers share the packets, so a keyframe no longer
/// costs its size once per reader in user space). What the kernel does not take now is sent by an
/// asynchronous socket send that waits for room. Once a connection uses this sink, every byte of it
/// must (Kestrel's own send loop would interleave).
/// </summary>
internal sealed class RtspSocketSink(Socket socket) : IRtspSink
{
    private readonly SafeSocketHandle _handle = socket.SafeHandle;
    private readonly List<GCHandle> _pins = [];
    private long _waits;

    /// <summary>Writes that found the socket full and had to wait (for tests and diagnostics).</summary>
    public long Waits => Interlocked.Read(ref _waits);

    public ValueTask SendAsync(RtspOutputBatch batch, CancellationToken token)
    {
        long sent = TrySend(batch.Segments, 0, 0);
        return sent == batch.Length ? ValueTask.CompletedTask : SendRestAsync(batch, sent, token);
    }

    private async ValueTask SendRestAsync(RtspOutputBatch batch, long sent, CancellationToken token)
    {
        Interlocked.Increment(ref _waits);
        while (sent < batch.Length)
        {
            // Find where the kernel stopped, let the socket send the rest of that range when it has
            // room, then go on gathering from the next.
            int index = 0;
            long skipped = sent;
            while (skipped >= batch.Segments[index].Count)
            {
                skipped -= batch.Segments[index].Count;
                index++;
            }

            var segment = batch.Segments[index];
            int rest = segment.Count - (int)skipped;
            await socket.SendAsync(segment.AsMemory((int)skipped, rest), SocketFlags.None, token).ConfigureAwait(false);
            sent += rest;
            if (index + 1 < batch.Count)
            {
                sent += TrySend(batch.Segments, index + 1, 0);
            }
        }
    }

    /// <summary>Sends from segment <paramref name="first"/> (at <paramref name="offset"/>) on without waiting; returns the bytes the kernel took.</summary>
    private unsafe long TrySend(ReadOnlySpan<ArraySegment<byte>> segments, int first, int offset)
    {
        long total = 0;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            nint fd = _handle.DangerousGetHandle();
            int count = Math.Min(segments.Length - first, SocketNativeMethods.MaxBuffers);
            var vectors = stackalloc SocketNativeMethods.IoVector[count];
            while (first < segments.Length)
            {
                count = Math.Min(segments.Length - first, SocketNativeMethods.MaxBuffers);
                long length = 0;
                for (int i = 0; i < count; i++)
                {
                    var segment = segments[first + i];
                    int skip = i == 0 ? offset : 0;
                    vectors[i].Base = (byte*)Pin(segment.Array!) + segment.Offset + skip;
                    vectors[i].Length = (nuint)(segment.Count - skip);
                    length += segment.Count - skip;
                }

                var message = new SocketNativeMethods.MessageHeader { Buffers = vectors, BufferCount = (nuint)count };
                long sent = SendMessage(fd, &message);
                total += sent;
                if (sent < length)
                {
                    return total; // the send buffer is full
                }

                first += count;
                offset = 0;
            }

            return total;
        }
        finally
        {
            foreach (var pin in _pins)
            {
                pin.Free();
            }

            _pins.Clear();
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private static unsafe long SendMessage(nint fd, SocketNativeMethods.MessageHeader* message)
    {
        while (true)
        {
            nint sent = SocketNativeMethods.SendMessage(fd, message, SocketNativeMethods.DontWait | SocketNativeMethods.NoSignal);
            if (sent >= 0)
            {
                return sent;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == SocketNativeMethods.WouldBlock)
            {
                return 0;
            }

            if (errno != SocketNativeMethods.Interrupted)
            {
                throw new IOException("sendmsg: " + Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
    }

    /// <summary>The address of <paramref name="array"/>'s data, pinned until the send returns (few distinct arrays per batch).</summary>
    private nint Pin(byte[] array)
    {
        for (int i = _pins.Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_pins[i].Target, array))
            {
                return _pins[i].AddrOfPinnedObject();
            }
        }

        var pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        _pins.Add(pin);
        return pin.AddrOfPinnedObject();
    }
}

/// <summary>Copies into Kestrel's output pipe (a transport without a socket, e.g. TLS or in-memory).</summary>
internal sealed class RtspPipeSink(PipeWriter output) : IRtspSink
{
    public ValueTask SendAsync(RtspOutputBatch batch, CancellationToken token)
    {
        foreach (var segment in batch.Segments)
        {
            output.Write(segment);
        }

        var flush = output.FlushAsync(token);
        if (flush.IsCompletedSuccessfully)
        {
            return flush.Result.IsCompleted ? ValueTask.FromException(Closed()) : ValueTask.CompletedTask;
        }

        return AwaitFlushAsync(flush);
    }

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        if ((await flush.ConfigureAwait(false)).IsCompleted)
        {
            throw Closed();
        }
    }

    private static IOException Closed() => new("the connection's output is closed");
}
