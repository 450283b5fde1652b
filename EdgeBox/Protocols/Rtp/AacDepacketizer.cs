using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// MPEG-4 audio over RTP, RFC 3640 with AU headers of size/index/index-delta bits (mode AAC-hbr:
/// 13/3/3, the default; AAC-lbr: 6/2/2), no CTS/DTS fields and no auxiliary section. Each packet carries
/// either whole AUs, the n-th at timestamp + n × <c>samplesPerUnit</c>, or one fragment of an AU larger
/// than a packet (§3.2.3: every fragment repeats the whole AU's size, the last one has the marker).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- .. -+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |AU-headers-length (bits, 16)  |AU-size(13)|idx(3)|AU-size(13)|idx-delta(3)| ...pad to byte| AUs...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- .. -+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal sealed class AacDepacketizer : IRtpDepacketizer
{
    private readonly int _sizeLength;
    private readonly int _indexLength;
    private readonly int _indexDeltaLength;
    private readonly uint _samplesPerUnit;
    private readonly AccessUnitBuffer _fragment;
    private bool _fragmenting;
    private bool _discarding; // the rest of a dropped fragmented AU (same timestamp and size) is ignored
    private uint _fragmentTimestamp;
    private int _fragmentSize;
    private bool _started;
    private ushort _lastSequence;

    public AacDepacketizer(int sizeLength = 13, int indexLength = 3, int indexDeltaLength = 3, int samplesPerUnit = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sizeLength, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)indexLength, 16u, nameof(indexLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)indexDeltaLength, 16u, nameof(indexDeltaLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerUnit, 1);
        _sizeLength = sizeLength;
        _indexLength = indexLength;
        _indexDeltaLength = indexDeltaLength;
        _samplesPerUnit = (uint)samplesPerUnit;
        _fragment = new AccessUnitBuffer(2048, (1 << sizeLength) - 1);
    }

    public long DroppedUnits { get; private set; }

    public void Push(in RtpHeader header, ReadOnlySpan<byte> payload, IAccessUnitSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        bool gap = _started && header.SequenceNumber != (ushort)(_lastSequence + 1);
        _started = true;
        _lastSequence = header.SequenceNumber;
        if (gap)
        {
            DropFragment();
        }

        if (payload.IsEmpty)
        {
            return;
        }

        if (!TryReadHeaders(payload, out int count, out int headerBits, out int total, out var data))
        {
            if (_fragmenting)
            {
                DropFragment(); // the packet was most likely its next fragment
            }
            else
            {
                DroppedUnits++; // the packet's AUs, as one
            }

            return;
        }

        var reader = new BitReader(payload.Slice(2, (headerBits + 7) / 8));
        if (count == 1 && (total > data.Length || (_fragmenting && header.Timestamp == _fragmentTimestamp && total == _fragmentSize)))
        {
            AppendFragment(header, total, data, sink);
            return;
        }

        DropFragment(); // whole AUs while a fragmented one was unfinished: its end was lost
        _discarding = false;
        int index = 0;
        for (int i = 0; i < count; i++)
        {
            int size = reader.Read(_sizeLength);
            if (i == 0)
            {
                reader.Read(_indexLength); // the RTP timestamp is the first AU's, whatever its index
            }
            else
            {
                index += reader.Read(_indexDeltaLength) + 1;
            }

            if (size > 0)
            {
                sink.OnAccessUnit(header.Timestamp + ((uint)index * _samplesPerUnit), true, data[..size]);
            }

            data = data[size..];
        }
    }

    public void Reset()
    {
        _fragment.Clear();
        _fragmenting = false;
        _discarding = false;
        _started = false;
    }

    public void Dispose() => _fragment.Dispose();

    /// <summary>Checks the AU header section and that the AUs fit (except a lone fragment's): nothing is emitted from a packet that fails.</summary>
    private bool TryReadHeaders(ReadOnlySpan<byte> payload, out int count, out int headerBits, out int total, out ReadOnlySpan<byte> data)
    {
        count = 0;
        total = 0;
        data = default;
        headerBits = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 0;
        int headerBytes = (headerBits + 7) / 8;
        if (headerBits == 0 || 2 + headerBytes > payload.Length)
        {
            return false; // empty, no AU header, or headers running past the packet
        }

        var reader = new BitReader(payload.Slice(2, headerBytes));
        int bits = 0;
        while (bits < headerBits)
        {
            int headerLength = _sizeLength + (count == 0 ? _indexLength : _indexDeltaLength);
            if (bits + headerLength > headerBits)
            {
                return false;
            }

            total += reader.Read(_sizeLength);
            reader.Read(headerLength - _sizeLength);
            bits += headerLength;
            count++;
        }

        data = payload[(2 + headerBytes)..];
        return count == 1 || total <= data.Length; // several AUs must all be there
    }

    private void AppendFragment(in RtpHeader header, int size, ReadOnlySpan<byte> data, IAccessUnitSink sink)
    {
        if (_discarding && header.Timestamp == _fragmentTimestamp && size == _fragmentSize)
        {
            _discarding = !header.Marker;
            return;
        }

        _discarding = false;
        if (_fragmenting && (header.Timestamp != _fragmentTimestamp || size != _fragmentSize))
        {
            DropFragment(); // a new AU began before the previous one's last fragment
        }

        if (!_fragmenting)
        {
            _fragmenting = true;
            _fragmentTimestamp = header.Timestamp;
            _fragmentSize = size;
            _fragment.Clear();
        }

        if (_fragment.Length + data.Length > size || !_fragment.TryAppend(data))
        {
            DropFragment();
            return;
        }

        if (header.Marker)
        {
            if (_fragment.Length == size)
            {
                sink.OnAccessUnit(_fragmentTimestamp, true, _fragment.Span);
                _fragmenting = false;
                _fragment.Clear();
            }
            else
            {
                DropFragment(); // the last fragment came but a middle one is missing
            }
        }
    }

    private void DropFragment()
    {
        if (_fragmenting)
        {
            DroppedUnits++;
            _fragmenting = false;
            _discarding = true;
            _fragment.Clear();
        }
    }

    /// <summary>Most-significant-bit-first reader over the AU header section.</summary>
    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _bit;

        public int Read(int bits)
        {
            int value = 0;
            for (int i = 0; i < bits; i++, _bit++)
            {
                value = (value << 1) | ((_data[_bit >> 3] >> (7 - (_bit & 7))) & 1);
            }

            return value;
        }
    }
}
