using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeBox.Media;

/// <summary>
/// A pooled, reference-counted payload: one access unit's bytes, shared by every reader of a path
/// without copying. The writer gets it with one reference; each reader queue takes one more
/// (<see cref="AddRef"/>) and gives it back (<see cref="Release"/>) when done; the last release returns
/// the array to the pool.
/// </summary>
internal sealed class MediaBuffer
{
    private readonly MediaBufferPool _pool;
    private byte[] _array = [];
    private int _length;
    private int _references;
    private MediaBuffer? _attachment;

    internal MediaBuffer(MediaBufferPool pool) => _pool = pool;

    public int Length => _length;

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    /// <summary>The bytes as an array segment, for gathered socket writes straight from the pooled array.</summary>
    internal ArraySegment<byte> Segment => new(_array, 0, _length);

    /// <summary>
    /// A derived form of this payload made once for every reader (e.g. its RTP packets), set by the
    /// path before the unit is fanned out and released with this buffer.
    /// </summary>
    public MediaBuffer? Attachment => Volatile.Read(ref _attachment);

    /// <summary>Current reference count (for tests and assertions).</summary>
    internal int References => Volatile.Read(ref _references);

    public MediaBuffer AddRef()
    {
        int references = Interlocked.Increment(ref _references);
        Debug.Assert(references > 1, "AddRef on a released buffer");
        return this;
    }

    public void Release()
    {
        int references = Interlocked.Decrement(ref _references);
        if (references == 0)
        {
            var attachment = _attachment;
            _attachment = null;
            attachment?.Release();
            _pool.Return(this, _array);
            _array = [];
            _length = 0;
        }
        else if (references < 0)
        {
            throw new InvalidOperationException("MediaBuffer released more often than referenced");
        }
    }

    /// <summary>Takes ownership of one reference of <paramref name="attachment"/>.</summary>
    internal void SetAttachment(MediaBuffer attachment)
    {
        var previous = Interlocked.Exchange(ref _attachment, attachment);
        previous?.Release();
    }

    internal void Init(byte[] array, int length)
    {
        _array = array;
        _length = length;
        Volatile.Write(ref _references, 1);
    }

    /// <summary>The writable bytes of a buffer just rented with <see cref="MediaBufferPool.Rent(int)"/>.</summary>
    internal Span<byte> WritableSpan => _array.AsSpan(0, _length);
}

/// <summary>
/// Hands out <see cref="MediaBuffer"/>s backed by arrays of a pool of their own (see <see cref="ArraysPerSize"/>). The buffer objects
/// are recycled too, so steady-state fan-out allocates nothing per access unit.
/// </summary>
internal sealed class MediaBufferPool
{
    /// <summary>Buffer objects kept for reuse; beyond this they are left to the GC.</summary>
    private const int MaxIdleBuffers = 4096;

    private readonly ConcurrentQueue<MediaBuffer> _idle = new();
    private readonly ArrayPool<byte> _arrays;
    private long _outstanding;

    /// <summary>Largest array kept for reuse (a 4K keyframe fits); larger payloads are allocated each time.</summary>
    private const int MaxPooledArray = 4 * 1024 * 1024;

    /// <summary>
    /// Arrays kept per size class. A path holds a whole GOP (units and their RTP packets: 120 arrays of a
    /// few sizes for 2 s at 30 fps) and releases it at once at the next keyframe; the shared pool keeps
    /// far fewer per size and core, so it dropped most of them and the next GOP allocated anew: 580 KB/s
    /// of garbage for one 4 Mbit/s path with a reader, which grew RSS until a GC (bench/rtsp_fanout.py).
    /// </summary>
    private const int ArraysPerSize = 512;

    public MediaBufferPool(ArrayPool<byte>? arrays = null) => _arrays = arrays ?? ArrayPool<byte>.Create(MaxPooledArray, ArraysPerSize);

    /// <summary>Buffers rented and not yet released to zero (a leak shows here).</summary>
    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>A buffer holding a copy of <paramref name="data"/>, with one reference.</summary>
    public MediaBuffer Rent(ReadOnlySpan<byte> data)
    {
        var buffer = Rent(data.Length);
        data.CopyTo(buffer.WritableSpan);
        return buffer;
    }

    /// <summary>A buffer of <paramref name="length"/> bytes to fill through <see cref="MediaBuffer.WritableSpan"/>.</summary>
    public MediaBuffer Rent(int length)
    {
        var buffer = _idle.TryDequeue(out var idle) ? idle : new MediaBuffer(this);
        buffer.Init(_arrays.Rent(length), length);
        Interlocked.Increment(ref _outstanding);
        return buffer;
    }

    internal void Return(MediaBuffer buffer, byte[] array)
    {
        _arrays.Return(array);
        Interlocked.Decrement(ref _outstanding);
        if (_idle.Count < MaxIdleBuffers)
        {
            _idle.Enqueue(buffer);
        }
    }
}
