using System.Buffers.Binary;
using EdgeBox.Infrastructure;

namespace EdgeBox.Formats.Mp4;

/// <summary>
/// Writes ISO base media file format boxes (ISO/IEC 14496-12 §4.2), big-endian, into a
/// <see cref="PooledBufferWriter"/>. A box is opened with its type and a zero size, its content written, and
/// its size patched when it is closed, so nesting needs no size computed up front:
/// <code>
/// +--------+--------+-----------------+          FullBox: the same, then
/// |  size  |  type  |  content ...    |          +---------+--------------+
/// | 32 bit | 4 char |                 |          | version | flags 24 bit |
/// +--------+--------+-----------------+          +---------+--------------+
/// </code>
/// The writer never writes the 64-bit largesize: EdgeBox's boxes are built in memory and stay far below 4 GiB.
/// Allocates nothing (types are UTF-8 literals, <c>"moov"u8</c>).
/// </summary>
internal readonly struct Mp4BoxWriter(PooledBufferWriter buffer)
{
    public const int HeaderSize = 8;
    public const int FullHeaderSize = 12;

    public PooledBufferWriter Buffer { get; } = buffer;

    /// <summary>Bytes written so far: where the next box or field goes.</summary>
    public int Position => Buffer.WrittenCount;

    /// <summary>Opens a box of <paramref name="type"/> (4 ASCII bytes); returns its start for <see cref="End"/>.</summary>
    public int Begin(ReadOnlySpan<byte> type)
    {
        if (type.Length != 4)
        {
            throw new ArgumentException("a box type is 4 bytes", nameof(type));
        }

        int start = Position;
        var span = Buffer.GetSpan(HeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(span, 0);
        type.CopyTo(span[4..]);
        Buffer.Advance(HeaderSize);
        return start;
    }

    /// <summary>Opens a FullBox: the box header, then version (8 bits) and flags (24 bits).</summary>
    public int BeginFull(ReadOnlySpan<byte> type, int version, uint flags)
    {
        int start = Begin(type);
        WriteUInt32(((uint)version << 24) | (flags & 0xFFFFFF));
        return start;
    }

    /// <summary>Closes the box opened at <paramref name="start"/>: patches its size to cover everything written since.</summary>
    public void End(int start)
    {
        int size = Position - start;
        if (start < 0 || size < HeaderSize)
        {
            throw new ArgumentOutOfRangeException(nameof(start), "not the start of an open box");
        }

        PatchUInt32(start, (uint)size);
    }

    /// <summary>A sample table FullBox with no entries (stts, stsc, stco): version 0, flags 0, entry_count 0.</summary>
    public void WriteEmptyTable(ReadOnlySpan<byte> type)
    {
        int box = BeginFull(type, 0, 0);
        WriteUInt32(0); // entry_count
        End(box);
    }

    public void WriteByte(int value)
    {
        Buffer.GetSpan(1)[0] = (byte)value;
        Buffer.Advance(1);
    }

    public void WriteUInt16(int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(Buffer.GetSpan(2), (ushort)value);
        Buffer.Advance(2);
    }

    public void WriteUInt24(uint value)
    {
        var span = Buffer.GetSpan(3);
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
        Buffer.Advance(3);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Buffer.GetSpan(4), value);
        Buffer.Advance(4);
    }

    public void WriteInt32(int value) => WriteUInt32((uint)value);

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(Buffer.GetSpan(8), value);
        Buffer.Advance(8);
    }

    public void WriteBytes(ReadOnlySpan<byte> data) => Buffer.Write(data);

    public void WriteZeros(int count)
    {
        Buffer.GetSpan(count)[..count].Clear();
        Buffer.Advance(count);
    }

    /// <summary>The unity transformation matrix of mvhd and tkhd (§8.2.2): { 1, 0, 0, 0, 1, 0, 0, 0, 1 } in 16.16 / 2.30.</summary>
    public void WriteUnityMatrix()
    {
        WriteUInt32(0x00010000);
        WriteZeros(12);
        WriteUInt32(0x00010000);
        WriteZeros(12);
        WriteUInt32(0x40000000);
    }

    public void PatchUInt32(int position, uint value) => BinaryPrimitives.WriteUInt32BigEndian(Buffer.WrittenSpan[position..], value);
}
