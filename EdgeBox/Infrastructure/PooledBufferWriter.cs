using System.Buffers;

namespace EdgeBox.Infrastructure;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over <see cref="ArrayPool{T}"/> arrays whose written bytes stay writable,
/// so a writer can go back and patch a length it only knows at the end (an MP4 box size, a data offset).
/// Reused across messages with <see cref="Clear"/>: once it has grown to the largest message, building the
/// next one allocates nothing. Not thread-safe.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumGrowth = 256;

    private readonly ArrayPool<byte> _pool;
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 4096, ArrayPool<byte>? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        _pool = pool ?? ArrayPool<byte>.Shared;
        _buffer = _pool.Rent(Math.Max(initialCapacity, MinimumGrowth));
    }

    public int WrittenCount => _written;

    public int Capacity => _buffer.Length;

    /// <summary>The bytes written so far, writable (for back-patching).</summary>
    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>Forgets what was written and keeps the array for the next message.</summary>
    public void Clear() => _written = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Appends <paramref name="data"/>.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        Ensure(data.Length);
        data.CopyTo(_buffer.AsSpan(_written));
        _written += data.Length;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            _pool.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        long size = Math.Max((long)_written + needed, Math.Max((long)_buffer.Length * 2, MinimumGrowth));
        if (size > Array.MaxLength)
        {
            size = (long)_written + needed <= Array.MaxLength
                ? Array.MaxLength
                : throw new InvalidOperationException("a pooled buffer cannot grow past Array.MaxLength");
        }

        var next = _pool.Rent((int)size);
        _buffer.AsSpan(0, _written).CopyTo(next);
        _pool.Return(_buffer);
        _buffer = next;
    }
}
