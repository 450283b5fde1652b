using System.Threading.Channels;

namespace EdgeBox.Media;

/// <summary>Why a reader stopped receiving.</summary>
internal enum ReaderCloseReason
{
    /// <summary>The reader's session ended (it disposed itself).</summary>
    Left,

    /// <summary>The reader stayed behind the source longer than allowed and was dropped.</summary>
    TooSlow,

    /// <summary>The path's tracks changed (a new publisher with other codecs); the reader must renegotiate.</summary>
    TracksChanged,

    /// <summary>The path was removed from the configuration or kicked by the API.</summary>
    Closed,
}

/// <summary>
/// A consumer that sends on the thread that wrote the unit instead of waiting on <see cref="PathReader.Units"/>
/// (the RTSP server over a socket: a task wake-up per frame per reader costs more than the send).
/// </summary>
internal interface IPathReaderListener
{
    /// <summary>
    /// Units were queued. Called on the source's thread after the path's lock is released, once per
    /// written unit at most; must not block: send what the socket takes now and leave the rest to an
    /// asynchronous send.
    /// </summary>
    void OnUnitsQueued();
}

/// <summary>
/// One consumer of a path (an RTSP/RTMP/HLS session, the recorder, a decoder). Access units reach it
/// through its own bounded queue, filled by the source without ever waiting: a reader that falls
/// behind loses what is queued and resumes at the next keyframe; one that stays behind longer than
/// <see cref="MediaOptions.ReaderMaxLag"/> is dropped. The consumer reads <see cref="Units"/> and
/// releases every unit it takes.
/// </summary>
internal sealed class PathReader : IDisposable
{
    private readonly Channel<AccessUnit> _queue = Channel.CreateUnbounded<AccessUnit>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = true, AllowSynchronousContinuations = false });

    private readonly MediaPath _path;
    private readonly MediaOptions _options;
    private readonly TaskCompletionSource<ReaderCloseReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _skipping;
    private long _behindSince = -1;
    private int _queuedSinceDrain;
    private long _framesDropped;
    private long _framesSent;
    private long _bytesSent;
    private IPathReaderListener? _listener;
    private int _signal;

    internal PathReader(MediaPath path, string id, string kind, MediaOptions options, bool startSkipping)
    {
        _path = path;
        Id = id;
        Kind = kind;
        _options = options;
        _skipping = startSkipping; // a reader of a video path starts at a keyframe, never mid-GOP
    }

    public string Id { get; }

    /// <summary>What the reader is: "rtsp", "recorder", "decoder"...</summary>
    public string Kind { get; }

    public MediaPath Path => _path;

    public ChannelReader<AccessUnit> Units => _queue.Reader;

    /// <summary>Completes when the reader stops receiving, with the reason.</summary>
    public Task<ReaderCloseReason> Closed => _closed.Task;

    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>
    /// From now on <paramref name="listener"/> is told of queued units (see <see cref="IPathReaderListener"/>).
    /// Units queued before (the cached GOP) are not signalled: the consumer takes them when it starts.
    /// </summary>
    public void Listen(IPathReaderListener listener) => Volatile.Write(ref _listener, listener);

    /// <summary>Called by the path after its lock is released: tells the listener if <see cref="Offer"/> queued something.</summary>
    internal void Signal()
    {
        if (Volatile.Read(ref _signal) != 0 && Volatile.Read(ref _listener) is { } listener
            && Interlocked.Exchange(ref _signal, 0) != 0 && !_closed.Task.IsCompleted)
        {
            listener.OnUnitsQueued();
        }
    }

    /// <summary>
    /// Called by the path (under its lock, from the source's thread) for every unit. Takes its own
    /// reference when it queues the unit. Returns false when the reader must be dropped as too slow.
    /// </summary>
    internal bool Offer(in AccessUnit unit, bool resumePoint, long now)
    {
        if (_closed.Task.IsCompleted)
        {
            return true;
        }

        if (_skipping)
        {
            if (!resumePoint)
            {
                Interlocked.Increment(ref _framesDropped);
                return true;
            }

            _skipping = false;
        }

        int queued = _queue.Reader.Count;
        if (queued >= _options.ReaderQueueSize)
        {
            // Behind: what is queued is stale. Throw it away and wait for the next keyframe, so the
            // reader resumes with a decodable picture instead of corrupt video.
            Interlocked.Add(ref _framesDropped, Drain() + 1);
            _queuedSinceDrain = 0;
            _skipping = true;
            _path.RequestKeyframe(); // an encoding source makes one now instead of at the end of its GOP
            if (_behindSince < 0)
            {
                _behindSince = now;
            }
            else if (_path.Time.GetElapsedTime(_behindSince, now) > _options.ReaderMaxLag)
            {
                Close(ReaderCloseReason.TooSlow);
                return false;
            }

            return true;
        }

        if (queued == 0 && _queuedSinceDrain > 0)
        {
            _behindSince = -1; // the consumer took everything queued since it fell behind: caught up
        }

        _queuedSinceDrain++;
        _queue.Writer.TryWrite(unit.AddRef());
        Volatile.Write(ref _signal, 1);
        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _bytesSent, unit.Buffer.Length);
        return true;
    }

    /// <summary>Stops the reader: no more units; what is queued is released.</summary>
    internal void Close(ReaderCloseReason reason)
    {
        if (_closed.TrySetResult(reason))
        {
            _queue.Writer.TryComplete();
            Drain();
        }
    }

    /// <summary>The consumer is done: leave the path and release what is queued.</summary>
    public void Dispose()
    {
        _path.RemoveReader(this);
        Close(ReaderCloseReason.Left);
    }

    private int Drain()
    {
        int count = 0;
        while (_queue.Reader.TryRead(out var unit))
        {
            unit.Release();
            count++;
        }

        return count;
    }
}
