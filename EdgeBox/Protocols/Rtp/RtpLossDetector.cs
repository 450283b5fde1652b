namespace EdgeBox.Protocols.Rtp;

/// <summary>
/// The receiver side of NACK-based recovery for one incoming stream (one SSRC of a WHIP ingest): notes
/// the gaps in the sequence numbers as packets arrive, and says which missing numbers to ask for again
/// (<see cref="GetNackList"/>, written with <see cref="RtcpNack.Write"/>).
/// <para>
/// A missing number is asked for at once, then again when a round trip has passed without it (at least
/// <see cref="MinRetryInterval"/> apart), at most <see cref="MaxRequests"/> times; it is given up one
/// interval after the last request, after <see cref="MaxAge"/>, or when it falls out of the window of the
/// newest <see cref="MaxDistance"/> numbers (512 behind the newest, by default). A packet arriving late or retransmitted
/// (RTX unwrapped with <see cref="RtpRtx.TryUnwrap"/>) fills its gap.
/// </para>
/// <para>
/// Memory is one slot per number of the window, fixed at construction. A jump of <see cref="MaxDistance"/>
/// or more either way is a stray (dropped) unless the next packet follows it, which makes it a restart
/// (RFC 3550 Appendix A.1's "probable restart"): the old gaps are given up and nothing in the jump is
/// asked for (a sender rarely keeps that much; a keyframe request serves better — watch <see cref="GivenUp"/>).
/// </para>
/// Not thread-safe: the stream's receive loop owns it.
/// </summary>
internal sealed class RtpLossDetector
{
    /// <summary>Requests per missing packet before giving up on it.</summary>
    public const int DefaultMaxRequests = 3;

    /// <summary>The window of numbers watched for gaps: a missing one is asked for while fewer than this behind the newest.</summary>
    public const int DefaultMaxDistance = 512;

    /// <summary>A second: senders keep packets about that long (libwebrtc's RtpPacketHistory::kMinPacketDuration), so a later request is wasted.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(1);

    /// <summary>The round-trip time assumed until <see cref="Rtt"/> is set: libwebrtc's default.</summary>
    public static readonly TimeSpan DefaultRtt = TimeSpan.FromMilliseconds(100);

    /// <summary>Requests for the same packet are never closer than this, however short the round trip.</summary>
    public static readonly TimeSpan MinRetryInterval = TimeSpan.FromMilliseconds(20);

    // Extended sequence numbers start this many cycles up, so that they stay positive.
    private const long CycleBase = 1L << 32;

    private readonly Entry[] _entries; // indexed by extended number % MaxDistance
    private readonly TimeProvider _time;
    private readonly long _maxAgeTicks;
    private long _retryTicks;
    private TimeSpan _rtt;
    private bool _started;
    private long _highest;
    private int? _stray;

    public RtpLossDetector(TimeProvider timeProvider, int maxRequests = DefaultMaxRequests, int maxDistance = DefaultMaxDistance, TimeSpan? maxAge = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRequests, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDistance, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDistance, 0x8000);
        var age = maxAge ?? DefaultMaxAge;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(age, TimeSpan.Zero, nameof(maxAge));
        _time = timeProvider;
        _entries = new Entry[maxDistance];
        MaxRequests = maxRequests;
        MaxAge = age;
        _maxAgeTicks = ToTicks(age);
        Rtt = DefaultRtt;
    }

    public int MaxRequests { get; }

    public int MaxDistance => _entries.Length;

    public TimeSpan MaxAge { get; }

    /// <summary>The round-trip estimate (from RTCP report blocks) that spaces repeated requests.</summary>
    public TimeSpan Rtt
    {
        get => _rtt;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _rtt = value;
            _retryTicks = ToTicks(value > MinRetryInterval ? value : MinRetryInterval);
        }
    }

    /// <summary>Numbers missing and not given up.</summary>
    public int Missing { get; private set; }

    /// <summary>Requests made (a number asked for three times counts three).</summary>
    public long Requested { get; private set; }

    /// <summary>Missing numbers that arrived after all.</summary>
    public long Recovered { get; private set; }

    public long GivenUp { get; private set; }

    /// <summary>Notes the arrival of <paramref name="sequenceNumber"/> at <paramref name="arrivalTimestamp"/> (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public void OnPacket(ushort sequenceNumber, long arrivalTimestamp)
    {
        if (!_started)
        {
            Restart(sequenceNumber);
            return;
        }

        long ext = _highest + (short)(ushort)(sequenceNumber - (ushort)_highest);
        long delta = ext - _highest;
        if (Math.Abs(delta) >= _entries.Length)
        {
            if (_stray is int stray && (ushort)(sequenceNumber - stray) == 1)
            {
                Restart(sequenceNumber);
            }
            else
            {
                _stray = sequenceNumber;
            }

            return;
        }

        _stray = null;
        if (delta > 0)
        {
            for (long e = _highest + 1; e < ext; e++)
            {
                Replace(e) = new Entry(e, arrivalTimestamp);
                Missing++;
            }

            Replace(ext) = default;
            _highest = ext;
            return;
        }

        ref var entry = ref _entries[Index(ext)];
        if (entry.Missing && entry.Sequence == ext)
        {
            entry = default;
            Missing--;
            Recovered++;
        }
    }

    /// <summary>
    /// Writes into <paramref name="destination"/>, oldest first, the missing numbers due to be asked for at
    /// <paramref name="now"/>, and counts them as asked. Gives up those past their last chance on the way.
    /// </summary>
    /// <returns>How many were written: a NACK's worth when not 0.</returns>
    public int GetNackList(long now, Span<ushort> destination)
    {
        int count = 0;
        for (long e = _highest - _entries.Length + 1; e < _highest && Missing > 0 && count < destination.Length; e++)
        {
            ref var entry = ref _entries[Index(e)];
            if (!entry.Missing || entry.Sequence != e)
            {
                continue;
            }

            bool waited = entry.Requests == 0 || now - entry.LastRequest >= _retryTicks;
            if (now - entry.Detected >= _maxAgeTicks || (entry.Requests >= MaxRequests && waited))
            {
                GiveUp(ref entry);
            }
            else if (waited && entry.Requests < MaxRequests)
            {
                destination[count++] = (ushort)e;
                entry.Requests++;
                entry.LastRequest = now;
                Requested++;
            }
        }

        return count;
    }

    /// <summary>How long until <see cref="GetNackList"/> has something to do (to time the next call); null when nothing is missing.</summary>
    public TimeSpan? GetTimeUntilDue(long now)
    {
        long? due = null;
        foreach (ref readonly var entry in _entries.AsSpan())
        {
            if (entry.Missing)
            {
                long at = entry.Requests == 0 ? entry.Detected : Math.Min(entry.LastRequest + _retryTicks, entry.Detected + _maxAgeTicks);
                due = due is long earlier ? Math.Min(earlier, at) : at;
            }
        }

        return due is long next ? _time.GetElapsedTime(now, Math.Max(now, next)) : null;
    }

    /// <summary>Forgets the stream (a new SSRC, or the session restarts).</summary>
    public void Reset()
    {
        Array.Clear(_entries);
        Missing = 0;
        _started = false;
        _stray = null;
    }

    private void Restart(ushort sequenceNumber)
    {
        foreach (ref var entry in _entries.AsSpan())
        {
            if (entry.Missing)
            {
                GiveUp(ref entry);
            }
        }

        _started = true;
        _stray = null;
        _highest = CycleBase + sequenceNumber;
    }

    /// <summary>The slot of <paramref name="ext"/>, giving up what it held for an older number.</summary>
    private ref Entry Replace(long ext)
    {
        ref var entry = ref _entries[Index(ext)];
        if (entry.Missing)
        {
            GiveUp(ref entry);
        }

        return ref entry;
    }

    private void GiveUp(ref Entry entry)
    {
        entry = default;
        Missing--;
        GivenUp++;
    }

    private long ToTicks(TimeSpan time) => (long)(time.TotalSeconds * _time.TimestampFrequency);

    private int Index(long ext) => (int)(ext % _entries.Length);

    private struct Entry
    {
        public Entry(long sequence, long detected)
        {
            Missing = true;
            Sequence = sequence;
            Detected = detected;
        }

        public bool Missing;
        public long Sequence;
        public long Detected;
        public long LastRequest;
        public int Requests;
    }
}
