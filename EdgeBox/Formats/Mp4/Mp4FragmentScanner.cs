using System.Buffers;

namespace EdgeBox.Formats.Mp4;

/// <summary>
/// Walks the top-level boxes of a fragmented MP4 file and finds where its last complete moof + mdat pair ends,
/// so a recording cut short by <c>kill -9</c> or a power loss can be truncated to what plays. Also returns each
/// fragment's decode times and the file offsets of its video sync samples, to rebuild an index.
/// <para>
/// Accepted: <c>ftyp</c> first, <c>moov</c>, then fragments, each a <c>moof</c> directly followed by its
/// <c>mdat</c>; other boxes (<c>free</c>, <c>sidx</c>, <c>mfra</c>, ...) are stepped over. A fragment counts when
/// both boxes are whole, its moof parses, and every run's sample bytes lie inside its mdat. The scan stops at
/// the first box that is cut short, that is not a box, or that does not fit these rules: nothing after such a
/// point can be trusted, as its sizes are what a resync would have to believe.
/// </para>
/// Bounded and safe on any input: it reads box headers, plus each moov and moof whole up to
/// <see cref="MaxHeaderBoxSize"/>; it never reads mdat payloads; every field is bounds-checked; it never throws
/// on the bytes (only on I/O errors of the stream itself).
/// </summary>
internal static class Mp4FragmentScanner
{
    /// <summary>
    /// The largest moov or moof read: 16 MiB. EdgeBox's are a few KiB (a moof costs about 12 bytes per sample); a
    /// larger one is not ours and would only make start-up slow.
    /// </summary>
    public const int MaxHeaderBoxSize = 16 << 20;

    /// <summary>The most tracks a moov may declare: far above any recording (a path has a handful).</summary>
    public const int MaxTracks = 64;

    /// <summary>Scans the file at <paramref name="path"/> (opened read-only, shared with writers).</summary>
    public static Mp4ScanResult Scan(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        return Scan(file);
    }

    /// <summary>Scans a readable, seekable stream from its start to its length.</summary>
    public static Mp4ScanResult Scan(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("the stream must be readable and seekable", nameof(stream));
        }

        var scan = new ScanState(stream.Length);
        Span<byte> headerBytes = stackalloc byte[16];
        long offset = 0;
        while (true)
        {
            if (offset >= scan.FileLength)
            {
                return scan.Result(Mp4ScanStop.EndOfFile, offset);
            }

            if (!TryReadHeader(stream, offset, scan.FileLength, headerBytes, out var header, out var stop))
            {
                return scan.Result(stop, offset);
            }

            if (header.Size > scan.FileLength - offset)
            {
                return scan.Result(Mp4ScanStop.Truncated, offset);
            }

            switch (header.Type)
            {
                case Mp4BoxHeader.Ftyp when offset == 0:
                    break;
                case Mp4BoxHeader.Ftyp:
                    return scan.Result(Mp4ScanStop.Malformed, offset);
                case Mp4BoxHeader.Moov when offset > 0 && scan.InitLength == 0:
                    stop = ReadMoov(stream, offset, header, scan);
                    if (stop != Mp4ScanStop.EndOfFile)
                    {
                        return scan.Result(stop, offset);
                    }

                    scan.MoovOffset = offset;
                    scan.InitLength = scan.ValidLength = offset + header.Size;
                    break;
                case Mp4BoxHeader.Moov:
                    return scan.Result(Mp4ScanStop.Malformed, offset);
                case Mp4BoxHeader.Moof when scan.InitLength > 0:
                    stop = ReadFragment(stream, offset, header, headerBytes, scan, out long end);
                    if (stop != Mp4ScanStop.EndOfFile)
                    {
                        return scan.Result(stop, offset);
                    }

                    scan.ValidLength = end;
                    offset = end;
                    continue;
                case Mp4BoxHeader.Moof or Mp4BoxHeader.Mdat:
                    return scan.Result(Mp4ScanStop.Malformed, offset); // a fragment before the init segment, or an mdat without its moof
                default:
                    if (offset == 0)
                    {
                        return scan.Result(Mp4ScanStop.Malformed, offset); // not an MP4 file: ftyp comes first
                    }

                    break; // free, skip, sidx, mfra, udta...: stepped over
            }

            offset += header.Size;
        }
    }

    private static bool TryReadHeader(Stream stream, long offset, long fileLength, Span<byte> buffer, out Mp4BoxHeader header, out Mp4ScanStop stop)
    {
        int available = (int)Math.Min(buffer.Length, fileLength - offset);
        var bytes = buffer[..available];
        ReadAt(stream, offset, bytes);
        if (Mp4BoxHeader.TryRead(bytes, out header, out bool complete))
        {
            stop = Mp4ScanStop.EndOfFile;
            return true;
        }

        stop = complete ? Mp4ScanStop.Malformed : Mp4ScanStop.Truncated;
        return false;
    }

    private static Mp4ScanStop ReadMoov(Stream stream, long offset, Mp4BoxHeader header, ScanState scan)
    {
        if (header.Size > MaxHeaderBoxSize)
        {
            return Mp4ScanStop.TooLarge;
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)header.Size);
        try
        {
            var box = rented.AsSpan(0, (int)header.Size);
            ReadAt(stream, offset, box);
            return Mp4MoovReader.TryRead(box[header.HeaderSize..], scan.Tracks, scan.Defaults) ? Mp4ScanStop.EndOfFile : Mp4ScanStop.Malformed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A moof and the mdat that must follow it; <paramref name="end"/> is where the pair ends.</summary>
    private static Mp4ScanStop ReadFragment(Stream stream, long offset, Mp4BoxHeader moof, Span<byte> headerBytes, ScanState scan, out long end)
    {
        end = 0;
        if (moof.Size > MaxHeaderBoxSize)
        {
            return Mp4ScanStop.TooLarge;
        }

        long mdatOffset = offset + moof.Size;
        if (mdatOffset >= scan.FileLength)
        {
            return Mp4ScanStop.Truncated;
        }

        if (!TryReadHeader(stream, mdatOffset, scan.FileLength, headerBytes, out var mdat, out var stop))
        {
            return stop;
        }

        if (mdat.Type != Mp4BoxHeader.Mdat)
        {
            return Mp4ScanStop.Malformed;
        }

        if (mdat.Size > scan.FileLength - mdatOffset)
        {
            return Mp4ScanStop.Truncated;
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)moof.Size);
        try
        {
            var box = rented.AsSpan(0, (int)moof.Size);
            ReadAt(stream, offset, box);
            var data = (Start: mdatOffset + mdat.HeaderSize, End: mdatOffset + mdat.Size);
            if (!Mp4MoofReader.TryRead(box, moof.HeaderSize, offset, data, scan, out var fragment))
            {
                return Mp4ScanStop.Malformed;
            }

            end = data.End;
            scan.Fragments.Add(fragment with { Length = end - offset, MoofLength = (int)moof.Size });
            return Mp4ScanStop.EndOfFile;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void ReadAt(Stream stream, long offset, Span<byte> destination)
    {
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(destination);
    }

    /// <summary>The state of one scan.</summary>
    internal sealed class ScanState(long fileLength)
    {
        public long FileLength { get; } = fileLength;

        public long InitLength { get; set; }

        public long MoovOffset { get; set; }

        public long ValidLength { get; set; }

        public List<Mp4ScannedTrack> Tracks { get; } = [];

        /// <summary>trex defaults per track: (track_ID, duration, size, flags).</summary>
        public List<(uint TrackId, uint Duration, uint Size, uint Flags)> Defaults { get; } = [];

        public List<Mp4ScannedFragment> Fragments { get; } = [];

        /// <summary>Per track, the end of its runs so far: the decode time of a traf without tfdt.</summary>
        public Dictionary<uint, ulong> TrackEnds { get; } = [];

        public Mp4ScannedTrack? FindTrack(uint id)
        {
            foreach (var track in Tracks)
            {
                if (track.Id == id)
                {
                    return track;
                }
            }

            return null;
        }

        public Mp4ScanResult Result(Mp4ScanStop stop, long offset) =>
            new(FileLength, InitLength, ValidLength, Tracks, Fragments, stop, offset) { MoovOffset = InitLength > 0 ? MoovOffset : 0 };
    }
}
