using System.Buffers.Binary;

namespace EdgeBox.Formats.Mp4;

/// <summary>A box header (ISO/IEC 14496-12 §4.2): its type, the header's length (8, or 16 with a 64-bit largesize) and the whole box's size.</summary>
internal readonly record struct Mp4BoxHeader(uint Type, int HeaderSize, long Size)
{
    public const uint Ftyp = 0x66747970;
    public const uint Moov = 0x6D6F6F76;
    public const uint Moof = 0x6D6F6F66;
    public const uint Mdat = 0x6D646174;
    public const uint Trak = 0x7472616B;
    public const uint Tkhd = 0x746B6864;
    public const uint Mdia = 0x6D646961;
    public const uint Mdhd = 0x6D646864;
    public const uint Hdlr = 0x68646C72;
    public const uint Mvex = 0x6D766578;
    public const uint Trex = 0x74726578;
    public const uint Mfhd = 0x6D666864;
    public const uint Traf = 0x74726166;
    public const uint Tfhd = 0x74666864;
    public const uint Tfdt = 0x74666474;
    public const uint Trun = 0x7472756E;
    public const uint Vide = 0x76696465;

    /// <summary>
    /// Reads a header from the start of <paramref name="data"/>. False when fewer bytes than the header are there
    /// (<paramref name="complete"/> false: more may come) or when it is not a valid header (<paramref name="complete"/>
    /// true): a size below the header, size 0 ("to the end of the file", which EdgeBox never writes and cannot
    /// bound), or a type that is not four printable ASCII characters.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out Mp4BoxHeader header, out bool complete)
    {
        header = default;
        complete = data.Length >= 8;
        if (!complete)
        {
            return false;
        }

        long size = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint type = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        int headerSize = 8;
        if (size == 1)
        {
            complete = data.Length >= 16;
            if (!complete)
            {
                return false;
            }

            ulong large = BinaryPrimitives.ReadUInt64BigEndian(data[8..]);
            size = large > long.MaxValue ? -1 : (long)large;
            headerSize = 16;
        }

        if (size < headerSize || !IsPrintable(type))
        {
            return false;
        }

        header = new Mp4BoxHeader(type, headerSize, size);
        return true;
    }

    private static bool IsPrintable(uint type)
    {
        for (int shift = 0; shift < 32; shift += 8)
        {
            uint c = (type >> shift) & 0xFF;
            if (c is < 0x20 or > 0x7E)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// The child boxes of a box's content, bounds-checked: <c>while (children.MoveNext())</c> stops at the first child
/// that does not fit, and <see cref="Malformed"/> then says so. Never throws, whatever the bytes. (No
/// <c>GetEnumerator</c>: foreach would advance a copy, and the loop reads <see cref="Type"/> and <see cref="Malformed"/>.)
/// </summary>
internal ref struct Mp4ChildBoxes
{
    private readonly ReadOnlySpan<byte> _content;
    private int _next;

    public Mp4ChildBoxes(ReadOnlySpan<byte> content) => _content = content;

    public uint Type { readonly get; private set; }

    /// <summary>The current child's content (after its header).</summary>
    public ReadOnlySpan<byte> Current { readonly get; private set; }

    /// <summary>Where <see cref="Current"/> starts in the parent's content.</summary>
    public int CurrentOffset { readonly get; private set; }

    public bool Malformed { readonly get; private set; }

    public bool MoveNext()
    {
        if (Malformed || _next >= _content.Length)
        {
            return false;
        }

        var rest = _content[_next..];
        if (!Mp4BoxHeader.TryRead(rest, out var header, out _) || header.Size > rest.Length)
        {
            Malformed = true;
            return false;
        }

        Type = header.Type;
        CurrentOffset = _next + header.HeaderSize;
        Current = rest[header.HeaderSize..(int)header.Size];
        _next += (int)header.Size;
        return true;
    }
}

/// <summary>
/// Big-endian fields read from a span with a sticky failure: a read past the end returns 0 and sets
/// <see cref="Overflowed"/> (as <c>BitReader</c> does), so a parser checks once at the end.
/// </summary>
internal ref struct Mp4FieldReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { readonly get; private set; }

    public bool Overflowed { readonly get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public uint ReadUInt32() => Take(4) is { IsEmpty: false } span ? BinaryPrimitives.ReadUInt32BigEndian(span) : 0;

    public ulong ReadUInt64() => Take(8) is { IsEmpty: false } span ? BinaryPrimitives.ReadUInt64BigEndian(span) : 0;

    public int ReadByte() => Take(1) is { IsEmpty: false } span ? span[0] : 0;

    public void Skip(int count) => Take(count);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (Overflowed || count < 0 || count > Remaining)
        {
            Overflowed = true;
            return default;
        }

        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }
}
