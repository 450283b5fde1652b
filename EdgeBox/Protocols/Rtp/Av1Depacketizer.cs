using EdgeBox.Media.Codecs;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// Reassembles AV1 temporal units from RTP (AOMedia "RTP Payload Format for AV1" v1.0.0; the packet layout
/// is drawn on <see cref="Av1Packetizer"/>). Each OBU element, joined across packets when Y and Z say it was
/// split, becomes a low overhead OBU again: obu_has_size_field set and a minimal LEB128 obu_size inserted
/// after the header (an element that kept its size field has it checked and rewritten). Temporal delimiters
/// and tile lists are dropped. An element length past the packet, a W that does not match the elements, a
/// continuation (Z) with no fragment open or a new OBU while one is, an OBU header with the forbidden bit, a
/// unit that ends inside a fragment, or a tile group before any frame header (the unit's start was lost)
/// damages the temporal unit. Keyframes follow <see cref="Av1.IsKeyframe"/>; N is not trusted.
/// </summary>
internal sealed class Av1Depacketizer : FrameDepacketizer
{
    private readonly AccessUnitBuffer _fragment;
    private bool _inFragment;

    public Av1Depacketizer(int maxUnitSize = AccessUnitBuffer.DefaultMaxSize)
        : base(maxUnitSize) => _fragment = new AccessUnitBuffer(16 * 1024, maxUnitSize);

    public override void Dispose()
    {
        _fragment.Dispose();
        base.Dispose();
    }

    protected override bool HasData => Unit.Length > 0 || _inFragment;

    protected override void BeginUnit()
    {
        _fragment.Clear();
        _inFragment = false;
    }

    protected override void ParsePayload(ReadOnlySpan<byte> payload)
    {
        byte aggregation = payload[0];
        bool continuesPrevious = (aggregation & 0x80) != 0;
        bool continuesNext = (aggregation & 0x40) != 0;
        int count = (aggregation >> 4) & 0x03;
        var rest = payload[1..];
        if (rest.IsEmpty)
        {
            Damage(); // an aggregation header with no element
            return;
        }

        for (int index = 0; !rest.IsEmpty; index++)
        {
            int length;
            if (count != 0 && index == count - 1)
            {
                length = rest.Length; // the last element of W has no length field
            }
            else if (Leb128.TryRead(rest, out uint size, out int sizeLength) && size <= (uint)(rest.Length - sizeLength))
            {
                length = (int)size;
                rest = rest[sizeLength..];
            }
            else
            {
                Damage();
                return;
            }

            var element = rest[..length];
            rest = rest[length..];
            bool last = rest.IsEmpty;
            if ((last && count != 0 && index != count - 1) || !TryTakeElement(element, index == 0 && continuesPrevious, last && continuesNext))
            {
                Damage(); // fewer elements than W says, or a bad element
                return;
            }
        }
    }

    protected override bool TryComplete(out bool keyframe)
    {
        keyframe = false;
        if (_inFragment || !StartsWithFrameHeader(Unit.Span))
        {
            return false;
        }

        keyframe = Av1.IsKeyframe(Unit.Span);
        return true;
    }

    /// <summary>A tile group (OBU_TILE_GROUP) needs the frame header before it in the same temporal unit.</summary>
    private static bool StartsWithFrameHeader(ReadOnlySpan<byte> unit)
    {
        foreach (var obu in Av1Obu.Enumerate(unit))
        {
            switch (obu.Type)
            {
                case Av1Obu.FrameHeader or Av1Obu.Frame or Av1Obu.RedundantFrameHeader:
                    return true;
                case Av1Obu.TileGroup:
                    return false;
            }
        }

        return true;
    }

    private bool TryTakeElement(ReadOnlySpan<byte> element, bool continuation, bool continues)
    {
        if (element.IsEmpty || continuation != _inFragment)
        {
            return false; // a continuation of nothing, or a new OBU while a fragment waits for its end
        }

        if (continuation || continues)
        {
            if (!_fragment.TryAppend(element))
            {
                return false;
            }

            _inFragment = continues;
            if (continues)
            {
                return true;
            }

            bool appended = TryAppendObu(_fragment.Span);
            _fragment.Clear();
            return appended;
        }

        return TryAppendObu(element);
    }

    /// <summary>Appends one whole OBU element to the unit as a low overhead OBU (with obu_size).</summary>
    private bool TryAppendObu(ReadOnlySpan<byte> element)
    {
        byte header = element[0];
        int headerSize = (header & Av1Obu.ExtensionFlag) != 0 ? 2 : 1;
        if ((header & 0x80) != 0 || element.Length < headerSize)
        {
            return false;
        }

        var payload = element[headerSize..];
        if ((header & Av1Obu.HasSizeField) != 0)
        {
            // The sender kept obu_size: it must cover the rest of the element exactly.
            if (!Leb128.TryRead(payload, out uint size, out int sizeLength) || size != (uint)(payload.Length - sizeLength))
            {
                return false;
            }

            payload = payload[sizeLength..];
        }

        int type = (header >> 3) & 0xF;
        if (type is Av1Obu.TemporalDelimiter or Av1Obu.TileList)
        {
            return true;
        }

        Span<byte> prefix = stackalloc byte[2 + Leb128.MaxBytes];
        prefix[0] = (byte)(header | Av1Obu.HasSizeField);
        if (headerSize == 2)
        {
            prefix[1] = element[1];
        }

        int prefixLength = headerSize + Leb128.Write(prefix[headerSize..], (uint)payload.Length);
        return Unit.TryAppend(prefix[..prefixLength]) && Unit.TryAppend(payload);
    }
}
