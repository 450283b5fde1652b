using System.Buffers;
using System.Collections.Concurrent;
using Org.BouncyCastle.Tls;

namespace EdgeBox.Protocols.WebRtc.Dtls;

/// <summary>
/// The datagram path under BouncyCastle's DTLS record layer. The caller owns the socket (the ICE mux):
/// datagrams it hands in wait in a bounded queue that the record layer's blocking
/// <see cref="Receive(byte[], int, int, int)"/> takes from; records the record layer writes go
/// straight to the caller's send callback. Only one thread receives at a time (the handshake, then
/// the endpoint's receive loop); any thread may enqueue.
/// </summary>
/// <remarks>
/// Not disposable: its semaphore never creates a wait handle (nothing to free), and disposing it
/// would race with <see cref="Enqueue"/> on the mux's thread; <see cref="Shutdown"/> frees the queue.
/// </remarks>
#pragma warning disable CA1001
internal sealed class DtlsDatagramTransport(Action<ReadOnlyMemory<byte>> send) : DatagramTransport
#pragma warning restore CA1001
{
    /// <summary>
    /// Datagrams kept waiting. A handshake flight is at most a handful of datagrams (a certificate
    /// flight at a 1200-byte MTU is 2-3); 64 absorbs retransmissions and reordering, and bounds what
    /// a flood on the ICE path can hold (64 × <see cref="MaxDatagramSize"/>).
    /// </summary>
    public const int MaxQueuedDatagrams = 64;

    /// <summary>
    /// Largest record datagram sent: the WebRTC DTLS MTU of Chromium and Firefox (1200 bytes, which
    /// also fits IPv6 with tunnel overhead). BouncyCastle fragments handshake messages to fit.
    /// </summary>
    public const int SendLimit = 1200;

    /// <summary>
    /// Largest datagram accepted: one full DTLS record (2^14 plaintext + 2048 expansion, RFC 6347
    /// §4.1.1 via RFC 5246 §6.2.3) plus its header. Peers that send a whole flight in one datagram and
    /// let IP fragment it (some do, on loopback OpenSSL does) still get through.
    /// </summary>
    public const int MaxDatagramSize = 16384 + 2048 + 13;

    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> _queue = new();
    private readonly SemaphoreSlim _available = new(0, MaxQueuedDatagrams);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private volatile bool _shutdown;

    /// <summary>What a blocking receive gives up on: the handshake's deadline, then the endpoint's disposal.</summary>
    public CancellationToken ReceiveCancellation { get; set; }

    /// <summary>The negotiated suite's ciphertext shape, for <see cref="DtlsRecordFilter"/>; null before one is chosen.</summary>
    public Func<DtlsCiphertextShape?> CiphertextShape { get; set; } = static () => null;

    /// <summary>Completes when the record layer closes the transport: after close_notify or a fatal alert either way, or our own close.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>Datagrams waiting to be read.</summary>
    public int QueuedDatagrams => Volatile.Read(ref _count);

    /// <summary>Copies a datagram into the queue; false (dropped) when closed, full, empty or oversized.</summary>
    public bool Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty || datagram.Length > MaxDatagramSize || IsClosed)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > MaxQueuedDatagrams)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        _queue.Enqueue((buffer, datagram.Length));
        _available.Release();
        return true;
    }

    /// <summary>Waits until a datagram is queued without taking it, so a receive after this does not block.</summary>
    public async Task WaitForDatagramAsync(CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        _available.Release();
    }

    /// <summary>Closes the transport and returns the queued datagrams' buffers to the pool; later ones are dropped.</summary>
    public void Shutdown()
    {
        _shutdown = true;
        _closed.TrySetResult();
        while (_queue.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _count);
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    public int GetReceiveLimit() => MaxDatagramSize;

    public int GetSendLimit() => SendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    /// <summary>
    /// The next queued datagram, or -1 when none arrives within <paramref name="waitMillis"/> (0 waits
    /// without limit, as the interface defines). Throws <see cref="OperationCanceledException"/> once
    /// <see cref="ReceiveCancellation"/> fires: the record layer turns it into a failed handshake.
    /// </summary>
    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (!_available.Wait(waitMillis == 0 ? Timeout.Infinite : waitMillis, ReceiveCancellation))
        {
            return -1;
        }

        if (!_queue.TryDequeue(out var item))
        {
            return -1; // cleared meanwhile
        }

        Interlocked.Decrement(ref _count);
        try
        {
            // -1 reads as "nothing yet": the record layer goes on waiting for the rest of its time.
            if (item.Length > buffer.Length || !DtlsRecordFilter.IsAcceptable(item.Buffer.AsSpan(0, item.Length), CiphertextShape()))
            {
                return -1;
            }

            item.Buffer.AsSpan(0, item.Length).CopyTo(buffer);
            return item.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    /// <summary>Hands a record datagram to the caller; dropped after <see cref="Shutdown"/> (the caller may have closed its socket).</summary>
    public void Send(byte[] buf, int off, int len)
    {
        if (!_shutdown)
        {
            send(buf.AsMemory(off, len));
        }
    }

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (_shutdown)
        {
            return;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(copy);
            send(copy.AsMemory(0, buffer.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Called by the record layer after it sent close_notify or a fatal alert, or got one.</summary>
    public void Close() => _closed.TrySetResult();
}
