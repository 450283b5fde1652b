using System.Buffers;
using System.Buffers.Binary;

namespace EdgeBox.Media.Codecs;

/// <summary>
/// EdgeBox's canonical H.264/H.265 access unit: each NAL unit prefixed with its length as a 4-byte
/// big-endian integer, no start codes (the "AVCC" framing MP4 stores; see <see cref="CodecId"/>).
/// Data from outside may be malformed: a length that runs past the end (or a zero length) makes the
/// unit invalid, reported through <see cref="NalUnitEnumerator.Invalid"/> and the Try methods, never by
/// an exception. MP4/FLV sample entries may declare 1- or 2-byte lengths (avcC lengthSizeMinusOne):
/// the <c>lengthSize</c> parameters read those; EdgeBox itself writes 4.
/// </summary>
internal static class LengthPrefixed
{
    public const int DefaultLengthSize = 4;

    private static ReadOnlySpan<byte> StartCode4 => [0, 0, 0, 1];

    /// <summary>
    /// The NAL units of <paramref name="data"/>. A plain <c>foreach</c> stops at the first malformed
    /// length; to tell a malformed unit from the end, loop on <see cref="NalUnitEnumerator.MoveNext"/>
    /// and check <see cref="NalUnitEnumerator.Invalid"/> afterwards (or call <see cref="IsValid"/> first).
    /// </summary>
    public static NalUnitEnumerator Enumerate(ReadOnlySpan<byte> data, int lengthSize = DefaultLengthSize) => new(data, lengthSize);

    /// <summary>True when <paramref name="data"/> is one or more NAL units whose lengths exactly tile it.</summary>
    public static bool IsValid(ReadOnlySpan<byte> data, int lengthSize = DefaultLengthSize)
    {
        var nals = Enumerate(data, lengthSize);
        int count = 0;
        while (nals.MoveNext())
        {
            count++;
        }

        return count > 0 && !nals.Invalid;
    }

    /// <summary>The NAL unit count, or -1 when <paramref name="data"/> is malformed.</summary>
    public static int Count(ReadOnlySpan<byte> data, int lengthSize = DefaultLengthSize)
    {
        var nals = Enumerate(data, lengthSize);
        int count = 0;
        while (nals.MoveNext())
        {
            count++;
        }

        return nals.Invalid ? -1 : count;
    }

    /// <summary>The Annex-B length of <paramref name="data"/> (4-byte start codes), or -1 when it is malformed.</summary>
    public static int GetAnnexBSize(ReadOnlySpan<byte> data, int lengthSize = DefaultLengthSize)
    {
        var nals = Enumerate(data, lengthSize);
        long size = 0;
        while (nals.MoveNext())
        {
            size += StartCode4.Length + nals.Current.Length;
        }

        return nals.Invalid || size > int.MaxValue ? -1 : (int)size;
    }

    /// <summary>
    /// Writes <paramref name="data"/> as an Annex-B stream with 4-byte start codes. False when the data is
    /// malformed or the destination is too short (then what was written is meaningless). The spans must
    /// not overlap (see <see cref="TryToAnnexBInPlace"/>).
    /// </summary>
    public static bool TryToAnnexB(ReadOnlySpan<byte> data, Span<byte> destination, out int written, int lengthSize = DefaultLengthSize)
    {
        written = 0;
        var nals = Enumerate(data, lengthSize);
        int position = 0;
        while (nals.MoveNext())
        {
            var nal = nals.Current;
            if (destination.Length - position < StartCode4.Length + nal.Length)
            {
                return false;
            }

            StartCode4.CopyTo(destination[position..]);
            nal.CopyTo(destination[(position + StartCode4.Length)..]);
            position += StartCode4.Length + nal.Length;
        }

        if (nals.Invalid)
        {
            return false;
        }

        written = position;
        return true;
    }

    /// <summary>Appends <paramref name="data"/> as Annex-B to <paramref name="writer"/>; false (nothing written) when it is malformed.</summary>
    public static bool TryToAnnexB(ReadOnlySpan<byte> data, IBufferWriter<byte> writer, out int written, int lengthSize = DefaultLengthSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        written = 0;
        int size = GetAnnexBSize(data, lengthSize);
        if (size < 0)
        {
            return false;
        }

        if (size > 0)
        {
            TryToAnnexB(data, writer.GetSpan(size), out written, lengthSize);
            writer.Advance(written);
        }

        return true;
    }

    /// <summary>
    /// Rewrites each 4-byte length of <paramref name="data"/> as a 4-byte start code (00 00 00 01), turning
    /// the canonical form into Annex-B without a copy. False, and nothing changed, when it is malformed.
    /// </summary>
    public static bool TryToAnnexBInPlace(Span<byte> data)
    {
        if (Count(data) < 0)
        {
            return false;
        }

        int position = 0;
        while (position < data.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            StartCode4.CopyTo(data[position..]);
            position += StartCode4.Length + length;
        }

        return true;
    }

    /// <summary>Writes <paramref name="nal"/> with its 4-byte length prefix; false when the destination is too short.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> nal, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length - DefaultLengthSize < nal.Length)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)nal.Length);
        nal.CopyTo(destination[DefaultLengthSize..]);
        written = DefaultLengthSize + nal.Length;
        return true;
    }

    /// <summary>Enumerates the NAL units of a length-prefixed access unit (see <see cref="Enumerate"/>).</summary>
    internal ref struct NalUnitEnumerator
    {
        private readonly ReadOnlySpan<byte> _data;
        private readonly int _lengthSize;
        private int _next;

        public NalUnitEnumerator(ReadOnlySpan<byte> data, int lengthSize)
        {
            if (lengthSize is not (1 or 2 or 4))
            {
                throw new ArgumentOutOfRangeException(nameof(lengthSize), lengthSize, "1, 2 or 4");
            }

            _data = data;
            _lengthSize = lengthSize;
            CurrentOffset = -1;
        }

        /// <summary>The current NAL unit (header byte first, without its length).</summary>
        public ReadOnlySpan<byte> Current { readonly get; private set; }

        /// <summary>Where <see cref="Current"/> starts in the data (after its length prefix).</summary>
        public int CurrentOffset { readonly get; private set; }

        /// <summary>True when enumeration stopped at a malformed length: zero, or past the end of the data.</summary>
        public bool Invalid { readonly get; private set; }

        public readonly NalUnitEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            Current = default;
            if (Invalid || _next >= _data.Length)
            {
                return false;
            }

            int remaining = _data.Length - _next;
            if (remaining < _lengthSize)
            {
                Invalid = true;
                return false;
            }

            var prefix = _data.Slice(_next, _lengthSize);
            uint length = _lengthSize switch
            {
                1 => prefix[0],
                2 => BinaryPrimitives.ReadUInt16BigEndian(prefix),
                _ => BinaryPrimitives.ReadUInt32BigEndian(prefix),
            };

            if (length == 0 || length > (uint)(remaining - _lengthSize))
            {
                Invalid = true;
                return false;
            }

            CurrentOffset = _next + _lengthSize;
            Current = _data.Slice(CurrentOffset, (int)length);
            _next = CurrentOffset + (int)length;
            return true;
        }
    }
}
