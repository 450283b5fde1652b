using System.Buffers;
using System.Buffers.Binary;

namespace EdgeBox.Media.Codecs;

/// <summary>
/// H.264/H.265 Annex-B byte streams: NAL units each preceded by a start code, 0x000001 or
/// 0x00000001 (what RTSP cameras' SDP sprop sets, MPEG-TS and raw .h264/.h265 files use). EdgeBox's
/// canonical form is length-prefixed (<see cref="LengthPrefixed"/>); these convert at the edges.
/// </summary>
internal static class AnnexB
{
    /// <summary>Each NAL unit's prefix in the length-prefixed form: a 4-byte big-endian length.</summary>
    public const int LengthPrefixSize = 4;

    private static ReadOnlySpan<byte> StartCode3 => [0, 0, 1];

    /// <summary>
    /// The NAL units of <paramref name="stream"/> without copying: <c>foreach (ReadOnlySpan&lt;byte&gt; nal in
    /// AnnexB.Enumerate(data))</c>. Bytes before the first start code are skipped, and so are the zero
    /// bytes before a start code (a 4-byte start code's leading zero, trailing_zero_8bits); empty NAL
    /// units are not yielded. Data without any start code yields nothing.
    /// </summary>
    public static NalUnitEnumerator Enumerate(ReadOnlySpan<byte> stream) => new(stream);

    /// <summary>3 or 4 when <paramref name="data"/> starts with a start code (0x000001, 0x00000001), else 0.</summary>
    public static int StartCodeLength(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(StartCode3))
        {
            return 3;
        }

        return data.Length >= 4 && data[0] == 0 && data[1..].StartsWith(StartCode3) ? 4 : 0;
    }

    /// <summary>The NAL unit count of <paramref name="stream"/>.</summary>
    public static int Count(ReadOnlySpan<byte> stream)
    {
        int count = 0;
        foreach (var _ in Enumerate(stream))
        {
            count++;
        }

        return count;
    }

    /// <summary>The length of <paramref name="stream"/> in the length-prefixed form (4 bytes plus each NAL unit); throws past 2 GiB.</summary>
    public static int GetLengthPrefixedSize(ReadOnlySpan<byte> stream)
    {
        long size = 0;
        foreach (var nal in Enumerate(stream))
        {
            size += LengthPrefixSize + nal.Length;
        }

        // The prefixes can only outgrow a stream of 3-byte start codes and 1-byte NAL units past 2 GiB.
        return size > int.MaxValue ? throw new ArgumentException("stream too large", nameof(stream)) : (int)size;
    }

    /// <summary>
    /// Writes the NAL units of <paramref name="stream"/> to <paramref name="destination"/>, each prefixed
    /// with its 4-byte big-endian length. False (nothing useful written) when the destination is shorter
    /// than <see cref="GetLengthPrefixedSize"/>. The two spans must not overlap.
    /// </summary>
    public static bool TryToLengthPrefixed(ReadOnlySpan<byte> stream, Span<byte> destination, out int written)
    {
        written = 0;
        int position = 0;
        foreach (var nal in Enumerate(stream))
        {
            if (destination.Length - position < LengthPrefixSize + nal.Length)
            {
                return false;
            }

            BinaryPrimitives.WriteUInt32BigEndian(destination[position..], (uint)nal.Length);
            nal.CopyTo(destination[(position + LengthPrefixSize)..]);
            position += LengthPrefixSize + nal.Length;
        }

        written = position;
        return true;
    }

    /// <summary>Appends <paramref name="stream"/> in the length-prefixed form to <paramref name="writer"/>; returns the bytes written.</summary>
    public static int ToLengthPrefixed(ReadOnlySpan<byte> stream, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int size = GetLengthPrefixedSize(stream);
        if (size == 0)
        {
            return 0;
        }

        var span = writer.GetSpan(size);
        TryToLengthPrefixed(stream, span, out int written);
        writer.Advance(written);
        return written;
    }

    /// <summary>Enumerates the NAL units of an Annex-B stream (see <see cref="Enumerate"/>).</summary>
    internal ref struct NalUnitEnumerator
    {
        private readonly ReadOnlySpan<byte> _stream;
        private int _next;

        public NalUnitEnumerator(ReadOnlySpan<byte> stream)
        {
            _stream = stream;
            int first = stream.IndexOf(StartCode3);
            _next = first < 0 ? stream.Length : first + 3;
            CurrentOffset = -1;
        }

        /// <summary>The current NAL unit (header byte first, no start code).</summary>
        public ReadOnlySpan<byte> Current { readonly get; private set; }

        /// <summary>Where <see cref="Current"/> starts in the stream.</summary>
        public int CurrentOffset { readonly get; private set; }

        public readonly NalUnitEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_next < _stream.Length)
            {
                int start = _next;
                int found = _stream[start..].IndexOf(StartCode3);
                int end = found < 0 ? _stream.Length : start + found;
                _next = found < 0 ? _stream.Length : end + 3;

                // A NAL unit never ends with a zero byte (its last byte holds the rbsp_stop_one_bit, or
                // is the 0x03 after cabac_zero_words): zeros before a start code belong to no NAL unit.
                while (end > start && _stream[end - 1] == 0)
                {
                    end--;
                }

                if (end > start)
                {
                    Current = _stream[start..end];
                    CurrentOffset = start;
                    return true;
                }
            }

            Current = default;
            return false;
        }
    }
}
