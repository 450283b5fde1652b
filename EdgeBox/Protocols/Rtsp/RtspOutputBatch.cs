using EdgeBox.Media;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// What one write to a reader's connection carries: a list of byte ranges sent in order with one
/// gathered write. Most point into buffers every reader shares (a unit's RTP packets, held by a
/// reference until the write completed); small pieces of the session's own (interleaved headers, RTCP
/// reports) come from <see cref="Reserve"/>; responses are whole messages. Whole messages and whole
/// interleaved frames only: nothing else can come between their bytes on the wire.
/// </summary>
internal sealed class RtspOutputBatch
{
    /// <summary>Size of one chunk of the session's own bytes (a 4-byte header per packet, a ~60-byte SR).</summary>
    private const int ChunkSize = 1024;

    private readonly List<MediaBuffer> _held = [];
    private readonly List<RtspOutputMessage> _messages = [];
    private readonly List<byte[]> _chunks = [];
    private ArraySegment<byte>[] _segments = new ArraySegment<byte>[16];
    private int _chunk = -1;
    private int _chunkUsed = ChunkSize;

    public int Count { get; private set; }

    /// <summary>Bytes in the batch.</summary>
    public long Length { get; private set; }

    public bool IsEmpty => Count == 0;

    public ReadOnlySpan<ArraySegment<byte>> Segments => _segments.AsSpan(0, Count);

    /// <summary>Units whose buffers the batch holds (a bound on how much one write carries).</summary>
    public int HeldBuffers => _held.Count;

    /// <summary>Appends bytes that stay valid until the batch completes (joined to the previous range when contiguous).</summary>
    public void Add(ArraySegment<byte> segment)
    {
        if (segment.Count == 0)
        {
            return;
        }

        Length += segment.Count;
        if (Count > 0)
        {
            ref var last = ref _segments[Count - 1];
            if (ReferenceEquals(last.Array, segment.Array) && last.Offset + last.Count == segment.Offset)
            {
                last = new ArraySegment<byte>(last.Array!, last.Offset, last.Count + segment.Count);
                return;
            }
        }

        if (Count == _segments.Length)
        {
            Array.Resize(ref _segments, Count * 2);
        }

        _segments[Count++] = segment;
    }

    /// <summary>Appends <paramref name="length"/> bytes (at most 1 KiB) of the session's own, to be filled in now.</summary>
    public Span<byte> Reserve(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, ChunkSize);
        if (_chunkUsed + length > ChunkSize)
        {
            if (++_chunk == _chunks.Count)
            {
                // Pinned: the socket sink pins every array it sends from, and these never move.
                _chunks.Add(GC.AllocateUninitializedArray<byte>(ChunkSize, pinned: true));
            }

            _chunkUsed = 0;
        }

        var chunk = _chunks[_chunk];
        int at = _chunkUsed;
        _chunkUsed += length;
        Add(new ArraySegment<byte>(chunk, at, length));
        return chunk.AsSpan(at, length);
    }

    /// <summary>Takes ownership of one reference of <paramref name="buffer"/>, released when the batch completes.</summary>
    public void Hold(MediaBuffer buffer) => _held.Add(buffer);

    /// <summary>Appends a whole message; it completes when the batch has been written.</summary>
    public void Add(RtspOutputMessage message)
    {
        Add(new ArraySegment<byte>(message.Bytes));
        _messages.Add(message);
    }

    /// <summary>The batch is on the wire (in the kernel's send buffer): release and reset.</summary>
    public void Complete() => Reset(null);

    /// <summary>The batch could not be written: release and reset; its messages fail with <paramref name="error"/>.</summary>
    public void Fail(Exception error) => Reset(error);

    private void Reset(Exception? error)
    {
        foreach (var buffer in _held)
        {
            buffer.Release();
        }

        foreach (var message in _messages)
        {
            message.Complete(error);
        }

        _held.Clear();
        _messages.Clear();
        Array.Clear(_segments, 0, Count);
        Count = 0;
        Length = 0;
        _chunk = -1;
        _chunkUsed = ChunkSize;
    }
}

/// <summary>An RTSP message queued for a connection; <see cref="Sent"/> completes once it is written.</summary>
internal sealed class RtspOutputMessage(byte[] bytes)
{
    private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] Bytes { get; } = bytes;

    public Task Sent => _sent.Task;

    public void Complete(Exception? error)
    {
        if (error is null)
        {
            _sent.TrySetResult();
        }
        else
        {
            _sent.TrySetException(error);
        }
    }
}
