using EdgeBox.Infrastructure;
using EdgeBox.Media;

namespace EdgeBox.Formats.Mp4;

/// <summary>
/// Writes a fragmented MP4 file to a <see cref="Stream"/>: the tracks declared by <see cref="WriteInit"/>, then one
/// movie fragment (moof + mdat) per <see cref="Flush"/> with every sample <see cref="Add"/>ed since; the init
/// segment (ftyp + moov) goes out with the first fragment. The recorder decides where fragments end (at a video
/// keyframe, or when a part's time is up); the writer decides nothing but the boxes.
/// <para>
/// Crash safety: a fragment is built whole in a pooled buffer and written with one <see cref="Stream.Write(ReadOnlySpan{byte})"/>
/// call, then flushed (and fsync'ed with <see cref="FragmentedMp4Options.FlushToDisk"/>). A crash of the process
/// loses the samples added since the last flush; a power loss can also leave the fragment being written cut
/// short, which <see cref="Mp4FragmentScanner"/> finds and the recorder truncates at start-up. Everything before
/// it plays.
/// </para>
/// <para>
/// Timing: each track's times start at its start offset (<see cref="WriteInit"/>, zero by default) at its first
/// sample's PTS, in the track's clock (mdhd timescale = the clock rate). EdgeBox carries no DTS: samples are
/// taken in the order they come, which is decode order, and their decode times are their PTSs when those
/// increase (EdgeBox's own encoders, most cameras): composition offsets 0. When PTSs go back and forth (a
/// camera's B-frames), a fragment's decode times are its PTSs sorted, and each sample's composition offset gives
/// back its PTS. Offsets are kept positive by adding the reorder delay measured on the first fragment to all of
/// them, which the edit list takes back off, so FFmpeg and MSE both show every picture at its PTS (a negative
/// offset would make FFmpeg show the whole track late). Decode times are exact for fragments that start at a
/// keyframe of a closed GOP; in a fragment cut inside a GOP they are kept increasing by nudging them a tick past
/// the one before, and an offset that would go negative then is written signed (trun version 1).
/// </para>
/// <para>
/// A sample lasts until the next one; the last of a fragment lasts what the codec says (Opus, G.711, AAC), else
/// until <c>end</c> when <see cref="Flush"/> is given one, else as long as the sample before it. Each fragment's
/// tfdt is the decode time of its first sample, so a gap in the source (a stall) stays a gap rather than shifting
/// everything after it.
/// </para>
/// Not thread-safe: one caller (the recorder's loop) drives it. The stream stays the caller's.
/// </summary>
internal sealed partial class FragmentedMp4Writer : IDisposable
{
    private readonly Stream _stream;
    private readonly FragmentedMp4Options _options;
    private readonly PooledBufferWriter _buffer = new(64 * 1024);
    private readonly List<Mp4Keyframe> _keyframes = [];
    private readonly List<Mp4Keyframe> _newKeyframes = [];
    private TrackState[] _tracks = [];
    private Mp4InitTrack[] _init = [];
    private bool _initPending;
    private int _initInBuffer;
    private Mp4TrackRun[] _runs = [];
    private long _position;
    private long _pendingBytes;
    private uint _sequence;
    private bool _failed;
    private bool _disposed;

    public FragmentedMp4Writer(Stream stream, FragmentedMp4Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("the stream must be writable", nameof(stream));
        }

        _stream = stream;
        _options = options ?? new FragmentedMp4Options();
        _position = stream.CanSeek ? stream.Position : 0;
    }

    /// <summary>Bytes written: init segment and fragments.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The length of the init segment (ftyp + moov); 0 until the first fragment is written.</summary>
    public int InitLength { get; private set; }

    public int FragmentCount { get; private set; }

    /// <summary>
    /// A write failed (a full disk): the file may end in part of a fragment after <see cref="BytesWritten"/>, the
    /// end of the last complete one. Nothing more can be written; cut the file back to that length.
    /// </summary>
    public bool Failed => _failed;

    /// <summary>The end of the longest track written so far, as file time.</summary>
    public TimeSpan Duration
    {
        get
        {
            var duration = TimeSpan.Zero;
            foreach (var track in _tracks)
            {
                duration = TimeSpan.FromTicks(Math.Max(duration.Ticks, track.EndTime.Ticks));
            }

            return duration;
        }
    }

    /// <summary>The video keyframes written so far, in order: the recording index's seek points.</summary>
    public IReadOnlyList<Mp4Keyframe> Keyframes => _keyframes;

    /// <summary>Samples added and not yet written.</summary>
    public int PendingSamples
    {
        get
        {
            int count = 0;
            foreach (var track in _tracks)
            {
                count += track.PendingCount;
            }

            return count;
        }
    }

    /// <summary>Per track, in the order given to <see cref="WriteInit"/>.</summary>
    public IReadOnlyList<Mp4TrackStats> Tracks => Array.ConvertAll(_tracks, t => t.Stats);

    /// <summary>True when <paramref name="track"/> can be recorded (see <see cref="Mp4SampleEntry.CanDescribe"/>).</summary>
    public static bool CanRecord(MediaTrack track, out string? reason) => Mp4SampleEntry.CanDescribe(track, out reason);

    /// <summary>
    /// Declares the tracks of the file (track_IDs 1, 2, ... in this order) and so its init segment. Each track's
    /// first sample goes at its <paramref name="startOffsets"/> entry (file time; all zero when null): a track that
    /// joins later than the others (audio after the first video keyframe, as measured on the wall clock by the
    /// caller) gets that offset in its decode times and an edit list that starts it there.
    /// <para>
    /// The init segment's bytes go out with the first fragment, in the same write: the first samples tell whether
    /// a video track has B-frames and by how much its composition times must be shifted, which the init segment's
    /// edit list has to say. A file that never gets a sample stays empty.
    /// </para>
    /// </summary>
    public void WriteInit(IReadOnlyList<MediaTrack> tracks, IReadOnlyList<TimeSpan>? startOffsets = null) => BuildInit(tracks, startOffsets);

    /// <summary>
    /// Queues <paramref name="unit"/> for the next fragment, taking a reference to its payload (the caller keeps
    /// and releases its own). False, and nothing taken, for a track not in the init segment, an empty payload, or
    /// a unit earlier than its track's first one.
    /// </summary>
    public bool Add(in AccessUnit unit)
    {
        ThrowIfNotWritable();
        var track = Find(unit.TrackIndex);
        if (track is null || !track.TryAdd(unit))
        {
            return false;
        }

        _pendingBytes += unit.Payload.Length;
        if (_pendingBytes > _options.MaxPendingBytes)
        {
            Flush();
        }

        return true;
    }

    /// <summary>
    /// The file time <paramref name="unit"/> has (or would have) as a sample: e.g. the keyframe that is about to
    /// start the next fragment, to pass as <c>end</c> to <see cref="Flush"/>. Null for a track not in the file.
    /// </summary>
    public TimeSpan? TimeOf(in AccessUnit unit) => Find(unit.TrackIndex)?.TimeOf(unit.Pts);

    /// <summary>
    /// Writes every sample added since the last flush as one fragment; null when there were none (nothing is
    /// written). <paramref name="end"/> is where the fragment ends in file time (usually the time of the unit that
    /// starts the next one, <see cref="TimeOf"/>): it gives the last video sample its duration.
    /// </summary>
    public Mp4FragmentInfo? Flush(TimeSpan? end = null)
    {
        ThrowIfNotWritable();
        if (!BuildFragment(end, out var info))
        {
            return null;
        }

        WriteBuffer();
        Commit(info);
        return info;
    }

    /// <inheritdoc cref="Flush"/>
    public async ValueTask<Mp4FragmentInfo?> FlushAsync(TimeSpan? end = null, CancellationToken cancellationToken = default)
    {
        ThrowIfNotWritable();
        if (!BuildFragment(end, out var info))
        {
            return null;
        }

        await WriteBufferAsync(cancellationToken).ConfigureAwait(false);
        Commit(info);
        return info;
    }

    /// <summary>Releases the samples not yet written (they are lost: flush first to keep them) and the buffer. The stream stays open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var track in _tracks)
        {
            track.ReleasePending();
        }

        _buffer.Dispose();
    }

    private void BuildInit(IReadOnlyList<MediaTrack> tracks, IReadOnlyList<TimeSpan>? startOffsets)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_tracks.Length > 0)
        {
            throw new InvalidOperationException("the init segment is already written");
        }

        if (tracks.Count == 0)
        {
            throw new ArgumentException("an MP4 file needs at least one track", nameof(tracks));
        }

        if (startOffsets is not null && startOffsets.Count != tracks.Count)
        {
            throw new ArgumentException("one start offset per track", nameof(startOffsets));
        }

        var init = new Mp4InitTrack[tracks.Count];
        var states = new TrackState[tracks.Count];
        for (int i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            var start = startOffsets?[i] ?? TimeSpan.Zero;
            ArgumentOutOfRangeException.ThrowIfLessThan(start, TimeSpan.Zero, nameof(startOffsets));
            if (!Mp4SampleEntry.CanDescribe(track, out string? reason))
            {
                throw new ArgumentException($"track {track.Index} ({track.Codec.Name()}): {reason}", nameof(tracks));
            }

            for (int j = 0; j < i; j++)
            {
                if (tracks[j].Index == track.Index)
                {
                    throw new ArgumentException($"track {track.Index} is listed twice", nameof(tracks));
                }
            }

            init[i] = new Mp4InitTrack(track, (uint)i + 1, start);
            states[i] = new TrackState(track, (uint)i + 1, start);
        }

        _init = init;
        _initPending = true;
        _tracks = states;
        _runs = new Mp4TrackRun[states.Length];
    }

    /// <summary>Builds the next fragment into the buffer and releases the pending payloads (copied into it).</summary>
    private bool BuildFragment(TimeSpan? end, out Mp4FragmentInfo info)
    {
        info = default;
        if (PendingSamples == 0)
        {
            return false;
        }

        _buffer.Clear();
        _newKeyframes.Clear();
        var w = new Mp4BoxWriter(_buffer);
        _initInBuffer = 0;
        if (_initPending)
        {
            for (int i = 0; i < _tracks.Length; i++)
            {
                _init[i] = _init[i] with { CompositionShift = _tracks[i].DecideCompositionShift() };
            }

            Mp4InitSegment.Write(w, _init);
            _initInBuffer = _buffer.WrittenCount;
        }

        long fragmentStart = long.MaxValue;
        long fragmentEnd = long.MinValue;
        int samples = 0;
        bool startsWithKeyframe = true;
        for (int i = 0; i < _tracks.Length; i++)
        {
            var track = _tracks[i];
            _runs[i] = new Mp4TrackRun(track.Id, track.BuildRun(end));
            if (_runs[i].Samples.Count > 0)
            {
                var first = _runs[i].Samples[0];
                var last = _runs[i].Samples[^1];
                fragmentStart = Math.Min(fragmentStart, Mp4Time.ToTime(first.DecodeTime, track.ClockRate).Ticks);
                fragmentEnd = Math.Max(fragmentEnd, Mp4Time.ToTime(last.DecodeTime + last.Duration, track.ClockRate).Ticks);
                samples += _runs[i].Samples.Count;
                startsWithKeyframe &= !track.IsVideo || first.Sync;
            }
        }

        uint sequence = _sequence + 1;
        long fragmentOffset = _position + _initInBuffer;
        int dataStart = Mp4Fragment.WriteMoofAndMdatHeader(w, sequence, _runs);
        long runOffset = fragmentOffset + dataStart;
        for (int i = 0; i < _tracks.Length; i++)
        {
            runOffset = _tracks[i].AppendPayloads(_buffer, fragmentOffset, runOffset, _newKeyframes);
        }

        _pendingBytes = 0;
        info = new Mp4FragmentInfo(sequence, fragmentOffset, _buffer.WrittenCount - _initInBuffer, TimeSpan.FromTicks(fragmentStart),
            TimeSpan.FromTicks(fragmentEnd - fragmentStart), samples, startsWithKeyframe);
        return true;
    }

    private void Commit(Mp4FragmentInfo info)
    {
        if (_initPending)
        {
            _initPending = false;
            InitLength = _initInBuffer;
        }

        _sequence = info.SequenceNumber;
        FragmentCount++;
        _keyframes.AddRange(_newKeyframes);
        foreach (var track in _tracks)
        {
            track.Commit();
        }
    }

    private void WriteBuffer()
    {
        try
        {
            _stream.Write(_buffer.WrittenSpan);
            _stream.Flush();
            FlushToDisk();
        }
        catch
        {
            _failed = true;
            throw;
        }

        Written();
    }

    private async ValueTask WriteBufferAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            FlushToDisk(); // .NET has no asynchronous fsync: this one blocks for the disk flush
        }
        catch
        {
            _failed = true;
            throw;
        }

        Written();
    }

    private void FlushToDisk()
    {
        if (_options.FlushToDisk && _stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
    }

    private void Written()
    {
        _position += _buffer.WrittenCount;
        BytesWritten += _buffer.WrittenCount;
    }

    private TrackState? Find(int trackIndex)
    {
        foreach (var track in _tracks)
        {
            if (track.Track.Index == trackIndex)
            {
                return track;
            }
        }

        return null;
    }

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_tracks.Length == 0)
        {
            throw new InvalidOperationException("write the init segment first");
        }

        if (_failed)
        {
            throw new InvalidOperationException("an earlier write failed: the file ends in an incomplete fragment; start a new one");
        }
    }
}
