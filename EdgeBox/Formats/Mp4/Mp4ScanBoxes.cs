namespace EdgeBox.Formats.Mp4;

/// <summary>What <see cref="Mp4FragmentScanner"/> needs of a moov: each track's ID, timescale and kind, and the trex defaults.</summary>
internal static class Mp4MoovReader
{
    private const uint Mvhd = 0x6D766864;
    private const uint Edts = 0x65647473;
    private const uint Elst = 0x656C7374;

    public static bool TryRead(ReadOnlySpan<byte> moov, List<Mp4ScannedTrack> tracks, List<(uint TrackId, uint Duration, uint Size, uint Flags)> defaults)
    {
        uint movieTimescale = 0;
        var edits = new List<(long EmptyMovieTicks, long MediaTime)>();
        var children = new Mp4ChildBoxes(moov);
        while (children.MoveNext())
        {
            if (children.Type == Mvhd)
            {
                var r = new Mp4FieldReader(children.Current);
                int version = (int)(r.ReadUInt32() >> 24);
                r.Skip(version == 1 ? 16 : 8);
                movieTimescale = r.ReadUInt32();
                if (r.Overflowed)
                {
                    return false;
                }
            }
            else if (children.Type == Mp4BoxHeader.Trak)
            {
                if (!TryReadTrack(children.Current, out var track, out var edit) || tracks.Count >= Mp4FragmentScanner.MaxTracks)
                {
                    return false;
                }

                tracks.Add(track);
                edits.Add(edit);
            }
            else if (children.Type == Mp4BoxHeader.Mvex && !TryReadTrackExtends(children.Current, defaults))
            {
                return false;
            }
        }

        if (children.Malformed || tracks.Count == 0)
        {
            return false;
        }

        for (int i = 0; i < tracks.Count; i++)
        {
            var (empty, mediaTime) = edits[i];
            long emptyTicks = movieTimescale > 0 ? (long)((Int128)empty * tracks[i].Timescale / movieTimescale) : 0;
            tracks[i] = tracks[i] with { PresentationOffset = mediaTime - emptyTicks };
        }

        return true;
    }

    private static bool TryReadTrack(ReadOnlySpan<byte> trak, out Mp4ScannedTrack track, out (long EmptyMovieTicks, long MediaTime) edit)
    {
        track = default;
        edit = default;
        uint id = 0, timescale = 0;
        bool video = false;
        var children = new Mp4ChildBoxes(trak);
        while (children.MoveNext())
        {
            if (children.Type == Mp4BoxHeader.Tkhd)
            {
                var r = new Mp4FieldReader(children.Current);
                int version = (int)(r.ReadUInt32() >> 24);
                r.Skip(version == 1 ? 16 : 8); // creation_time, modification_time
                id = r.ReadUInt32();
                if (r.Overflowed)
                {
                    return false;
                }
            }
            else if (children.Type == Edts && !TryReadEditList(children.Current, out edit))
            {
                return false;
            }
            else if (children.Type == Mp4BoxHeader.Mdia)
            {
                var media = new Mp4ChildBoxes(children.Current);
                while (media.MoveNext())
                {
                    var r = new Mp4FieldReader(media.Current);
                    if (media.Type == Mp4BoxHeader.Mdhd)
                    {
                        int version = (int)(r.ReadUInt32() >> 24);
                        r.Skip(version == 1 ? 16 : 8);
                        timescale = r.ReadUInt32();
                    }
                    else if (media.Type == Mp4BoxHeader.Hdlr)
                    {
                        r.Skip(8); // version and flags, pre_defined
                        video = r.ReadUInt32() == Mp4BoxHeader.Vide;
                    }

                    if (r.Overflowed)
                    {
                        return false;
                    }
                }

                if (media.Malformed)
                {
                    return false;
                }
            }
        }

        track = new Mp4ScannedTrack(id, timescale, video);
        return !children.Malformed && id != 0 && timescale != 0;
    }

    /// <summary>elst (§8.6.6): the empty edits before the first media edit, and that edit's media_time.</summary>
    private static bool TryReadEditList(ReadOnlySpan<byte> edts, out (long EmptyMovieTicks, long MediaTime) edit)
    {
        edit = default;
        var children = new Mp4ChildBoxes(edts);
        while (children.MoveNext())
        {
            if (children.Type != Elst)
            {
                continue;
            }

            var r = new Mp4FieldReader(children.Current);
            bool wide = r.ReadUInt32() >> 24 == 1;
            uint count = r.ReadUInt32();
            long empty = 0;
            for (uint i = 0; i < count && !r.Overflowed; i++)
            {
                long duration = wide ? (long)Math.Min(r.ReadUInt64(), long.MaxValue) : r.ReadUInt32();
                long mediaTime = wide ? (long)r.ReadUInt64() : (int)r.ReadUInt32();
                r.Skip(4); // media_rate
                if (mediaTime != -1)
                {
                    edit = (empty, mediaTime);
                    return !r.Overflowed;
                }

                empty = duration > long.MaxValue - empty ? long.MaxValue : empty + duration;
            }

            edit = (empty, 0);
            return !r.Overflowed;
        }

        return !children.Malformed;
    }

    private static bool TryReadTrackExtends(ReadOnlySpan<byte> mvex, List<(uint, uint, uint, uint)> defaults)
    {
        var children = new Mp4ChildBoxes(mvex);
        while (children.MoveNext())
        {
            if (children.Type != Mp4BoxHeader.Trex)
            {
                continue;
            }

            var r = new Mp4FieldReader(children.Current);
            r.Skip(4); // version and flags
            uint trackId = r.ReadUInt32();
            r.Skip(4); // default_sample_description_index
            uint duration = r.ReadUInt32();
            uint size = r.ReadUInt32();
            uint flags = r.ReadUInt32();
            if (r.Overflowed || defaults.Count >= Mp4FragmentScanner.MaxTracks)
            {
                return false;
            }

            defaults.Add((trackId, duration, size, flags));
        }

        return !children.Malformed;
    }
}

/// <summary>
/// Reads a moof for <see cref="Mp4FragmentScanner"/>: each traf's track, decode time and samples, checked against
/// the mdat that follows (ISO/IEC 14496-12 §8.8.7, §8.8.8, §8.8.12).
/// </summary>
internal static class Mp4MoofReader
{
    private const uint NonSyncBit = 0x00010000;

    /// <summary>A trun without per-sample fields gives no bound from its size: cap what a sample count may claim.</summary>
    private const uint MaxSamplesWithoutFields = 1 << 20;

    public static bool TryRead(
        ReadOnlySpan<byte> moof, int headerSize, long moofOffset, (long Start, long End) data, Mp4FragmentScanner.ScanState scan, out Mp4ScannedFragment fragment)
    {
        fragment = null!;
        uint sequence = 0;
        bool header = false;
        var runs = new List<Mp4ScannedRun>();
        var keyframes = new List<Mp4ScannedKeyframe>();
        long nextBase = moofOffset; // the first traf's implicit base is the moof, each next one's where the previous ended
        var children = new Mp4ChildBoxes(moof[headerSize..]);
        while (children.MoveNext())
        {
            if (children.Type == Mp4BoxHeader.Mfhd)
            {
                var r = new Mp4FieldReader(children.Current);
                r.Skip(4);
                sequence = r.ReadUInt32();
                header = !r.Overflowed;
            }
            else if (children.Type == Mp4BoxHeader.Traf && !TryReadTrackFragment(children.Current, moofOffset, ref nextBase, data, scan, runs, keyframes))
            {
                return false;
            }
        }

        if (children.Malformed || !header || runs.Count == 0)
        {
            return false;
        }

        foreach (var run in runs)
        {
            scan.TrackEnds[run.TrackId] = run.BaseDecodeTime + run.Duration;
        }

        fragment = new Mp4ScannedFragment(moofOffset, 0, sequence, runs, keyframes);
        return true;
    }

    private static bool TryReadTrackFragment(
        ReadOnlySpan<byte> traf, long moofOffset, ref long nextBase, (long Start, long End) data, Mp4FragmentScanner.ScanState scan,
        List<Mp4ScannedRun> runs, List<Mp4ScannedKeyframe> keyframes)
    {
        // tfhd first (it must be), then tfdt, then the truns in order.
        TrackFragmentHeader? tfhd = null;
        ulong? baseDecodeTime = null;
        var children = new Mp4ChildBoxes(traf);
        while (children.MoveNext())
        {
            if (children.Type == Mp4BoxHeader.Tfhd)
            {
                if (tfhd is not null || !TryReadHeader(children.Current, moofOffset, nextBase, scan, out var parsed))
                {
                    return false;
                }

                tfhd = parsed;
            }
            else if (children.Type == Mp4BoxHeader.Tfdt)
            {
                var r = new Mp4FieldReader(children.Current);
                bool wide = r.ReadUInt32() >> 24 == 1;
                baseDecodeTime = wide ? r.ReadUInt64() : r.ReadUInt32();
                if (r.Overflowed)
                {
                    return false;
                }
            }
        }

        if (children.Malformed || tfhd is not { } h || scan.FindTrack(h.TrackId) is not { } track)
        {
            return false;
        }

        ulong decodeTime = baseDecodeTime ?? scan.TrackEnds.GetValueOrDefault(h.TrackId);
        var run = new RunState(decodeTime, h.Base);
        var truns = new Mp4ChildBoxes(traf);
        while (truns.MoveNext())
        {
            if (truns.Type == Mp4BoxHeader.Trun && !TryReadRun(truns.Current, h, track, data, ref run, keyframes))
            {
                return false;
            }
        }

        nextBase = run.DataEnd;
        runs.Add(new Mp4ScannedRun(h.TrackId, decodeTime, run.Duration, run.Samples));
        return true;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> tfhd, long moofOffset, long implicitBase, Mp4FragmentScanner.ScanState scan, out TrackFragmentHeader header)
    {
        header = default;
        var r = new Mp4FieldReader(tfhd);
        uint flags = r.ReadUInt32() & 0xFFFFFF;
        uint trackId = r.ReadUInt32();
        var defaults = scan.Defaults.Find(d => d.TrackId == trackId);
        ulong explicitBase = (flags & 0x000001) != 0 ? r.ReadUInt64() : 0;
        if ((flags & 0x000002) != 0)
        {
            r.Skip(4); // sample_description_index
        }

        uint duration = (flags & 0x000008) != 0 ? r.ReadUInt32() : defaults.Duration;
        uint size = (flags & 0x000010) != 0 ? r.ReadUInt32() : defaults.Size;
        uint sampleFlags = (flags & 0x000020) != 0 ? r.ReadUInt32() : defaults.Flags;
        if (r.Overflowed || explicitBase > long.MaxValue)
        {
            return false;
        }

        long dataBase = (flags & 0x000001) != 0 ? (long)explicitBase : (flags & Mp4Fragment.DefaultBaseIsMoof) != 0 ? moofOffset : implicitBase;
        header = new TrackFragmentHeader(trackId, dataBase, duration, size, sampleFlags);
        return true;
    }

    private static bool TryReadRun(
        ReadOnlySpan<byte> trun, TrackFragmentHeader h, Mp4ScannedTrack track, (long Start, long End) data, ref RunState run, List<Mp4ScannedKeyframe> keyframes)
    {
        var r = new Mp4FieldReader(trun);
        uint versionAndFlags = r.ReadUInt32();
        bool signed = versionAndFlags >> 24 != 0;
        uint flags = versionAndFlags & 0xFFFFFF;
        uint count = r.ReadUInt32();
        long start = (flags & Mp4Fragment.DataOffsetPresent) != 0 ? h.Base + (int)r.ReadUInt32() : run.DataEnd;
        uint? firstFlags = (flags & Mp4Fragment.FirstSampleFlagsPresent) != 0 ? r.ReadUInt32() : null;
        int fieldBytes = 4 * (((flags & Mp4Fragment.SampleDurationPresent) != 0 ? 1 : 0) + ((flags & Mp4Fragment.SampleSizePresent) != 0 ? 1 : 0)
            + ((flags & Mp4Fragment.SampleFlagsPresent) != 0 ? 1 : 0) + ((flags & Mp4Fragment.SampleCompositionTimeOffsetsPresent) != 0 ? 1 : 0));
        if (r.Overflowed || (fieldBytes > 0 ? count > (uint)(r.Remaining / fieldBytes) : count > MaxSamplesWithoutFields))
        {
            return false;
        }

        long position = start;
        for (uint i = 0; i < count; i++)
        {
            uint duration = (flags & Mp4Fragment.SampleDurationPresent) != 0 ? r.ReadUInt32() : h.Duration;
            uint size = (flags & Mp4Fragment.SampleSizePresent) != 0 ? r.ReadUInt32() : h.Size;
            uint sampleFlags = (flags & Mp4Fragment.SampleFlagsPresent) != 0 ? r.ReadUInt32() : i == 0 && firstFlags is { } first ? first : h.Flags;
            uint offset = (flags & Mp4Fragment.SampleCompositionTimeOffsetsPresent) != 0 ? r.ReadUInt32() : 0;
            if (track.IsVideo && (sampleFlags & NonSyncBit) == 0)
            {
                long composition = (long)run.DecodeTime + (signed ? (int)offset : offset);
                keyframes.Add(new Mp4ScannedKeyframe(h.TrackId, run.DecodeTime, composition, composition - track.PresentationOffset, position));
            }

            run.DecodeTime += duration;
            run.Duration += duration;
            position += size;
        }

        // Every sample must lie inside this fragment's mdat.
        if (r.Overflowed || (position > start && (start < data.Start || position > data.End)))
        {
            return false;
        }

        run.Samples += (int)count;
        run.DataEnd = position;
        return true;
    }

    private readonly record struct TrackFragmentHeader(uint TrackId, long Base, uint Duration, uint Size, uint Flags);

    private record struct RunState(ulong DecodeTime, long DataEnd)
    {
        public ulong Duration { get; set; }

        public int Samples { get; set; }
    }
}
