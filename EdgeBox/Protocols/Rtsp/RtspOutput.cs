using System.Collections.Concurrent;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>Fills a batch with the media that is waiting to go to a reader.</summary>
internal interface IRtspMediaSource
{
    /// <summary>Whether units are queued (checked before the sender goes idle).</summary>
    bool HasPendingMedia { get; }

    /// <summary>Adds queued media (whole interleaved frames) to <paramref name="batch"/>. Called by one sender at a time.</summary>
    void Fill(RtspOutputBatch batch);
}

/// <summary>
/// Everything one RTSP connection sends, in order, by one sender at a time: responses, RTCP reports and
/// RTP, so a response never lands between the bytes of an interleaved frame (RFC 2326 §10.12) and the
/// PLAY response is on the wire before the first packet. There is no send task: whoever has something
/// to send (the session answering a request, or the fan-out that just queued a unit on the source's
/// thread) becomes the sender if there is none, writes what the socket takes without waiting, and
/// leaves the rest to an asynchronous send whose completion goes on sending. A reader whose socket is
/// full therefore costs the source nothing: its units wait in its <see cref="Media.PathReader"/> queue,
/// where the slow-reader policy (drop to the next keyframe, then disconnect) applies.
/// </summary>
internal sealed class RtspOutput
{
    /// <summary>Units per write at most: bounds what a blocked write holds outside the reader's queue, where the slow-reader policy counts.</summary>
    private const int MaxUnitsPerWrite = 64;

    private readonly IRtspSink _sink;
    private readonly Action<Exception> _failed;
    private readonly CancellationToken _token;
    private readonly ConcurrentQueue<RtspOutputMessage> _messages = new();
    private readonly RtspOutputBatch _batch = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IRtspMediaSource? _media;
    private int _busy;
    private volatile bool _stopped;

    /// <param name="sink">Where the bytes go.</param>
    /// <param name="failed">Told once when a write fails (the connection is gone); not when <paramref name="token"/> stopped it.</param>
    /// <param name="token">Cancels a write that waits for room (the session is closing).</param>
    public RtspOutput(IRtspSink sink, Action<Exception> failed, CancellationToken token)
    {
        _sink = sink;
        _failed = failed;
        _token = token;
    }

    public IRtspSink Sink => _sink;

    /// <summary>Most units one write takes from the reader's queue.</summary>
    public static int UnitsPerWrite => MaxUnitsPerWrite;

    /// <summary>Media from <paramref name="media"/> follows what is queued now (null: no more media).</summary>
    public void SetMedia(IRtspMediaSource? media)
    {
        Volatile.Write(ref _media, media);
        Kick();
    }

    /// <summary>Queues a whole message; completes once it is written (faults when the connection failed or closed first).</summary>
    public Task WriteAsync(byte[] message)
    {
        var queued = new RtspOutputMessage(message);
        _messages.Enqueue(queued);
        Kick();
        if (_stopped)
        {
            FailQueuedMessages();
        }

        return queued.Sent;
    }

    /// <summary>Something was queued: send it now from this thread unless another sender is at work (it will take it).</summary>
    public void Kick()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            Pump();
        }
    }

    /// <summary>Stops sending; completes when no write is in flight any more and every held buffer is released.</summary>
    public Task StopAsync()
    {
        _stopped = true;
        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            Exit(null);
        }

        return _exited.Task;
    }

    /// <summary>Runs as the one sender until nothing is left or a write has to wait.</summary>
    private void Pump()
    {
        while (true)
        {
            if (_stopped)
            {
                Exit(null);
                return;
            }

            try
            {
                while (_messages.TryDequeue(out var message))
                {
                    _batch.Add(message);
                }

                Volatile.Read(ref _media)?.Fill(_batch);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or ObjectDisposedException)
            {
                Exit(ex);
                return;
            }

            if (_batch.IsEmpty)
            {
                _batch.Complete();
                Interlocked.Exchange(ref _busy, 0);
                if (!HasWork || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
                {
                    return; // idle; whoever queues next becomes the sender
                }

                continue;
            }

            ValueTask sending;
            try
            {
                sending = _sink.SendAsync(_batch, _token);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                Exit(ex);
                return;
            }

            if (!sending.IsCompletedSuccessfully)
            {
                _ = AwaitWriteAsync(sending);
                return;
            }

            _batch.Complete();
        }
    }

    private bool HasWork => _stopped || !_messages.IsEmpty || (Volatile.Read(ref _media)?.HasPendingMedia ?? false);

    /// <summary>The socket was full: finish this write when it has room, then go on as the sender (on the thread pool).</summary>
    private async Task AwaitWriteAsync(ValueTask sending)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            Exit(ex);
            return;
        }

        _batch.Complete();
        Pump();
    }

    /// <summary>The sender stops for good (it keeps <see cref="_busy"/>, so nothing is sent after this).</summary>
    private void Exit(Exception? error)
    {
        _stopped = true;
        var reason = error ?? new OperationCanceledException("the connection's output was stopped");
        _batch.Fail(reason);
        FailQueuedMessages();
        Volatile.Write(ref _media, null);
        _exited.TrySetResult();
        if (error is not null && !_token.IsCancellationRequested && error is not OperationCanceledException)
        {
            _failed(error);
        }
    }

    private void FailQueuedMessages()
    {
        while (_messages.TryDequeue(out var message))
        {
            message.Complete(new OperationCanceledException("the connection's output was stopped"));
        }
    }
}
