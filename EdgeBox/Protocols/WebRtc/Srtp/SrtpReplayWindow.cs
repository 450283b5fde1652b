namespace EdgeBox.Protocols.WebRtc.Srtp;

/// <summary>
/// The replay list of RFC 3711 §3.3.2 as a sliding bitmask: the highest index authenticated so far
/// and, for the <see cref="Size"/> indices at and below it, whether each was seen. An index above the
/// highest is new; one in the window is new once; anything older is rejected, since it can no longer
/// be told apart from a replay. The same window serves the 48-bit SRTP packet index and the 31-bit
/// SRTCP index. <see cref="IsFresh"/> only reads: the caller calls <see cref="Accept"/> after the
/// packet authenticated, so a forgery never moves the window.
/// </summary>
internal struct SrtpReplayWindow
{
    /// <summary>RFC 3711 §3.3.2 asks for at least 64; libsrtp's default is 128, WebRTC stacks use 64 to 1024.</summary>
    public const int Size = 64;

    private ulong _mask; // bit i: Highest - i was seen

    /// <summary>Whether any index was accepted yet.</summary>
    public bool IsEmpty { get; private set; } = true;

    /// <summary>The highest accepted index (meaningless while <see cref="IsEmpty"/>).</summary>
    public ulong Highest { get; private set; }

    public SrtpReplayWindow()
    {
    }

    public readonly bool IsFresh(ulong index)
    {
        if (IsEmpty || index > Highest)
        {
            return true;
        }

        ulong age = Highest - index;
        return age < Size && (_mask & (1UL << (int)age)) == 0;
    }

    /// <summary>Records an authenticated index that <see cref="IsFresh"/> accepted.</summary>
    public void Accept(ulong index)
    {
        if (IsEmpty)
        {
            IsEmpty = false;
            Highest = index;
            _mask = 1;
        }
        else if (index > Highest)
        {
            ulong shift = index - Highest;
            _mask = shift >= Size ? 1 : (_mask << (int)shift) | 1;
            Highest = index;
        }
        else
        {
            _mask |= 1UL << (int)(Highest - index);
        }
    }

    /// <summary>
    /// The packet index i = 2^16 * ROC + SEQ a sequence number most likely belongs to, given the highest
    /// index s_l seen so far (RFC 3711 §3.3.1 and Appendix A): the ROC guess v is ROC - 1, ROC or ROC + 1,
    /// whichever puts SEQ closest to s_l. False when that guess would fall outside 0..2^32 - 1: a packet
    /// from before the first one seen, or past the end of the index space (the key must change first).
    /// </summary>
    public static bool TryEstimateIndex(ulong highest, ushort sequenceNumber, out ulong index)
    {
        long roc = (long)(highest >> 16);
        int highestSequence = (ushort)highest;
        long guess = roc;
        if (highestSequence < 0x8000)
        {
            if (sequenceNumber - highestSequence > 0x8000)
            {
                guess = roc - 1;
            }
        }
        else if (highestSequence - 0x8000 > sequenceNumber)
        {
            guess = roc + 1;
        }

        if (guess < 0 || guess > uint.MaxValue)
        {
            index = 0;
            return false;
        }

        index = ((ulong)guess << 16) | sequenceNumber;
        return true;
    }
}
