using System.Buffers;

namespace EdgeBox.Protocols.Rtp;

/// <summary>What <see cref="RtpReorderBuffer.Push"/> did with a packet.</summary>
internal enum RtpReorderResult
{
    /// <summary>Placed in sequence (and released at once if nothing was missing before it).</summary>
    Accepted,

    /// <summary>The same sequence number is already buffered; dropped.</summary>
    Duplicate,

    /// <summary>Its turn has passed (released or given up as lost), or it is a stray from another stream; dropped.</summary>
    Late,

    /// <summary>Not a valid RTP packet; dropped.</summary>
    Invalid,

    /// <summary>A jump too far to be loss or misordering: held as the possible start of a restarted stream.</summary>
    Held,
}

/// <summary>
/// Puts RTP packets received over UDP back in sequence order. Sequence numbers are extended past the
/// 16-bit wrap; a packet that arrives in order is released at once. After a gap, later packets wait
/// until the missing one arrives, the window of <see cref="Capacity"/> sequence numbers is full, or one
/// of them has waited <see cref="MaxDelay"/>; then the gap is skipped and counted as lost.
/// <para>
/// Packets are rented arrays the buffer owns from <see cref="Push"/> on: each goes back to the pool
/// given at construction once it is released to the receiver or dropped, so buffering allocates
/// nothing per packet. Not thread-safe: one receive loop owns it, and calls <see cref="ReleaseDue"/>
/// when <see cref="GetTimeUntilDue"/> says (e.g. as its receive timeout).
/// </para>
/// <para>
/// A jump of <see cref="MaxDropout"/> or more ahead, or more than <see cref="MaxMisorder"/> behind, is the
/// "probable restart" of RFC 3550 Appendix A.1 (a camera rebooted, a new SSRC behind the same port):
/// the packet is held, and when the next packet follows it (or <see cref="MaxDelay"/> passes with nothing
/// else) the old stream's packets are flushed and sequencing restarts from it. A lone stray is dropped.
/// </para>
/// </summary>
internal sealed class RtpReorderBuffer : IDisposable
{
    /// <summary>Sequence numbers the window holds. 64 packets is ~50 ms of a 10 Mbit/s stream at 1400 bytes.</summary>
    public const int DefaultCapacity = 64;

    /// <summary>RFC 3550 Appendix A.1's MAX_DROPOUT: a larger jump ahead is a restart, not loss.</summary>
    public const int MaxDropout = 3000;

    /// <summary>RFC 3550 Appendix A.1's MAX_MISORDER: a packet further behind is a restart, not a late packet.</summary>
    public const int MaxMisorder = 100;

    /// <summary>How long a gap is waited for: GStreamer's rtpjitterbuffer default latency.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromMilliseconds(200);

    // Extended sequence numbers start at this many cycles, so they stay positive when a stream begins
    // with a few misordered packets below the first one.
    private const long CycleBase = 1L << 32;

    private readonly Slot[] _slots;
    private readonly ArrayPool<byte> _pool;
    private readonly IRtpPacketReceiver _receiver;
    private readonly TimeProvider _time;
    private readonly long _maxDelayTicks;
    private Slot _held;
    private bool _started;
    private long _next;      // extended sequence number of the next packet to release
    private long _highest;   // highest extended sequence number accepted
    private long _base;      // extended sequence number the stream (re)started at
    private int _count;      // packets in _slots
    private int _lostBefore; // skipped since the last release

    public RtpReorderBuffer(IRtpPacketReceiver receiver, TimeProvider timeProvider, ArrayPool<byte>? pool = null,
        int capacity = DefaultCapacity, TimeSpan? maxDelay = null)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxDropout);
        var delay = maxDelay ?? DefaultMaxDelay;
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(maxDelay));
        _receiver = receiver;
        _time = timeProvider;
        _pool = pool ?? ArrayPool<byte>.Shared;
        _slots = new Slot[capacity];
        MaxDelay = delay;
        _maxDelayTicks = (long)(delay.TotalSeconds * timeProvider.TimestampFrequency);
    }

    public int Capacity => _slots.Length;

    public TimeSpan MaxDelay { get; }

    /// <summary>Packets waiting in the window (not counting a held restart candidate).</summary>
    public int Count => _count;

    public long Released { get; private set; }

    /// <summary>Sequence numbers given up on.</summary>
    public long Lost { get; private set; }

    public long Duplicates { get; private set; }

    public long Late { get; private set; }

    public long Invalid { get; private set; }

    /// <summary>Times sequencing restarted after a large jump.</summary>
    public long Resets { get; private set; }

    /// <summary>The extended highest sequence number received, as an RTCP report block carries it (cycles since the start in the high 16 bits).</summary>
    public uint ExtendedHighestSequence => _started ? (uint)(_highest - _base + (ushort)_base) : 0;

    /// <summary>
    /// Takes ownership of a packet in <paramref name="buffer"/> (rented from this buffer's pool; its
    /// first <paramref name="length"/> bytes). The array goes back to the pool whatever the result.
    /// Packets that become releasable go to the receiver before this returns.
    /// </summary>
    public RtpReorderResult Push(byte[] buffer, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)buffer.Length, nameof(length));
        if (!RtpHeader.TryParse(buffer.AsSpan(0, length), out var header, out int offset, out int payloadLength))
        {
            Invalid++;
            _pool.Return(buffer);
            return RtpReorderResult.Invalid;
        }

        long now = _time.GetTimestamp();
        var slot = new Slot(buffer, length, header, offset, payloadLength, now);
        var result = Place(ref slot);
        ReleaseDue(now);
        return result;
    }

    /// <summary>Releases what has waited long enough: gaps older than <see cref="MaxDelay"/>, and a held restart nobody contradicted.</summary>
    public void ReleaseDue() => ReleaseDue(_time.GetTimestamp());

    /// <summary>How long until <see cref="ReleaseDue"/> has something to do; null when nothing is waiting.</summary>
    public TimeSpan? GetTimeUntilDue()
    {
        long? arrival = _count > 0 ? OldestArrival() : _held.Buffer is not null ? _held.Arrival : null;
        if (arrival is null)
        {
            return null;
        }

        var remaining = MaxDelay - _time.GetElapsedTime(arrival.Value);
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    /// <summary>Releases everything buffered in order, skipping the gaps (end of stream).</summary>
    public void Flush()
    {
        while (_count > 0)
        {
            SkipTo(FirstBuffered());
            Drain();
        }
    }

    /// <summary>Drops everything buffered (back to the pool) and forgets the sequence state.</summary>
    public void Reset()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            Return(ref _slots[i]);
        }

        Return(ref _held);
        _count = 0;
        _lostBefore = 0;
        _started = false;
    }

    public void Dispose() => Reset();

    private void ReleaseDue(long now)
    {
        while (_count > 0 && now - OldestArrival() >= _maxDelayTicks)
        {
            SkipTo(FirstBuffered());
            Drain();
        }

        if (_count == 0 && _held.Buffer is not null && now - _held.Arrival >= _maxDelayTicks)
        {
            Restart();
        }
    }

    private RtpReorderResult Place(ref Slot slot)
    {
        ushort seq = slot.Header.SequenceNumber;
        if (!_started)
        {
            _started = true;
            _next = _highest = _base = CycleBase + seq;
        }

        long ext = _next + (short)(ushort)(seq - (ushort)_next);
        long delta = ext - _next;
        if (delta >= MaxDropout || delta < -MaxMisorder)
        {
            return Hold(ref slot);
        }

        if (_held.Buffer is not null)
        {
            // The old stream goes on: the held packet was a stray.
            Late++;
            Return(ref _held);
        }

        if (delta < 0)
        {
            Late++;
            Return(ref slot);
            return RtpReorderResult.Late;
        }

        if (delta >= _slots.Length)
        {
            SkipTo(ext - _slots.Length + 1);
        }

        ref var target = ref _slots[Index(ext)];
        if (target.Buffer is not null)
        {
            Duplicates++;
            Return(ref slot);
            return RtpReorderResult.Duplicate;
        }

        target = slot;
        _count++;
        _highest = Math.Max(_highest, ext);
        Drain();
        return RtpReorderResult.Accepted;
    }

    private RtpReorderResult Hold(ref Slot slot)
    {
        if (_held.Buffer is not null)
        {
            int distance = (short)(ushort)(slot.Header.SequenceNumber - _held.Header.SequenceNumber);
            if (distance == 0)
            {
                Duplicates++;
                Return(ref slot);
                return RtpReorderResult.Duplicate;
            }

            if (Math.Abs(distance) < _slots.Length)
            {
                // Two packets close together far from the old stream: it restarted.
                Restart();
                return Place(ref slot);
            }

            Late++;
            Return(ref _held);
        }

        _held = slot;
        slot = default;
        return RtpReorderResult.Held;
    }

    private void Restart()
    {
        Flush();
        Resets++;
        _started = false;
        var held = _held;
        _held = default;
        Place(ref held);
    }

    /// <summary>Releases packets from the head of the window while they are there.</summary>
    private void Drain()
    {
        while (_count > 0)
        {
            ref var slot = ref _slots[Index(_next)];
            if (slot.Buffer is null)
            {
                return;
            }

            _next++;
            Release(ref slot);
        }
    }

    /// <summary>Moves the head to <paramref name="target"/>: releases what is buffered below it and counts the rest lost.</summary>
    private void SkipTo(long target)
    {
        while (_next < target)
        {
            if (_count == 0)
            {
                Lose(target - _next);
                _next = target;
                return;
            }

            ref var slot = ref _slots[Index(_next)];
            _next++;
            if (slot.Buffer is null)
            {
                Lose(1);
            }
            else
            {
                Release(ref slot);
            }
        }
    }

    private void Lose(long count)
    {
        Lost += count;
        _lostBefore = (int)Math.Min(int.MaxValue, _lostBefore + count);
    }

    private long FirstBuffered()
    {
        for (long ext = _next; ; ext++)
        {
            if (_slots[Index(ext)].Buffer is not null)
            {
                return ext;
            }
        }
    }

    /// <summary>When the packet that has waited longest arrived (only called while a gap holds packets back).</summary>
    private long OldestArrival()
    {
        long oldest = long.MaxValue;
        foreach (ref readonly var slot in _slots.AsSpan())
        {
            if (slot.Buffer is not null && slot.Arrival < oldest)
            {
                oldest = slot.Arrival;
            }
        }

        return oldest;
    }

    private void Release(ref Slot slot)
    {
        var taken = slot;
        slot = default;
        _count--;
        Released++;
        int lost = _lostBefore;
        _lostBefore = 0;
        try
        {
            var data = taken.Buffer.AsSpan(0, taken.Length);
            _receiver.OnPacket(new RtpPacket(taken.Header, data, data.Slice(taken.PayloadOffset, taken.PayloadLength)), lost);
        }
        finally
        {
            _pool.Return(taken.Buffer!);
        }
    }

    private void Return(ref Slot slot)
    {
        if (slot.Buffer is not null)
        {
            _pool.Return(slot.Buffer);
            slot = default;
        }
    }

    private int Index(long ext) => (int)(ext % _slots.Length);

    private record struct Slot(byte[]? Buffer, int Length, RtpHeader Header, int PayloadOffset, int PayloadLength, long Arrival);
}
