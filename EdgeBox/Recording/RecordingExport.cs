using System.Security.Cryptography;
using System.Text;
using EdgeBox.Formats.Mp4;

namespace EdgeBox.Recording;

/// <summary>
/// One fragmented MP4 file made of the recorded fragments of a path over a time range, spanning segment files,
/// laid out before a byte is read so it can be served with its length and HTTP ranges (<see cref="RecordingExportStream"/>):
/// <code>
/// ftyp │ moov (the first segment's, with edit lists and the total duration) │ sidx │ moof mdat │ moof mdat │ ...
///      └── InitLength ─────────────────────────────────────────────────────┘
/// </code>
/// Samples are not copied or re-muxed: each fragment is read from its segment file with its moof patched in place
/// (sequence number, decode times moved onto the file's own timeline), so a download costs little more than the
/// bytes it sends. The file starts at the keyframe at or before <c>from</c> and takes every fragment that starts
/// before <c>to</c>.
/// <para>
/// Time: the file's time 0 is its first sample; segments that follow one another within
/// <see cref="SegmentIndex.SpanTolerance"/> keep their wall-clock distance, and a longer gap (the source was down)
/// is left out, so the file plays through without a pause. <see cref="Groups"/> say which wall-clock time each
/// part shows. The file ends early (<see cref="Truncated"/>) at a segment whose tracks differ from the first's (the
/// camera changed its resolution or codec): one decoder configuration cannot play both.
/// </para>
/// Holds the segment files open until disposed, so retention deleting one mid-download does not cut it short.
/// </summary>
internal sealed class RecordingExport : IDisposable
{
    /// <summary>The longest range one request may ask for (a day of a 4 Mbit/s camera is about 43 GB).</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromHours(24);

    private readonly List<FileStream> _files;
    private readonly byte[] _head;
    private readonly ExportFragment[] _fragments;
    private readonly List<Dictionary<uint, long>> _shifts;
    private byte[]? _moof;
    private int _moofIndex = -1;

    private RecordingExport(List<FileStream> files, byte[] head, int initLength, ExportFragment[] fragments, List<Dictionary<uint, long>> shifts,
        IReadOnlyList<ExportGroup> groups, DateTimeOffset start, TimeSpan duration)
    {
        _files = files;
        _head = head;
        InitLength = initLength;
        _fragments = fragments;
        _shifts = shifts;
        Groups = groups;
        Start = start;
        Duration = duration;
        Length = head.Length + (fragments.Length == 0 ? 0 : fragments[^1].OutputOffset - head.Length + fragments[^1].Length);
        ETag = Hash(head, fragments, files);
        LastModified = files.Max(f => File.GetLastWriteTimeUtc(f.Name));
    }

    public long Length { get; }

    /// <summary>ftyp and moov: what an HLS EXT-X-MAP points at.</summary>
    public int InitLength { get; }

    /// <summary>The wall-clock time of the file's first sample.</summary>
    public DateTimeOffset Start { get; }

    public TimeSpan Duration { get; }

    /// <summary>Runs of fragments that start at a keyframe, in order: the sidx references, and the HLS segments.</summary>
    public IReadOnlyList<ExportGroup> Groups { get; }

    /// <summary>The file ends before <c>to</c> at a segment that one decoder configuration cannot play with the rest.</summary>
    public DateTimeOffset? Truncated { get; private init; }

    /// <summary>The wall-clock start of the last fragment: a range ending just after it gives this file again.</summary>
    public DateTimeOffset LastFragmentStart { get; private init; }

    public IReadOnlyList<long> Segments { get; private init; } = [];

    /// <summary>A strong validator: the same fragments of the same files give the same value.</summary>
    public string ETag { get; }

    public DateTimeOffset LastModified { get; }

    /// <summary>
    /// Lays out the export of <paramref name="segments"/> (one path's, any order) over [<paramref name="from"/>,
    /// <paramref name="to"/>); null when none of them holds a fragment in the range. Files that went away or do
    /// not parse are passed over.
    /// </summary>
    public static RecordingExport? Create(IEnumerable<RecordedSegment> segments, string dataDirectory, DateTimeOffset from, DateTimeOffset to)
    {
        var planner = new Planner(from, to);
        try
        {
            foreach (var segment in segments.OrderBy(s => s.Start))
            {
                if (!planner.Add(segment, Path.Combine(dataDirectory, segment.File)))
                {
                    break;
                }
            }

            var export = planner.Build();
            if (export is null)
            {
                planner.Dispose();
            }

            return export;
        }
        catch
        {
            planner.Dispose();
            throw;
        }
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes (fewer at the end) from <paramref name="position"/>.</summary>
    public async ValueTask<int> ReadAsync(long position, Memory<byte> destination, CancellationToken token)
    {
        int total = 0;
        while (total < destination.Length && position < Length)
        {
            var target = destination[total..];
            int read;
            if (position < _head.Length)
            {
                read = Math.Min(target.Length, (int)(_head.Length - position));
                _head.AsSpan((int)position, read).CopyTo(target.Span);
            }
            else
            {
                int index = FindFragment(position);
                var fragment = _fragments[index];
                long within = position - fragment.OutputOffset;
                if (within < fragment.MoofLength)
                {
                    var moof = await MoofAsync(index, token).ConfigureAwait(false);
                    read = Math.Min(target.Length, (int)(fragment.MoofLength - within));
                    moof.AsSpan((int)within, read).CopyTo(target.Span);
                }
                else
                {
                    int wanted = (int)Math.Min(target.Length, fragment.Length - within);
                    read = await RandomAccess.ReadAsync(_files[fragment.File].SafeFileHandle, target[..wanted], fragment.SourceOffset + within, token)
                        .ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException($"{_files[fragment.File].Name} is shorter than when the download began");
                    }
                }
            }

            total += read;
            position += read;
        }

        return total;
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private int FindFragment(long position)
    {
        int low = 0, high = _fragments.Length - 1;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            if (_fragments[mid].OutputOffset <= position)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    private async ValueTask<byte[]> MoofAsync(int index, CancellationToken token)
    {
        if (_moofIndex == index && _moof is not null)
        {
            return _moof;
        }

        var fragment = _fragments[index];
        var moof = new byte[fragment.MoofLength];
        int read = 0;
        while (read < moof.Length)
        {
            int n = await RandomAccess.ReadAsync(_files[fragment.File].SafeFileHandle, moof.AsMemory(read), fragment.SourceOffset + read, token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException($"{_files[fragment.File].Name} is shorter than when the download began");
            }

            read += n;
        }

        var shifts = _shifts[fragment.Shift];
        if (!Mp4Splice.TryPatchFragment(moof, fragment.Sequence, id => shifts.GetValueOrDefault(id), fragment.OutputOffset - fragment.SourceOffset))
        {
            throw new IOException($"a fragment of {_files[fragment.File].Name} changed since the download began");
        }

        (_moof, _moofIndex) = (moof, index);
        return moof;
    }

    private static string Hash(byte[] head, ExportFragment[] fragments, List<FileStream> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(head);
        Span<byte> fields = stackalloc byte[24];
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file.Name));
        }

        foreach (var fragment in fragments)
        {
            BitConverter.TryWriteBytes(fields, fragment.File);
            BitConverter.TryWriteBytes(fields[4..], fragment.SourceOffset);
            BitConverter.TryWriteBytes(fields[12..], fragment.Length);
            BitConverter.TryWriteBytes(fields[20..], fragment.Sequence);
            hash.AppendData(fields);
        }

        return "\"" + Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16)) + "\"";
    }

    /// <summary>A fragment of a segment file and where it goes.</summary>
    /// <param name="Shift">The index of the decode-time shifts of its segment.</param>
    private readonly record struct ExportFragment(int File, long SourceOffset, int MoofLength, long Length, long OutputOffset, uint Sequence, int Shift);

    /// <summary>Builds the layout segment by segment.</summary>
    private sealed class Planner(DateTimeOffset from, DateTimeOffset to) : IDisposable
    {
        private readonly List<FileStream> _files = [];
        private readonly List<(int File, Mp4ScannedFragment Fragment, int Shift, TimeSpan OutputStart, DateTimeOffset Wall, bool Key)> _chosen = [];
        private readonly List<Dictionary<uint, long>> _shifts = [];
        private readonly Dictionary<uint, long> _firstDecode = [];
        private readonly Dictionary<uint, long> _trackEnd = [];
        private readonly List<long> _segments = [];
        private IReadOnlyList<Mp4ScannedTrack> _tracks = [];
        private IReadOnlyList<(uint TrackId, byte[] Description)>? _descriptions;
        private byte[] _prefix = [];
        private byte[] _moov = [];
        private DateTimeOffset _origin;
        private DateTimeOffset _wallEnd;
        private TimeSpan _removed;
        private DateTimeOffset? _truncated;
        private bool _done;

        /// <summary>Takes a segment's fragments in the range; false when the export ends here.</summary>
        public bool Add(RecordedSegment segment, string file)
        {
            if (_done)
            {
                return false;
            }

            FileStream stream;
            try
            {
                stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return true; // deleted since the index said so: the next segment follows on
            }

            bool keep = false;
            try
            {
                var scan = Mp4FragmentScanner.Scan(stream);
                if (!scan.HasInit || scan.Fragments.Count == 0 || ReadInit(stream, scan) is not var (prefix, moov)
                    || Mp4Splice.SampleDescriptions(moov) is not { } descriptions)
                {
                    return true;
                }

                if (_descriptions is null)
                {
                    (_descriptions, _tracks, _prefix, _moov) = (descriptions, scan.Tracks, prefix, moov);
                }
                else if (!Compatible(descriptions, scan.Tracks))
                {
                    _truncated = segment.Start;
                    return false;
                }

                keep = Take(segment, scan, _files.Count);
                return !_done;
            }
            finally
            {
                if (keep)
                {
                    _files.Add(stream);
                    _segments.Add(segment.Id);
                }
                else
                {
                    stream.Dispose();
                }
            }
        }

        public RecordingExport? Build()
        {
            if (_chosen.Count == 0)
            {
                return null;
            }

            var duration = TimeSpan.Zero;
            foreach (var track in _tracks)
            {
                if (_trackEnd.TryGetValue(track.Id, out long end))
                {
                    duration = TimeSpan.FromTicks(Math.Max(duration.Ticks, Mp4Time.ToTime(end, (int)track.Timescale).Ticks));
                }
            }

            var groups = Group(duration);
            var splice = _tracks.Select(t => new Mp4SpliceTrack(t.Id, t.Timescale, _firstDecode.GetValueOrDefault(t.Id), t.PresentationOffset)).ToList();
            var moov = Mp4Splice.RewriteMovie(_moov, splice, duration) ?? throw new InvalidDataException("the recording's moov could not be rewritten");

            var reference = _tracks.FirstOrDefault(t => t.IsVideo) is { Id: > 0 } video ? video : _tracks[0];
            using var buffer = new Infrastructure.PooledBufferWriter(64 + (12 * groups.Count));
            var w = new Mp4BoxWriter(buffer);
            Mp4Splice.WriteSegmentIndex(w, reference.Id, reference.Timescale, Mp4Time.ToTicks(groups[0].Start, (int)reference.Timescale),
                [.. groups.Select(g => new Mp4Splice.IndexReference(g.Length, Mp4Time.ToTicks(g.Duration, (int)reference.Timescale), g.Keyframe))]);
            byte[] head = [.. _prefix, .. moov, .. buffer.WrittenSpan];

            var fragments = new ExportFragment[_chosen.Count];
            long offset = head.Length;
            for (int i = 0; i < _chosen.Count; i++)
            {
                var (file, fragment, shift, _, _, _) = _chosen[i];
                fragments[i] = new ExportFragment(file, fragment.Offset, fragment.MoofLength, fragment.Length, offset, (uint)(i + 1), shift);
                offset += fragment.Length;
            }

            var placed = groups.Select(g => g with { Offset = g.Offset + head.Length }).ToList();
            return new RecordingExport(_files, head, _prefix.Length + moov.Length, fragments, _shifts, placed, _origin, duration)
            {
                Truncated = _truncated,
                LastFragmentStart = _chosen[^1].Wall,
                Segments = _segments,
            };
        }

        public void Dispose()
        {
            foreach (var file in _files)
            {
                file.Dispose();
            }
        }

        private static (byte[] Prefix, byte[] Moov)? ReadInit(FileStream stream, Mp4ScanResult scan)
        {
            var init = new byte[scan.InitLength];
            stream.Seek(0, SeekOrigin.Begin);
            stream.ReadExactly(init);
            var moov = init.AsSpan((int)scan.MoovOffset);
            if (!Mp4BoxHeader.TryRead(moov, out var header, out _) || header.Size != moov.Length)
            {
                return null;
            }

            return (init[..(int)scan.MoovOffset], moov[header.HeaderSize..].ToArray());
        }

        private bool Compatible(IReadOnlyList<(uint TrackId, byte[] Description)> descriptions, IReadOnlyList<Mp4ScannedTrack> tracks) =>
            descriptions.Count == _descriptions!.Count && tracks.Count == _tracks.Count
            && descriptions.Zip(_descriptions).All(p => p.First.TrackId == p.Second.TrackId && p.First.Description.AsSpan().SequenceEqual(p.Second.Description))
            && tracks.Zip(_tracks).All(p => p.First.Id == p.Second.Id && p.First.Timescale == p.Second.Timescale);

        /// <summary>Chooses the segment's fragments and places them on the file's timeline; false when none was taken.</summary>
        private bool Take(RecordedSegment segment, Mp4ScanResult scan, int file)
        {
            var video = scan.Tracks.FirstOrDefault(t => t.IsVideo);
            int first = 0;
            if (_chosen.Count == 0)
            {
                first = StartFragment(segment, scan, video);
                if (first < 0)
                {
                    return false;
                }
            }

            var fragments = new List<Mp4ScannedFragment>();
            for (int i = first; i < scan.Fragments.Count; i++)
            {
                if (WallStart(segment, scan, scan.Fragments[i]) >= to)
                {
                    _done = true;
                    break;
                }

                fragments.Add(scan.Fragments[i]);
            }

            if (fragments.Count == 0 || (_chosen.Count == 0 && segment.Start + WallEnd(scan, fragments[^1]) <= from))
            {
                return false; // nothing in the range, or all of it before from (the range starts in a later segment)
            }

            var wall = WallStart(segment, scan, fragments[0]);
            if (_chosen.Count == 0)
            {
                _origin = wall;
            }
            else if ((wall - _wallEnd).Duration() > SegmentIndex.SpanTolerance)
            {
                _removed += wall - _wallEnd; // a gap (or an overlap) between segments: play on without it
            }

            var offset = segment.Start - _origin - _removed;
            var shifts = new Dictionary<uint, long>();
            foreach (var track in scan.Tracks)
            {
                var reference = _tracks.First(t => t.Id == track.Id);
                long shift = Mp4Time.ToTicks(offset, (int)track.Timescale) + reference.PresentationOffset - track.PresentationOffset;
                if (FirstRun(fragments, track.Id) is { } run && _trackEnd.TryGetValue(track.Id, out long end) && (long)run.BaseDecodeTime + shift < end)
                {
                    shift = end - (long)run.BaseDecodeTime; // never back in time: a track's decode times only increase
                }

                shifts[track.Id] = shift;
            }

            _shifts.Add(shifts);
            foreach (var fragment in fragments)
            {
                var start = TimeSpan.MaxValue;
                foreach (var run in fragment.Runs)
                {
                    int rate = (int)_tracks.First(t => t.Id == run.TrackId).Timescale;
                    long decode = (long)run.BaseDecodeTime + shifts.GetValueOrDefault(run.TrackId);
                    _firstDecode.TryAdd(run.TrackId, decode);
                    _trackEnd[run.TrackId] = Math.Max(_trackEnd.GetValueOrDefault(run.TrackId), decode + (long)run.Duration);
                    var at = Mp4Time.ToTime(decode, rate);
                    start = at < start ? at : start;
                }

                var fragmentWall = WallStart(segment, scan, fragment);
                _chosen.Add((file, fragment, _shifts.Count - 1, start == TimeSpan.MaxValue ? TimeSpan.Zero : start, fragmentWall, StartsWithKeyframe(fragment, video)));
                _wallEnd = segment.Start + WallEnd(scan, fragment);
            }

            return true;
        }

        /// <summary>The last fragment starting at a keyframe at or before <c>from</c>, else the first that starts at one.</summary>
        private int StartFragment(RecordedSegment segment, Mp4ScanResult scan, Mp4ScannedTrack video)
        {
            int best = -1;
            for (int i = 0; i < scan.Fragments.Count; i++)
            {
                var fragment = scan.Fragments[i];
                if (!StartsWithKeyframe(fragment, video))
                {
                    continue;
                }

                var at = video.Id == 0 ? WallStart(segment, scan, fragment)
                    : segment.Start + Mp4Time.ToTime(fragment.Keyframes.First(k => k.TrackId == video.Id).PresentationTime, (int)video.Timescale);
                if (at <= from || best < 0)
                {
                    best = i;
                }

                if (at > from)
                {
                    break;
                }
            }

            return best;
        }

        private static bool StartsWithKeyframe(Mp4ScannedFragment fragment, Mp4ScannedTrack video)
        {
            if (video.Id == 0)
            {
                return true; // audio only: every sample is a sync sample
            }

            return FirstRun([fragment], video.Id) is { } run && fragment.Keyframes.Any(k => k.TrackId == video.Id && k.DecodeTime == run.BaseDecodeTime);
        }

        private static Mp4ScannedRun? FirstRun(IEnumerable<Mp4ScannedFragment> fragments, uint trackId)
        {
            foreach (var fragment in fragments)
            {
                foreach (var run in fragment.Runs)
                {
                    if (run.TrackId == trackId && run.Samples > 0)
                    {
                        return run;
                    }
                }
            }

            return null;
        }

        private static DateTimeOffset WallStart(RecordedSegment segment, Mp4ScanResult scan, Mp4ScannedFragment fragment)
        {
            var start = TimeSpan.MaxValue;
            foreach (var run in fragment.Runs)
            {
                if (scan.Tracks.FirstOrDefault(t => t.Id == run.TrackId) is { Timescale: > 0 } track)
                {
                    var at = Mp4Time.ToTime((long)run.BaseDecodeTime, (int)track.Timescale);
                    start = at < start ? at : start;
                }
            }

            return segment.Start + (start == TimeSpan.MaxValue ? TimeSpan.Zero : start);
        }

        private static TimeSpan WallEnd(Mp4ScanResult scan, Mp4ScannedFragment fragment)
        {
            var end = TimeSpan.Zero;
            foreach (var run in fragment.Runs)
            {
                if (scan.Tracks.FirstOrDefault(t => t.Id == run.TrackId) is { Timescale: > 0 } track)
                {
                    var at = Mp4Time.ToTime((long)(run.BaseDecodeTime + run.Duration), (int)track.Timescale);
                    end = at > end ? at : end;
                }
            }

            return end;
        }

        /// <summary>Fragments grouped from keyframe to keyframe, at most what a sidx holds.</summary>
        private List<ExportGroup> Group(TimeSpan duration)
        {
            var groups = new List<ExportGroup>();
            long offset = 0;
            foreach (var (_, fragment, _, start, wall, key) in _chosen)
            {
                if (groups.Count == 0 || key)
                {
                    groups.Add(new ExportGroup(offset, 0, start, TimeSpan.Zero, wall, key));
                }

                groups[^1] = groups[^1] with { Length = groups[^1].Length + fragment.Length };
                offset += fragment.Length;
            }

            while (groups.Count > ushort.MaxValue)
            {
                var merged = new List<ExportGroup>((groups.Count + 1) / 2);
                for (int i = 0; i < groups.Count; i += 2)
                {
                    merged.Add(i + 1 < groups.Count ? groups[i] with { Length = groups[i].Length + groups[i + 1].Length } : groups[i]);
                }

                groups = merged;
            }

            for (int i = 0; i < groups.Count; i++)
            {
                var end = i + 1 < groups.Count ? groups[i + 1].Start : duration;
                groups[i] = groups[i] with { Duration = end > groups[i].Start ? end - groups[i].Start : TimeSpan.Zero };
            }

            return groups;
        }
    }
}

/// <summary>A run of an export's fragments from one keyframe to the next.</summary>
/// <param name="Offset">Where it starts in the export.</param>
/// <param name="Start">Its time in the export.</param>
/// <param name="Wall">The wall-clock time it shows.</param>
internal readonly record struct ExportGroup(long Offset, long Length, TimeSpan Start, TimeSpan Duration, DateTimeOffset Wall, bool Keyframe);
