namespace EdgeBox.Media.Codecs;

/// <summary>
/// Writes a bitstream most-significant bit first into a caller's span. Writing past the end sets
/// <see cref="Overflowed"/> and drops the bits, so a writer composes a structure and checks once.
/// </summary>
internal ref struct BitWriter
{
    private readonly Span<byte> _destination;
    private long _position;

    public BitWriter(Span<byte> destination)
    {
        _destination = destination;
    }

    public bool Overflowed { readonly get; private set; }

    /// <summary>The position in bits.</summary>
    public readonly long Position => _position;

    /// <summary>The bytes started so far (a partly written last byte counts).</summary>
    public readonly int BytesWritten => (int)((_position + 7) >> 3);

    /// <summary>Writes the low <paramref name="count"/> bits (0 to 32) of <paramref name="value"/>.</summary>
    public void WriteBits(uint value, int count)
    {
        if ((uint)count > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "0 to 32 bits");
        }

        if (Overflowed || count > ((long)_destination.Length * 8) - _position)
        {
            Overflowed = true;
            return;
        }

        for (int i = count - 1; i >= 0; i--)
        {
            int byteIndex = (int)(_position >> 3);
            int shift = 7 - (int)(_position & 7);
            if (shift == 7)
            {
                _destination[byteIndex] = 0;
            }

            _destination[byteIndex] |= (byte)(((value >> i) & 1) << shift);
            _position++;
        }
    }

    public void WriteFlag(bool value) => WriteBits(value ? 1u : 0u, 1);

    /// <summary>Pads with zero bits to the next byte boundary.</summary>
    public void AlignToByte() => WriteBits(0, (int)((8 - (_position & 7)) & 7));
}
