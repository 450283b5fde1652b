namespace EdgeBox.Media.Codecs;

/// <summary>
/// Reads a bitstream most-significant bit first: fixed-width fields, flags and the Exp-Golomb codes of
/// H.264/H.265 (ue(v), se(v)). Reading never throws on bad data: a read past the end (or an Exp-Golomb
/// code longer than 32 bits) sets <see cref="Overflowed"/>, moves to the end and returns 0, and every
/// later read returns 0 too, so a parser reads a whole structure and checks the flag once (plus before any
/// loop whose count came from the data). Reads from an RBSP: strip emulation prevention bytes first
/// (<see cref="EmulationPrevention.Remove"/>).
/// </summary>
internal ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _length;
    private long _position;

    public BitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _length = (long)data.Length * 8;
    }

    /// <summary>True once a read ran past the end of the data or met an over-long Exp-Golomb code.</summary>
    public bool Overflowed { readonly get; private set; }

    /// <summary>The position in bits from the start of the data.</summary>
    public readonly long Position => _position;

    public readonly long BitsRemaining => _length - _position;

    public readonly bool IsByteAligned => (_position & 7) == 0;

    /// <summary>Reads <paramref name="count"/> bits (0 to 32) as an unsigned number.</summary>
    public uint ReadBits(int count)
    {
        if ((uint)count > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "0 to 32 bits");
        }

        if (count == 0)
        {
            return 0;
        }

        if (count > _length - _position)
        {
            Overflow();
            return 0;
        }

        int byteIndex = (int)(_position >> 3);
        int bitOffset = (int)(_position & 7);
        int byteCount = (bitOffset + count + 7) >> 3; // at most 5
        ulong accumulator = 0;
        for (int i = 0; i < byteCount; i++)
        {
            accumulator = (accumulator << 8) | _data[byteIndex + i];
        }

        _position += count;
        accumulator >>= (byteCount * 8) - bitOffset - count;
        return (uint)(accumulator & ((1UL << count) - 1));
    }

    /// <summary>Reads <paramref name="count"/> bits (0 to 64) as an unsigned number.</summary>
    public ulong ReadBitsLong(int count)
    {
        if ((uint)count > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "0 to 64 bits");
        }

        if (count <= 32)
        {
            return ReadBits(count);
        }

        ulong high = ReadBits(count - 32);
        return (high << 32) | ReadBits(32);
    }

    public bool ReadFlag() => ReadBits(1) != 0;

    /// <summary>Returns the next <paramref name="count"/> bits (0 to 32) without consuming them; 0 past the end (no overflow).</summary>
    public readonly uint PeekBits(int count)
    {
        var copy = this;
        uint value = copy.ReadBits(count);
        return copy.Overflowed ? 0 : value;
    }

    public bool TryReadBits(int count, out uint value)
    {
        value = ReadBits(count);
        return !Overflowed;
    }

    /// <summary>Skips <paramref name="count"/> bits; skipping past the end overflows.</summary>
    public void Skip(long count)
    {
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "cannot skip backwards");
        }

        if (count > _length - _position)
        {
            Overflow();
            return;
        }

        _position += count;
    }

    /// <summary>Skips to the next byte boundary (nothing when aligned).</summary>
    public void AlignToByte() => Skip((8 - (_position & 7)) & 7);

    /// <summary>ue(v): unsigned Exp-Golomb, 0 to 2^32 - 2.</summary>
    public uint ReadUe()
    {
        int leadingZeros = 0;
        while (true)
        {
            if (_position >= _length)
            {
                Overflow();
                return 0;
            }

            if (((_data[(int)(_position >> 3)] >> (7 - (int)(_position & 7))) & 1) != 0)
            {
                _position++;
                break;
            }

            _position++;
            if (++leadingZeros > 31)
            {
                Overflow();
                return 0;
            }
        }

        if (leadingZeros == 0)
        {
            return 0;
        }

        uint suffix = ReadBits(leadingZeros);
        return Overflowed ? 0 : (uint)((1UL << leadingZeros) - 1 + suffix);
    }

    /// <summary>se(v): signed Exp-Golomb, -(2^31 - 1) to 2^31 - 1 (codes 1, 2, 3, 4... map to 1, -1, 2, -2...).</summary>
    public int ReadSe()
    {
        uint k = ReadUe();
        return (k & 1) != 0 ? (int)((k >> 1) + 1) : -(int)(k >> 1);
    }

    public bool TryReadUe(out uint value)
    {
        value = ReadUe();
        return !Overflowed;
    }

    public bool TryReadSe(out int value)
    {
        value = ReadSe();
        return !Overflowed;
    }

    private void Overflow()
    {
        Overflowed = true;
        _position = _length;
    }
}
