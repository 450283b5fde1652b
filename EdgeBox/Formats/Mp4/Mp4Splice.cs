using System.Buffers.Binary;
using EdgeBox.Infrastructure;

namespace EdgeBox.Formats.Mp4;

/// <summary>Where a track starts in a spliced file, and how late its composition times run (see <see cref="Mp4InitTrack"/>).</summary>
/// <param name="FirstDecodeTime">The decode time (track ticks) of the track's first sample in the new file.</param>
/// <param name="CompositionShift">The <see cref="Mp4ScannedTrack.PresentationOffset"/> the new file keeps for the track.</param>
internal readonly record struct Mp4SpliceTrack(uint TrackId, uint Timescale, long FirstDecodeTime, long CompositionShift);

/// <summary>
/// The box surgery that splices fragments of fragmented MP4 files into one new file without touching a sample:
/// a moov rebuilt from a source's (new edit lists, the total duration in mvhd and mehd), moofs patched in place
/// (sequence numbers, decode times), and a segment index (sidx) that lets players seek and know the length at once.
/// Every patch keeps a box's size, so a file's layout can be computed before a byte of it is read.
/// </summary>
internal static class Mp4Splice
{
    private const uint Mvhd = 0x6D766864;
    private const uint Edts = 0x65647473;
    private const uint Mehd = 0x6D656864;
    private const uint Minf = 0x6D696E66;
    private const uint Stbl = 0x7374626C;
    private const uint Stsd = 0x73747364;

    /// <summary>tfhd: base_data_offset present (§8.8.7.1): an absolute file offset, moved with the fragment.</summary>
    private const uint BaseDataOffsetPresent = 0x000001;

    /// <summary>
    /// The sample descriptions (stsd content) of each track of a moov (<paramref name="moov"/>: the box's content),
    /// in trak order: two files whose lists are equal hold samples that one decoder configuration plays. Null when
    /// the moov does not parse.
    /// </summary>
    public static IReadOnlyList<(uint TrackId, byte[] Description)>? SampleDescriptions(ReadOnlySpan<byte> moov)
    {
        var result = new List<(uint, byte[])>();
        var children = new Mp4ChildBoxes(moov);
        while (children.MoveNext())
        {
            if (children.Type != Mp4BoxHeader.Trak)
            {
                continue;
            }

            uint id = 0;
            byte[]? description = null;
            var trak = new Mp4ChildBoxes(children.Current);
            while (trak.MoveNext())
            {
                if (trak.Type == Mp4BoxHeader.Tkhd)
                {
                    id = TrackIdOf(trak.Current);
                }
                else if (trak.Type == Mp4BoxHeader.Mdia)
                {
                    description = TryFind(trak.Current, out var stsd, Minf, Stbl, Stsd) ? stsd.ToArray() : null;
                }
            }

            if (trak.Malformed || id == 0 || description is null)
            {
                return null;
            }

            result.Add((id, description));
        }

        return children.Malformed || result.Count == 0 ? null : result;
    }

    /// <summary>
    /// A new moov box (header included) from a source moov's content: every box copied but mvhd (its duration set
    /// to <paramref name="duration"/>), each trak's edts (replaced by the edit list <paramref name="tracks"/> asks
    /// for, as <see cref="Mp4InitSegment"/> writes it) and mvex (a mehd with the duration first). Null when the moov
    /// does not parse or names a track <paramref name="tracks"/> lacks.
    /// </summary>
    public static byte[]? RewriteMovie(ReadOnlySpan<byte> moov, IReadOnlyList<Mp4SpliceTrack> tracks, TimeSpan duration)
    {
        using var buffer = new PooledBufferWriter(moov.Length + 256);
        var w = new Mp4BoxWriter(buffer);
        long movieTicks = Mp4Time.ToTicks(duration, Mp4InitSegment.MovieTimescale);
        int box = w.Begin("moov"u8);
        var children = new Mp4ChildBoxes(moov);
        while (children.MoveNext())
        {
            var content = children.Current;
            if (children.Type == Mvhd)
            {
                int start = w.Position;
                CopyBox(w, Mvhd, content);
                if (!TryPatchMovieDuration(buffer.WrittenSpan[(start + Mp4BoxWriter.HeaderSize)..], movieTicks))
                {
                    return null;
                }
            }
            else if (children.Type == Mp4BoxHeader.Trak)
            {
                if (!TryWriteTrack(w, content, tracks))
                {
                    return null;
                }
            }
            else if (children.Type == Mp4BoxHeader.Mvex)
            {
                int mvex = w.Begin("mvex"u8);
                int mehd = w.BeginFull("mehd"u8, 1, 0);
                w.WriteUInt64((ulong)movieTicks); // fragment_duration, in the movie timescale
                w.End(mehd);
                var extends = new Mp4ChildBoxes(content);
                while (extends.MoveNext())
                {
                    if (extends.Type != Mehd)
                    {
                        CopyBox(w, extends.Type, extends.Current);
                    }
                }

                w.End(mvex);
            }
            else
            {
                CopyBox(w, children.Type, content);
            }
        }

        if (children.Malformed)
        {
            return null;
        }

        w.End(box);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Patches a moof (<paramref name="moof"/>: the whole box) in place: its mfhd sequence number, each traf's tfdt
    /// moved by <paramref name="decodeShift"/> of its track (ticks), and a base_data_offset moved by
    /// <paramref name="offsetShift"/> (bytes) where a tfhd has one. False when a traf has no tfdt to move, a time
    /// would go negative or out of a 32-bit tfdt, or the boxes do not parse; the bytes may then be half patched.
    /// </summary>
    public static bool TryPatchFragment(Span<byte> moof, uint sequenceNumber, Func<uint, long> decodeShift, long offsetShift)
    {
        if (!Mp4BoxHeader.TryRead(moof, out var header, out _) || header.Type != Mp4BoxHeader.Moof || header.Size != moof.Length)
        {
            return false;
        }

        var content = moof[header.HeaderSize..];
        var children = new Mp4ChildBoxes(content);
        while (children.MoveNext())
        {
            var child = content.Slice(children.CurrentOffset, children.Current.Length);
            if (children.Type == Mp4BoxHeader.Mfhd)
            {
                if (child.Length < 8)
                {
                    return false;
                }

                BinaryPrimitives.WriteUInt32BigEndian(child[4..], sequenceNumber);
            }
            else if (children.Type == Mp4BoxHeader.Traf && !TryPatchTrackFragment(child, decodeShift, offsetShift))
            {
                return false;
            }
        }

        return !children.Malformed;
    }

    /// <summary>One reference of a segment index: a run of fragments, its bytes, its duration, whether it starts at a keyframe.</summary>
    public readonly record struct IndexReference(long Size, long Duration, bool StartsWithKeyframe);

    /// <summary>
    /// Writes a sidx (§8.16.3, version 1) for fragments that follow it directly: one reference per entry of
    /// <paramref name="references"/> (at most 65535; the caller groups fragments), times in <paramref name="timescale"/>.
    /// </summary>
    public static void WriteSegmentIndex(Mp4BoxWriter w, uint referenceTrackId, uint timescale, long earliestPresentationTime, IReadOnlyList<IndexReference> references)
    {
        if (references.Count > ushort.MaxValue)
        {
            throw new ArgumentException("a sidx holds at most 65535 references", nameof(references));
        }

        int sidx = w.BeginFull("sidx"u8, 1, 0);
        w.WriteUInt32(referenceTrackId);
        w.WriteUInt32(timescale);
        w.WriteUInt64((ulong)Math.Max(0, earliestPresentationTime));
        w.WriteUInt64(0); // first_offset: the first moof follows
        w.WriteUInt16(0); // reserved
        w.WriteUInt16(references.Count);
        foreach (var reference in references)
        {
            // reference_type 0 (media), referenced_size 31 bits; starts_with_SAP, SAP_type 1, SAP_delta_time 0.
            w.WriteUInt32(checked((uint)reference.Size) & 0x7FFFFFFF);
            w.WriteUInt32((uint)Math.Clamp(reference.Duration, 0, uint.MaxValue));
            w.WriteUInt32(reference.StartsWithKeyframe ? 0x90000000 : 0);
        }

        w.End(sidx);
    }

    private static bool TryPatchTrackFragment(Span<byte> traf, Func<uint, long> decodeShift, long offsetShift)
    {
        uint trackId = 0;
        bool patched = false;
        var children = new Mp4ChildBoxes(traf);
        while (children.MoveNext())
        {
            var child = traf.Slice(children.CurrentOffset, children.Current.Length);
            if (children.Type == Mp4BoxHeader.Tfhd)
            {
                if (child.Length < 8)
                {
                    return false;
                }

                uint flags = BinaryPrimitives.ReadUInt32BigEndian(child) & 0xFFFFFF;
                trackId = BinaryPrimitives.ReadUInt32BigEndian(child[4..]);
                if ((flags & BaseDataOffsetPresent) != 0)
                {
                    if (child.Length < 16)
                    {
                        return false;
                    }

                    long moved = (long)BinaryPrimitives.ReadUInt64BigEndian(child[8..]) + offsetShift;
                    if (moved < 0)
                    {
                        return false;
                    }

                    BinaryPrimitives.WriteUInt64BigEndian(child[8..], (ulong)moved);
                }
            }
            else if (children.Type == Mp4BoxHeader.Tfdt)
            {
                if (trackId == 0 || !TryMoveDecodeTime(child, decodeShift(trackId)))
                {
                    return false; // tfdt comes after tfhd (§8.8.6): without it the track is unknown
                }

                patched = true;
            }
        }

        return !children.Malformed && patched;
    }

    private static bool TryMoveDecodeTime(Span<byte> tfdt, long shift)
    {
        if (tfdt.Length < 8)
        {
            return false;
        }

        bool wide = tfdt[0] == 1;
        if (wide && tfdt.Length < 12)
        {
            return false;
        }

        long time = wide ? (long)BinaryPrimitives.ReadUInt64BigEndian(tfdt[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tfdt[4..]);
        long moved = time + shift;
        if (moved < 0 || (!wide && moved > uint.MaxValue))
        {
            return false;
        }

        if (wide)
        {
            BinaryPrimitives.WriteUInt64BigEndian(tfdt[4..], (ulong)moved);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(tfdt[4..], (uint)moved);
        }

        return true;
    }

    private static bool TryWriteTrack(Mp4BoxWriter w, ReadOnlySpan<byte> trak, IReadOnlyList<Mp4SpliceTrack> tracks)
    {
        int box = w.Begin("trak"u8);
        var children = new Mp4ChildBoxes(trak);
        while (children.MoveNext())
        {
            if (children.Type == Edts)
            {
                continue; // replaced after tkhd
            }

            CopyBox(w, children.Type, children.Current);
            if (children.Type == Mp4BoxHeader.Tkhd)
            {
                uint id = TrackIdOf(children.Current);
                int index = -1;
                for (int i = 0; i < tracks.Count && index < 0; i++)
                {
                    index = tracks[i].TrackId == id ? i : -1;
                }

                if (index < 0)
                {
                    return false;
                }

                var track = tracks[index];
                var offset = Mp4Time.ToTime(track.FirstDecodeTime, (int)track.Timescale);
                if (track.FirstDecodeTime > 0 || track.CompositionShift != 0)
                {
                    Mp4InitSegment.WriteEditList(w, offset, (int)track.Timescale, track.CompositionShift);
                }
            }
        }

        w.End(box);
        return !children.Malformed;
    }

    private static bool TryPatchMovieDuration(Span<byte> mvhd, long movieTicks)
    {
        if (mvhd.Length < 4)
        {
            return false;
        }

        int version = mvhd[0];
        int at = version == 1 ? 4 + 16 + 4 : 4 + 8 + 4; // after creation, modification times and the timescale
        if (mvhd.Length < at + (version == 1 ? 8 : 4) || BinaryPrimitives.ReadUInt32BigEndian(mvhd[(at - 4)..]) != Mp4InitSegment.MovieTimescale)
        {
            return false; // another movie timescale: the edit lists written here are in milliseconds
        }

        if (version == 1)
        {
            BinaryPrimitives.WriteUInt64BigEndian(mvhd[at..], (ulong)movieTicks);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(mvhd[at..], (uint)Math.Min(movieTicks, uint.MaxValue));
        }

        return true;
    }

    private static uint TrackIdOf(ReadOnlySpan<byte> tkhd)
    {
        var r = new Mp4FieldReader(tkhd);
        int version = (int)(r.ReadUInt32() >> 24);
        r.Skip(version == 1 ? 16 : 8);
        uint id = r.ReadUInt32();
        return r.Overflowed ? 0 : id;
    }

    /// <summary>The content of the box reached by <paramref name="path"/> from <paramref name="content"/>.</summary>
    private static bool TryFind(ReadOnlySpan<byte> content, out ReadOnlySpan<byte> found, params ReadOnlySpan<uint> path)
    {
        found = default;
        var current = content;
        foreach (uint type in path)
        {
            var children = new Mp4ChildBoxes(current);
            bool hit = false;
            while (!hit && children.MoveNext())
            {
                hit = children.Type == type;
            }

            if (!hit)
            {
                return false;
            }

            current = children.Current;
        }

        found = current;
        return true;
    }

    private static void CopyBox(Mp4BoxWriter w, uint type, ReadOnlySpan<byte> content)
    {
        Span<byte> name = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(name, type);
        int box = w.Begin(name);
        w.WriteBytes(content);
        w.End(box);
    }
}
