using EdgeBox.Media;

namespace EdgeBox.Formats.Mp4;

/// <summary>Options of a <see cref="FragmentedMp4Writer"/>.</summary>
internal sealed record FragmentedMp4Options
{
    /// <summary>
    /// After each write, also ask the operating system to put the bytes on the disk (fsync) when the stream is a
    /// <see cref="FileStream"/>. Off: the bytes reach the page cache, which survives a crash of EdgeBox but not a
    /// power loss. On: a power loss loses at most the fragment being written (and the scanner cuts it off), at
    /// the price of a disk flush per fragment.
    /// </summary>
    public bool FlushToDisk { get; init; }

    /// <summary>
    /// A safety bound on the samples held between two <see cref="FragmentedMp4Writer.Flush"/> calls: when the
    /// pending payloads exceed it, <see cref="FragmentedMp4Writer.Add"/> writes them out as a fragment first.
    /// 64 MiB is over 10 s of a 50 Mbit/s stream, far above any sensible part duration.
    /// </summary>
    public int MaxPendingBytes { get; init; } = 64 << 20;
}

/// <summary>What one <see cref="FragmentedMp4Writer.Flush"/> wrote.</summary>
/// <param name="SequenceNumber">The fragment's mfhd sequence number (1, 2, ...).</param>
/// <param name="Offset">Where its moof starts, from the start of the file.</param>
/// <param name="Length">The bytes of moof and mdat.</param>
/// <param name="Start">The earliest decode time of its samples, as file time.</param>
/// <param name="Duration">From <paramref name="Start"/> to the end of its last sample (the longest track).</param>
/// <param name="StartsWithKeyframe">True when every video track's run starts with a sync sample (always for audio only).</param>
internal readonly record struct Mp4FragmentInfo(
    uint SequenceNumber, long Offset, int Length, TimeSpan Start, TimeSpan Duration, int Samples, bool StartsWithKeyframe);

/// <summary>A video keyframe written to the file, for a recording index: seek to <see cref="FragmentOffset"/> to play from it.</summary>
/// <param name="Time">Its presentation time in the file.</param>
/// <param name="Pts">Its PTS in the track's clock, as it came in.</param>
/// <param name="FragmentOffset">The offset of the moof of its fragment.</param>
/// <param name="SampleOffset">The offset of its bytes in the mdat.</param>
internal readonly record struct Mp4Keyframe(int TrackIndex, TimeSpan Time, long Pts, long FragmentOffset, long SampleOffset);

/// <summary>What a <see cref="FragmentedMp4Writer"/> has written of one track.</summary>
/// <param name="TrackIndex">The <see cref="MediaTrack.Index"/>.</param>
/// <param name="FirstPts">PTS (track clock, as it came in) of the first sample written; null before the first.</param>
/// <param name="LastPts">PTS of the last sample written.</param>
/// <param name="Dropped">Units refused: empty, or earlier than the track's first sample.</param>
/// <param name="End">The file time where the track's last written sample ends.</param>
internal readonly record struct Mp4TrackStats(
    int TrackIndex, uint TrackId, CodecId Codec, long? FirstPts, long? LastPts, long Samples, long Bytes, long Dropped, TimeSpan End);
