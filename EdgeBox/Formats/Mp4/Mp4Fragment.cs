namespace EdgeBox.Formats.Mp4;

/// <summary>One sample of a movie fragment, in its track's timescale.</summary>
/// <param name="CompositionOffset">Presentation time minus decode time: 0 unless the track has pictures out of order (B-frames).</param>
internal readonly record struct Mp4Sample(long DecodeTime, uint Duration, int Size, bool Sync, int CompositionOffset = 0);

/// <summary>The samples one track contributes to a fragment, in decode order.</summary>
internal readonly record struct Mp4TrackRun(uint TrackId, ArraySegment<Mp4Sample> Samples)
{
    /// <summary>The bytes of the run's samples in <c>mdat</c>.</summary>
    public long DataSize
    {
        get
        {
            long size = 0;
            foreach (var sample in Samples.AsSpan())
            {
                size += sample.Size;
            }

            return size;
        }
    }
}

/// <summary>
/// Writes a movie fragment's <c>moof</c> and the header of the <c>mdat</c> after it (ISO/IEC 14496-12 §8.8.4-8.8.12);
/// the caller appends the sample bytes, run after run, in the order of <c>runs</c>:
/// <code>
/// moof ─┬─ mfhd (sequence_number)
///       └─ traf (a track with samples) ─┬─ tfhd: track_ID, default-base-is-moof, default_sample_flags
///                                       ├─ tfdt: baseMediaDecodeTime, version 1 (64 bits)
///                                       └─ trun: data_offset, per sample duration and size [, flags] [, composition offset]
/// mdat ─ run 1 samples | run 2 samples | ...
/// </code>
/// Sample flags (§8.8.3.1) say sync or not: a sync sample depends on no other (sample_depends_on 2); any other
/// depends on others (1) and is_non_sync_sample. The most common flag goes to tfhd's default; a run whose only
/// sync sample is its first uses first_sample_flags (FFmpeg's layout); only a run that mixes them otherwise
/// carries flags per sample. Composition offsets are written only when one is not 0, signed (trun version 1).
/// </summary>
internal static class Mp4Fragment
{
    public const uint SyncSampleFlags = 0x02000000;
    public const uint NonSyncSampleFlags = 0x01010000;

    /// <summary>tfhd: the data offsets are relative to the start of the moof (§8.8.7.1).</summary>
    public const uint DefaultBaseIsMoof = 0x020000;

    public const uint DefaultSampleFlagsPresent = 0x000020;

    public const uint DataOffsetPresent = 0x000001;
    public const uint FirstSampleFlagsPresent = 0x000004;
    public const uint SampleDurationPresent = 0x000100;
    public const uint SampleSizePresent = 0x000200;
    public const uint SampleFlagsPresent = 0x000400;
    public const uint SampleCompositionTimeOffsetsPresent = 0x000800;

    /// <summary>
    /// Writes <c>moof</c> (runs without samples are left out) and the <c>mdat</c> header; returns the offset of the
    /// mdat payload from the start of the moof. Throws when the samples cannot fit one mdat of a 32-bit size.
    /// </summary>
    public static int WriteMoofAndMdatHeader(Mp4BoxWriter w, uint sequenceNumber, ReadOnlySpan<Mp4TrackRun> runs)
    {
        int moof = w.Begin("moof"u8);
        int mfhd = w.BeginFull("mfhd"u8, 0, 0);
        w.WriteUInt32(sequenceNumber);
        w.End(mfhd);

        // The data offsets are only known once the moof is complete: remember where each goes.
        Span<int> offsetFields = runs.Length <= 16 ? stackalloc int[runs.Length] : new int[runs.Length];
        for (int i = 0; i < runs.Length; i++)
        {
            offsetFields[i] = runs[i].Samples.Count > 0 ? WriteTrackFragment(w, runs[i]) : -1;
        }

        w.End(moof);
        int moofSize = w.Position - moof;
        long data = 0;
        for (int i = 0; i < runs.Length; i++)
        {
            if (offsetFields[i] >= 0)
            {
                w.PatchUInt32(offsetFields[i], checked((uint)(moofSize + Mp4BoxWriter.HeaderSize + data)));
                data += runs[i].DataSize;
            }
        }

        if (Mp4BoxWriter.HeaderSize + data > int.MaxValue)
        {
            throw new ArgumentException("a fragment's samples must stay below 2 GiB", nameof(runs));
        }

        int mdat = w.Begin("mdat"u8);
        w.PatchUInt32(mdat, (uint)(Mp4BoxWriter.HeaderSize + data));
        return moofSize + Mp4BoxWriter.HeaderSize;
    }

    /// <summary>Writes one traf; returns the position of its trun's data_offset field.</summary>
    private static int WriteTrackFragment(Mp4BoxWriter w, Mp4TrackRun run)
    {
        var samples = run.Samples.AsSpan();
        int syncCount = 0;
        bool laterSync = false, signedOffsets = false, offsets = false;
        for (int i = 0; i < samples.Length; i++)
        {
            syncCount += samples[i].Sync ? 1 : 0;
            laterSync |= i > 0 && samples[i].Sync;
            offsets |= samples[i].CompositionOffset != 0;
            signedOffsets |= samples[i].CompositionOffset < 0;
        }

        // Choose the layout with the fewest per-sample flags (see the class comment).
        bool allSync = syncCount == samples.Length;
        bool firstOnly = !allSync && !laterSync && samples[0].Sync;
        bool perSample = !allSync && !firstOnly && syncCount > 0;
        uint defaultFlags = allSync ? SyncSampleFlags : NonSyncSampleFlags;

        int traf = w.Begin("traf"u8);
        int tfhd = w.BeginFull("tfhd"u8, 0, DefaultBaseIsMoof | DefaultSampleFlagsPresent);
        w.WriteUInt32(run.TrackId);
        w.WriteUInt32(defaultFlags);
        w.End(tfhd);

        int tfdt = w.BeginFull("tfdt"u8, 1, 0);
        w.WriteUInt64((ulong)samples[0].DecodeTime);
        w.End(tfdt);

        uint flags = DataOffsetPresent | SampleDurationPresent | SampleSizePresent
            | (firstOnly ? FirstSampleFlagsPresent : 0)
            | (perSample ? SampleFlagsPresent : 0)
            | (offsets ? SampleCompositionTimeOffsetsPresent : 0);
        int trun = w.BeginFull("trun"u8, signedOffsets ? 1 : 0, flags);
        w.WriteUInt32((uint)samples.Length);
        int dataOffset = w.Position;
        w.WriteUInt32(0); // data_offset, patched
        if (firstOnly)
        {
            w.WriteUInt32(SyncSampleFlags);
        }

        foreach (var sample in samples)
        {
            w.WriteUInt32(sample.Duration);
            w.WriteUInt32((uint)sample.Size);
            if (perSample)
            {
                w.WriteUInt32(sample.Sync ? SyncSampleFlags : NonSyncSampleFlags);
            }

            if (offsets)
            {
                w.WriteInt32(sample.CompositionOffset);
            }
        }

        w.End(trun);
        w.End(traf);
        return dataOffset;
    }
}
