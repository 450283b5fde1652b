using System.Buffers;
using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The growing, reused buffer a depacketizer assembles one access unit in: rented from the shared
/// <see cref="ArrayPool{T}"/>, grown by renting a larger array, kept across units, and returned at
/// dispose. Appends past <see cref="MaxSize"/> fail, so a unit that never ends cannot grow without bound.
/// </summary>
internal sealed class AccessUnitBuffer : IDisposable
{
    /// <summary>
    /// 8 MiB: far above any real access unit (a 4K H.265 intra picture at high quality is a few MiB;
    /// level 6.2's maximum coded picture buffer is 240 Mbit for a whole second) and small enough to bound
    /// what a broken or hostile sender can make us hold per track.
    /// </summary>
    public const int DefaultMaxSize = 8 << 20;

    private byte[] _buffer = [];

    public AccessUnitBuffer(int initialSize, int maxSize = DefaultMaxSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 1);
        InitialSize = Math.Min(initialSize, maxSize);
        MaxSize = maxSize;
    }

    public int InitialSize { get; }

    public int MaxSize { get; }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public bool TryAppend(ReadOnlySpan<byte> data)
    {
        if (!TryGrow(data.Length))
        {
            return false;
        }

        data.CopyTo(_buffer.AsSpan(Length));
        Length += data.Length;
        return true;
    }

    /// <summary>Reserves a 4-byte big-endian length prefix; returns its position, or -1 when full.</summary>
    public int TryReserveLengthPrefix()
    {
        if (!TryGrow(4))
        {
            return -1;
        }

        Length += 4;
        return Length - 4;
    }

    /// <summary>Fills the prefix reserved at <paramref name="position"/> with the length of what follows it.</summary>
    public void CompleteLengthPrefix(int position) =>
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position), Length - position - 4);

    public void Clear() => Length = 0;

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        Length = 0;
    }

    private bool TryGrow(int extra)
    {
        int needed = Length + extra;
        if (needed > MaxSize)
        {
            return false;
        }

        if (needed > _buffer.Length)
        {
            int size = Math.Min(MaxSize, Math.Max(needed, Math.Max(InitialSize, _buffer.Length * 2)));
            var bigger = ArrayPool<byte>.Shared.Rent(size);
            _buffer.AsSpan(0, Length).CopyTo(bigger);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = bigger;
        }

        return true;
    }
}
