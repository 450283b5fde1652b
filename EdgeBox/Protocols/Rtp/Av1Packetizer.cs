using EdgeBox.Media.Codecs;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// AV1 over RTP (AOMedia "RTP Payload Format for AV1" v1.0.0 §4). Each packet is an aggregation header and
/// OBU elements; an OBU element is an OBU without its obu_size (obu_has_size_field cleared, §4.3), behind a
/// LEB128 length except for the last element of a packet with W ≠ 0:
/// <code>
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |Z|Y| W |N|-|-|-|   Z: the first element continues an OBU of the previous packet
/// +-+-+-+-+-+-+-+-+   Y: the last element continues in the next packet
/// | OBU element 1 size (leb128) |   W: elements in the packet when 1-3 (the last one has no size); 0: all sized
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   N: first packet of a coded video sequence
/// | OBU element 1 data ...      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | ... last OBU element data   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Temporal delimiters and tile list OBUs are not sent (§5). OBUs are packed greedily in order and split
/// where a packet is full, like libwebrtc; a packet of at most 3 elements leaves the last one unsized (W = count).
/// N is set on the first packet of a key frame temporal unit (<see cref="Av1.IsKeyframe"/>), and the
/// marker on the temporal unit's last packet.
/// </summary>
internal sealed class Av1Packetizer(byte payloadType, uint ssrc, ushort initialSequenceNumber,
    int maxPacketSize = RtpPacketizer.DefaultMaxPacketSize)
    : RtpPacketizer(payloadType, ssrc, initialSequenceNumber, maxPacketSize)
{
    private const byte ContinuesPrevious = 0x80; // Z
    private const byte ContinuesNext = 0x40;     // Y
    private const byte NewSequence = 0x08;       // N

    // The packet being built in Payload: its aggregation header bits, where the next element goes, how many
    // elements it has, where the last one's length field is and how long, whether the last was written
    // without a length, and whether it takes no more.
    private byte _flags;
    private int _position;
    private int _elements;
    private int _lastLengthAt;
    private int _lastLengthSize;
    private bool _lastUnsized;
    private bool _closed;

    public override bool Packetize(uint timestamp, ReadOnlySpan<byte> accessUnit, IRtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!Av1.IsWellFormed(accessUnit) || !HasObusToSend(accessUnit))
        {
            return false;
        }

        StartPacket(Av1.IsKeyframe(accessUnit) ? NewSequence : (byte)0);
        foreach (var obu in Av1Obu.Enumerate(accessUnit))
        {
            if (obu.Type is not (Av1Obu.TemporalDelimiter or Av1Obu.TileList))
            {
                SendObu(sink, timestamp, obu);
            }
        }

        Flush(sink, timestamp, marker: true);
        return true;
    }

    private static bool HasObusToSend(ReadOnlySpan<byte> accessUnit)
    {
        foreach (var obu in Av1Obu.Enumerate(accessUnit))
        {
            if (obu.Type is not (Av1Obu.TemporalDelimiter or Av1Obu.TileList))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One OBU as an element: its header without the size flag, the extension byte, the payload; split over packets as needed.</summary>
    private void SendObu(IRtpPacketSink sink, uint timestamp, Av1Obu obu)
    {
        var header = obu.Header;
        var payload = obu.Payload;
        int length = header.Length + payload.Length;
        int written = 0;
        while (written < length)
        {
            if (_closed)
            {
                Flush(sink, timestamp, marker: false);
                StartPacket(written > 0 ? ContinuesPrevious : (byte)0);
            }

            int left = length - written;
            int space = MaxPayloadSize - _position;
            int take;
            if (Leb128.Size((uint)left) + left <= space)
            {
                WriteLength(left); // the rest fits with its length: the packet stays open
                take = left;
            }
            else if (_elements < 3 && left <= space)
            {
                take = left; // fits as the packet's unsized last element
                _lastUnsized = true;
                _closed = true;
            }
            else
            {
                // A fragment fills the packet: unsized when it can be the last of at most 3, else sized.
                take = _elements < 3 ? space : space - Leb128.Size((uint)space);
                if (take <= 0 || (_elements >= 3 && Leb128.Size((uint)take) + take > space))
                {
                    _closed = true; // not even a byte fits: send what the packet has
                    continue;
                }

                if (_elements < 3)
                {
                    _lastUnsized = true;
                }
                else
                {
                    WriteLength(take);
                }

                _flags |= ContinuesNext;
                _closed = true;
            }

            CopyElement(header, payload, written, take);
            _elements++;
            written += take;
        }
    }

    /// <summary>Copies bytes [from, from + count) of the element (header, with obu_has_size_field cleared, then payload).</summary>
    private void CopyElement(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, int from, int count)
    {
        var destination = Payload.Slice(_position, count);
        int at = 0;
        for (; from < header.Length && at < count; from++, at++)
        {
            destination[at] = from == 0 ? (byte)(header[0] & ~Av1Obu.HasSizeField) : header[from];
        }

        payload.Slice(from - header.Length, count - at).CopyTo(destination[at..]);
        _position += count;
    }

    private void WriteLength(int length)
    {
        _lastLengthAt = _position;
        _lastLengthSize = Leb128.Write(Payload[_position..], (uint)length);
        _position += _lastLengthSize;
        _lastUnsized = false;
    }

    private void StartPacket(byte flags)
    {
        _flags = flags;
        _position = 1;
        _elements = 0;
        _lastUnsized = false;
        _closed = false;
    }

    private void Flush(IRtpPacketSink sink, uint timestamp, bool marker)
    {
        if (_elements == 0)
        {
            return;
        }

        var payload = Payload;
        if (!_lastUnsized && _elements <= 3)
        {
            // The packet ended after a sized element: drop that length and let W say it is the last.
            int data = _lastLengthAt + _lastLengthSize;
            payload[data.._position].CopyTo(payload[_lastLengthAt..]);
            _position -= _lastLengthSize;
            _lastUnsized = true;
        }

        payload[0] = (byte)(_flags | ((_lastUnsized ? _elements : 0) << 4));
        Send(sink, timestamp, marker, _position);
    }
}
