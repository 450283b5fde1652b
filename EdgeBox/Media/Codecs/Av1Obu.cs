namespace EdgeBox.Media.Codecs;

/// <summary>
/// One OBU of an AV1 bitstream in the low overhead format (AV1 specification §5.3): a header, an optional
/// extension, the <c>obu_size</c> when <c>obu_has_size_field</c> is 1, then the payload.
/// <code>
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |F| type  |X|S|R|   F forbidden, X obu_extension_flag, S obu_has_size_field, R reserved
/// +-+-+-+-+-+-+-+-+
/// | T | Sp  | rsv |   extension (X = 1): temporal_id, spatial_id
/// +-+-+-+-+-+-+-+-+
/// | obu_size (leb128, S = 1) ... | payload ...
/// </code>
/// </summary>
internal readonly ref struct Av1Obu
{
    public const int SequenceHeader = 1;
    public const int TemporalDelimiter = 2;
    public const int FrameHeader = 3;
    public const int TileGroup = 4;
    public const int Metadata = 5;
    public const int Frame = 6;
    public const int RedundantFrameHeader = 7;
    public const int TileList = 8;
    public const int Padding = 15;

    public const byte ExtensionFlag = 0x04;
    public const byte HasSizeField = 0x02;

    private Av1Obu(ReadOnlySpan<byte> data, ReadOnlySpan<byte> payload)
    {
        Data = data;
        Payload = payload;
    }

    /// <summary>The whole OBU, header to the end of the payload.</summary>
    public ReadOnlySpan<byte> Data { get; }

    public ReadOnlySpan<byte> Payload { get; }

    public int Type => (Data[0] >> 3) & 0xF;

    public bool HasExtension => (Data[0] & ExtensionFlag) != 0;

    /// <summary>The header byte and, when present, the extension byte.</summary>
    public ReadOnlySpan<byte> Header => Data[..(HasExtension ? 2 : 1)];

    /// <summary>
    /// Reads the OBU at the start of <paramref name="data"/>. One without a size field runs to the end of the
    /// data (only the last OBU of a unit may). False when the forbidden bit is set or the OBU is cut short.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out Av1Obu obu, out int consumed)
    {
        obu = default;
        consumed = 0;
        if (data.IsEmpty || (data[0] & 0x80) != 0)
        {
            return false;
        }

        int headerSize = (data[0] & ExtensionFlag) != 0 ? 2 : 1;
        if (data.Length < headerSize)
        {
            return false;
        }

        int payloadStart = headerSize;
        int payloadSize = data.Length - headerSize;
        if ((data[0] & HasSizeField) != 0)
        {
            if (!Leb128.TryRead(data[headerSize..], out uint size, out int length) || size > (uint)(data.Length - headerSize - length))
            {
                return false;
            }

            payloadStart += length;
            payloadSize = (int)size;
        }

        consumed = payloadStart + payloadSize;
        obu = new Av1Obu(data[..consumed], data.Slice(payloadStart, payloadSize));
        return true;
    }

    /// <summary>The OBUs of a temporal unit, in order; iteration stops at the first malformed one (see <see cref="Av1ObuEnumerator.Malformed"/>).</summary>
    public static Av1ObuEnumerator Enumerate(ReadOnlySpan<byte> temporalUnit) => new(temporalUnit);
}

/// <summary>Iterates the OBUs of a temporal unit without copying.</summary>
internal ref struct Av1ObuEnumerator(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public Av1Obu Current { get; private set; }

    /// <summary>Where <see cref="Current"/> starts in the data.</summary>
    public int CurrentOffset { get; private set; }

    /// <summary>True when iteration stopped at bytes that are not an OBU rather than at the end.</summary>
    public bool Malformed { get; private set; }

    private int _offset;

    public bool MoveNext()
    {
        if (_rest.IsEmpty || Malformed)
        {
            return false;
        }

        if (!Av1Obu.TryRead(_rest, out var obu, out int consumed))
        {
            Malformed = true;
            return false;
        }

        Current = obu;
        CurrentOffset = _offset;
        _offset += consumed;
        _rest = _rest[consumed..];
        return true;
    }

    public readonly Av1ObuEnumerator GetEnumerator() => this;
}
