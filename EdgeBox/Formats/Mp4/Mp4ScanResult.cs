namespace EdgeBox.Formats.Mp4;

/// <summary>Why <see cref="Mp4FragmentScanner"/> stopped where it did.</summary>
internal enum Mp4ScanStop
{
    /// <summary>Every box is complete: the file ends where the last one does.</summary>
    EndOfFile,

    /// <summary>The last box is cut short (a write interrupted by a crash or power loss).</summary>
    Truncated,

    /// <summary>Bytes that are not a box, or boxes that do not fit together (garbage, another writer's layout).</summary>
    Malformed,

    /// <summary>A moov or moof larger than the scanner reads (<see cref="Mp4FragmentScanner.MaxHeaderBoxSize"/>).</summary>
    TooLarge,
}

/// <summary>A track the scanner found in the moov.</summary>
/// <param name="PresentationOffset">
/// What the track's edit list takes off its composition times to make presentation times (track ticks): its
/// first media edit's media_time less any empty edit before it. 0 without an edit list.
/// </param>
internal readonly record struct Mp4ScannedTrack(uint Id, uint Timescale, bool IsVideo, long PresentationOffset = 0);

/// <summary>One track's samples in a scanned fragment, in its timescale.</summary>
internal readonly record struct Mp4ScannedRun(uint TrackId, ulong BaseDecodeTime, ulong Duration, int Samples);

/// <summary>A sync sample of a video track: its times in the track's timescale and the offset of its bytes in the file.</summary>
/// <param name="PresentationTime">Its composition time less the track's <see cref="Mp4ScannedTrack.PresentationOffset"/>: when it shows.</param>
internal readonly record struct Mp4ScannedKeyframe(uint TrackId, ulong DecodeTime, long CompositionTime, long PresentationTime, long Offset);

/// <summary>A complete moof + mdat pair.</summary>
/// <param name="Offset">Where the moof starts.</param>
/// <param name="Length">moof and mdat together.</param>
internal sealed record Mp4ScannedFragment(
    long Offset, long Length, uint SequenceNumber, IReadOnlyList<Mp4ScannedRun> Runs, IReadOnlyList<Mp4ScannedKeyframe> Keyframes)
{
    public long End => Offset + Length;

    /// <summary>The bytes of the moof alone; its mdat follows.</summary>
    public int MoofLength { get; init; }
}

/// <summary>What <see cref="Mp4FragmentScanner"/> found.</summary>
/// <param name="InitLength">The end of the moov (ftyp + moov), 0 when the file has no complete init segment.</param>
/// <param name="ValidLength">
/// The end of the last complete moof + mdat pair (or <paramref name="InitLength"/> when there is none): truncate
/// the file to it (<see cref="Stream.SetLength"/>) and everything left plays.
/// </param>
/// <param name="StopOffset">Where the scan stopped: the start of the box it could not take.</param>
internal sealed record Mp4ScanResult(
    long FileLength,
    long InitLength,
    long ValidLength,
    IReadOnlyList<Mp4ScannedTrack> Tracks,
    IReadOnlyList<Mp4ScannedFragment> Fragments,
    Mp4ScanStop Stop,
    long StopOffset)
{
    public bool HasInit => InitLength > 0;

    /// <summary>Where the moov starts (0 when the file has no complete init segment).</summary>
    public long MoovOffset { get; init; }

    /// <summary>True when there is something past <see cref="ValidLength"/> to cut.</summary>
    public bool NeedsTruncation => ValidLength < FileLength;

    /// <summary>The end of the last complete fragment of <paramref name="trackId"/>, in its timescale (0 when none).</summary>
    public ulong EndOf(uint trackId)
    {
        ulong end = 0;
        foreach (var fragment in Fragments)
        {
            foreach (var run in fragment.Runs)
            {
                if (run.TrackId == trackId)
                {
                    end = Math.Max(end, run.BaseDecodeTime + run.Duration);
                }
            }
        }

        return end;
    }
}
