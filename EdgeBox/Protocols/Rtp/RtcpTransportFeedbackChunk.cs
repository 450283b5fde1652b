using System.Buffers.Binary;

namespace EdgeBox.Protocols.Rtp;

/// <summary>Packet status symbols of transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1).</summary>
internal enum RtcpPacketStatus : byte
{
    NotReceived = 0,

    /// <summary>Received, with a one-byte receive delta (0 to 63.75 ms).</summary>
    SmallDelta = 1,

    /// <summary>Received, with a two-byte signed receive delta (a larger or a negative one).</summary>
    LargeDelta = 2,

    /// <summary>Reserved: a packet holding it is rejected, as libwebrtc does.</summary>
    Reserved = 3,
}

/// <summary>
/// The 16-bit packet status chunks of transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
/// §3.1.3, §3.1.4). A run length chunk (T=0) repeats one 2-bit symbol up to 8191 times; a status vector
/// chunk (T=1) lists 14 one-bit symbols (S=0: not received / small delta) or 7 two-bit ones (S=1).
/// <code>
///  0                   1
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |T| S |       Run Length        |   run length chunk, T = 0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |T|S|       symbol list         |   status vector chunk, T = 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal static class RtcpTransportFeedbackChunk
{
    public const int Size = 2;
    public const int MaxRunLength = 0x1FFF;
    public const int OneBitCapacity = 14;
    public const int TwoBitCapacity = 7;

    /// <summary>How many symbols the chunk holds (a run length chunk may hold none).</summary>
    public static int GetCapacity(ushort chunk) =>
        (chunk & 0x8000) == 0 ? chunk & MaxRunLength : (chunk & 0x4000) == 0 ? OneBitCapacity : TwoBitCapacity;

    /// <summary>Symbol <paramref name="index"/> of the chunk (below <see cref="GetCapacity"/>).</summary>
    public static RtcpPacketStatus GetSymbol(ushort chunk, int index) => (RtcpPacketStatus)(
        (chunk & 0x8000) == 0 ? (chunk >> 13) & 3
        : (chunk & 0x4000) == 0 ? (chunk >> (OneBitCapacity - 1 - index)) & 1
        : (chunk >> (2 * (TwoBitCapacity - 1 - index))) & 3);

    public static ushort RunLength(RtcpPacketStatus symbol, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)MaxRunLength, nameof(length));
        return (ushort)(((int)symbol << 13) | length);
    }

    /// <summary>
    /// Accumulates the symbols of a feedback packet into chunks the way libwebrtc does, so that the same
    /// arrivals give the same bytes: a run while all symbols are equal, 14 one-bit symbols while none
    /// needs a large delta, else 7 two-bit ones. <see cref="Flush"/> emits the last, partial chunk: a run,
    /// a two-bit vector of up to 7, or a one-bit vector of up to 14.
    /// </summary>
    internal struct Encoder
    {
        private ulong _symbols; // the first OneBitCapacity symbols of the pending chunk, 2 bits each, first in the low bits
        private int _size;
        private bool _allSame;
        private bool _hasLarge;

        /// <summary>Chunks emitted so far (not counting a pending one).</summary>
        public int Emitted { get; private set; }

        /// <summary>Chunks the packet needs if it ended now.</summary>
        public readonly int ChunkCount => Emitted + (_size > 0 ? 1 : 0);

        /// <summary>Adds a symbol; when the pending chunk cannot take it, the chunk is completed into <paramref name="output"/> (when not empty) first.</summary>
        public void Add(RtcpPacketStatus symbol, Span<byte> output)
        {
            if (!CanAdd(symbol))
            {
                Emit(output);
            }

            if (_size == 0)
            {
                _allSame = true;
                _hasLarge = false;
            }

            if (_size < OneBitCapacity)
            {
                _symbols |= (ulong)symbol << (2 * _size);
            }

            _allSame = _allSame && symbol == First;
            _hasLarge = _hasLarge || symbol == RtcpPacketStatus.LargeDelta;
            _size++;
        }

        /// <summary>Writes the pending chunk, if any, into <paramref name="output"/> (when not empty).</summary>
        public void Flush(Span<byte> output)
        {
            if (_size == 0)
            {
                return;
            }

            Write(output, _allSame ? RunLength(First, _size) : _size <= TwoBitCapacity ? Vector(TwoBitCapacity, _size) : Vector(OneBitCapacity, _size));
            Clear();
        }

        private readonly RtcpPacketStatus First => (RtcpPacketStatus)(_symbols & 3);

        private readonly bool CanAdd(RtcpPacketStatus symbol) =>
            _size < TwoBitCapacity
            || (_size < OneBitCapacity && !_hasLarge && symbol != RtcpPacketStatus.LargeDelta)
            || (_size < MaxRunLength && _allSame && symbol == First);

        private void Emit(Span<byte> output)
        {
            if (_allSame || _size == OneBitCapacity)
            {
                Flush(output);
                return;
            }

            // Seven two-bit symbols out; the rest (fewer than seven) stay pending.
            Write(output, Vector(TwoBitCapacity, TwoBitCapacity));
            int rest = _size - TwoBitCapacity;
            ulong remaining = _symbols >> (2 * TwoBitCapacity);
            Clear();
            for (int i = 0; i < rest; i++)
            {
                Add((RtcpPacketStatus)((remaining >> (2 * i)) & 3), default);
            }
        }

        private readonly ushort Vector(int capacity, int count)
        {
            int bits = capacity == OneBitCapacity ? 1 : 2;
            int chunk = capacity == OneBitCapacity ? 0x8000 : 0xC000;
            for (int i = 0; i < count; i++)
            {
                chunk |= (int)((_symbols >> (2 * i)) & 3) << (bits * (capacity - 1 - i));
            }

            return (ushort)chunk;
        }

        private void Write(Span<byte> output, ushort chunk)
        {
            if (!output.IsEmpty)
            {
                BinaryPrimitives.WriteUInt16BigEndian(output[(Emitted * Size)..], chunk);
            }

            Emitted++;
        }

        private void Clear()
        {
            _symbols = 0;
            _size = 0;
        }
    }
}
