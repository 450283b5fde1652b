using System.Buffers;
using System.Numerics;

namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The packets an outgoing RTP stream sent lately, kept so that NACKed ones (RFC 4585 §6.2.1) can be sent
/// again, as they were or as RTX (RFC 4588). One per outgoing SSRC; store each packet before SRTP
/// protects it.
/// <para>
/// A ring of <see cref="Capacity"/> slots indexed by <c>sequence number % capacity</c> (a power of two,
/// so the ring runs on unbroken across the 65535 → 0 wrap). Each slot keeps a buffer rented from the
/// pool and reuses it for the packets that land there, renting a larger one only when a packet outgrows
/// it, so storing allocates nothing once the ring has filled; <see cref="Dispose"/> returns them all.
/// A lookup fails when the slot has been taken by a newer packet, or the packet is older than
/// <see cref="MaxAge"/> (a retransmission that late would reach the receiver after it stopped waiting).
/// </para>
/// Not thread-safe: the stream's send loop owns it.
/// </summary>
internal sealed class RtpRetransmissionHistory : IDisposable
{
    /// <summary>1024 packets: 1 s of an 8 Mbit/s stream of 1000-byte packets (libwebrtc's video sender asks for at least 600, kMinSendSidePacketHistorySize).</summary>
    public const int DefaultCapacity = 1024;

    /// <summary>An Ethernet MTU: larger RTP packets would be fragmented, and no packetizer of ours makes them.</summary>
    public const int DefaultMaxPacketSize = 1500;

    /// <summary>A second: the least libwebrtc's RtpPacketHistory keeps a packet for (kMinPacketDuration; 3 RTTs when longer).</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(1);

    private readonly Slot[] _slots;
    private readonly ArrayPool<byte> _pool;
    private readonly long _maxAgeTicks;

    public RtpRetransmissionHistory(TimeProvider timeProvider, int capacity = DefaultCapacity, TimeSpan? maxAge = null,
        int maxPacketSize = DefaultMaxPacketSize, ArrayPool<byte>? pool = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 0x8000);
        if (!BitOperations.IsPow2(capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be a power of two.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, RtpHeader.FixedSize);
        var age = maxAge ?? DefaultMaxAge;
        ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero, nameof(maxAge));
        _slots = new Slot[capacity];
        _pool = pool ?? ArrayPool<byte>.Shared;
        MaxAge = age;
        MaxPacketSize = maxPacketSize;
        _maxAgeTicks = (long)(age.TotalSeconds * timeProvider.TimestampFrequency);
    }

    public int Capacity => _slots.Length;

    public TimeSpan MaxAge { get; }

    /// <summary>Larger packets are not stored.</summary>
    public int MaxPacketSize { get; }

    /// <summary>
    /// Keeps a copy of <paramref name="rtpPacket"/>, sent at <paramref name="timestamp"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/>), in place of whatever its slot held.
    /// </summary>
    /// <returns>False (nothing stored) for a packet that is not valid RTP or is larger than <see cref="MaxPacketSize"/>.</returns>
    public bool Store(ReadOnlySpan<byte> rtpPacket, long timestamp)
    {
        if (rtpPacket.Length > MaxPacketSize || !RtpHeader.TryParse(rtpPacket, out var header, out _, out _))
        {
            return false;
        }

        ushort sequenceNumber = header.SequenceNumber;
        ref var slot = ref _slots[sequenceNumber & (_slots.Length - 1)];
        if (slot.Buffer is null || slot.Buffer.Length < rtpPacket.Length)
        {
            var smaller = slot.Buffer;
            slot.Buffer = _pool.Rent(rtpPacket.Length);
            if (smaller is not null)
            {
                _pool.Return(smaller);
            }
        }

        rtpPacket.CopyTo(slot.Buffer);
        slot.Length = rtpPacket.Length;
        slot.SequenceNumber = sequenceNumber;
        slot.Timestamp = timestamp;
        return true;
    }

    /// <summary>Copies the stored packet <paramref name="sequenceNumber"/> into <paramref name="destination"/> (at least its length, <see cref="MaxPacketSize"/> will do).</summary>
    /// <returns>False when it is not held: never stored, overwritten by a newer one, or older than <see cref="MaxAge"/> at <paramref name="now"/>.</returns>
    public bool TryGet(ushort sequenceNumber, long now, Span<byte> destination, out int length)
    {
        if (!TryFind(sequenceNumber, now, out var packet))
        {
            length = 0;
            return false;
        }

        packet.CopyTo(destination);
        length = packet.Length;
        return true;
    }

    /// <summary>
    /// Builds the RTX packet (RFC 4588 §4, <see cref="RtpRtx.TryWrap"/>) of the stored packet <paramref name="sequenceNumber"/>
    /// into <paramref name="destination"/>, which needs 2 bytes more than the original.
    /// </summary>
    /// <param name="rtxSequenceNumber">The RTX stream's next sequence number; advance the counter when this returns true.</param>
    /// <returns>False when the packet is not held (see <see cref="TryGet"/>).</returns>
    public bool TryGetRtx(ushort sequenceNumber, long now, Span<byte> destination, byte rtxPayloadType, uint rtxSsrc,
        ushort rtxSequenceNumber, out int length)
    {
        if (!TryFind(sequenceNumber, now, out var packet))
        {
            length = 0;
            return false;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, packet.Length + RtpRtx.OsnSize, nameof(destination));
        return RtpRtx.TryWrap(packet, destination, rtxPayloadType, rtxSsrc, rtxSequenceNumber, out length); // stored packets parsed as RTP
    }

    /// <summary>Forgets every packet; the buffers stay rented for reuse.</summary>
    public void Clear()
    {
        foreach (ref var slot in _slots.AsSpan())
        {
            slot.Length = 0;
        }
    }

    public void Dispose()
    {
        foreach (ref var slot in _slots.AsSpan())
        {
            if (slot.Buffer is not null)
            {
                _pool.Return(slot.Buffer);
            }

            slot = default;
        }
    }

    private bool TryFind(ushort sequenceNumber, long now, out ReadOnlySpan<byte> packet)
    {
        ref readonly var slot = ref _slots[sequenceNumber & (_slots.Length - 1)];
        if (slot.Length == 0 || slot.SequenceNumber != sequenceNumber || now - slot.Timestamp > _maxAgeTicks)
        {
            packet = default;
            return false;
        }

        packet = slot.Buffer.AsSpan(0, slot.Length);
        return true;
    }

    private struct Slot
    {
        public byte[]? Buffer;
        public int Length; // 0: empty
        public ushort SequenceNumber;
        public long Timestamp;
    }
}
