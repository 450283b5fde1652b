using EdgeBox.Configuration;

namespace EdgeBox.Media;

internal enum PathState
{
    /// <summary>No source: waiting for a publisher (or for a reader, for an on-demand source).</summary>
    Idle,

    /// <summary>A source is attached and its tracks are known.</summary>
    Ready,
}

/// <summary>Why a publisher was refused.</summary>
internal enum PublishRefusal
{
    None,
    SourceBusy,
    NotPublisherPath,
    NoTracks,
}

/// <summary>
/// A named stream: at most one source, any number of readers. The source writes access units; the
/// path keeps the current GOP (so a new reader starts at a keyframe with its parameter sets) and
/// offers each unit to every reader's queue, never waiting for one. All state changes (publish,
/// join, leave, write) happen under one short lock, which keeps every reader's view in order.
/// </summary>
internal sealed class MediaPath
{
    private readonly Lock _gate = new();
    /// <summary>Copy-on-write (readers join and leave rarely; every unit walks the list twice, the second time outside the lock).</summary>
    private PathReader[] _readers = [];
    private readonly List<AccessUnit> _gop = [];
    private readonly PreRollBuffer _preRoll;
    private readonly MediaOptions _options;
    private readonly Action<PathReader> _readerDropped;
    private IAccessUnitAttacher? _attacher;
    private PathConfig _config;
    private PathSource? _source;
    private IReadOnlyList<MediaTrack> _tracks = [];
    private TrackContinuity[] _continuity = [];
    private bool _hasVideo;
    private bool _gopValid;
    private long _gopBytes;
    private long _bytesIn;
    private long _framesIn;
    private int _nextReader;

    internal MediaPath(string name, PathConfig config, MediaOptions options, TimeProvider time, Action<PathReader> readerDropped)
    {
        Name = name;
        _config = config;
        _options = options;
        Time = time;
        _readerDropped = readerDropped;
        _preRoll = new PreRollBuffer(time) { MaxBytes = options.PreRollMaxBytes };
    }

    public string Name { get; }

    public TimeProvider Time { get; }

    /// <summary>The effective settings (pathDefaults overlaid with the path's own keys).</summary>
    public PathConfig Config
    {
        get => Volatile.Read(ref _config);
        internal set => Volatile.Write(ref _config, value);
    }

    public PathState State
    {
        get
        {
            lock (_gate)
            {
                return _source is null ? PathState.Idle : PathState.Ready;
            }
        }
    }

    public IReadOnlyList<MediaTrack> Tracks
    {
        get
        {
            lock (_gate)
            {
                return _tracks;
            }
        }
    }

    public PathSource? Source
    {
        get
        {
            lock (_gate)
            {
                return _source;
            }
        }
    }

    /// <summary>
    /// A path that keeps existing without source or readers: one whose source EdgeBox pulls (it must
    /// stay the same object while the source reconnects, so readers that wait on it are not orphaned).
    /// </summary>
    public bool Pinned { get; internal set; }

    /// <summary>A path another component publishes (a transcode profile's output): the configuration does not list it.</summary>
    public bool Derived { get; internal init; }

    /// <summary>
    /// For a path whose source runs only on demand: starts it and completes with true once the path is
    /// ready (false when it could not start in time). Null for paths without such a source.
    /// </summary>
    public Func<CancellationToken, Task<bool>>? OnDemand { get; internal set; }

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    /// <summary>Bytes queued to readers since the path was created, readers that left included.</summary>
    public long BytesOut
    {
        get
        {
            lock (_gate)
            {
                long total = _departedBytesOut;
                foreach (var reader in _readers)
                {
                    total += reader.BytesSent;
                }

                return total;
            }
        }
    }

    /// <summary>Units readers skipped (behind the source), readers that left included.</summary>
    public long FramesDropped
    {
        get
        {
            lock (_gate)
            {
                long total = _departedFramesDropped;
                foreach (var reader in _readers)
                {
                    total += reader.FramesDropped;
                }

                return total;
            }
        }
    }

    /// <summary>Bits per second received over the last sampling interval (about 1 s).</summary>
    public long Bitrate => Interlocked.Read(ref _bitrate);

    /// <summary>Access units per second of the video track (all units when there is no video) over the last interval.</summary>
    public double Fps => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _fpsBits));

    private long _bitrate;
    private long _fpsBits;
    private long _sampledBytes;
    private long _sampledFrames;
    private long _sampledAt;
    private long _videoFramesIn;

    /// <summary>Updates <see cref="Bitrate"/> and <see cref="Fps"/> (called about once a second by the path manager).</summary>
    internal void SampleRates(long now)
    {
        long bytes = BytesIn, frames = Interlocked.Read(ref _videoFramesIn);
        if (_sampledAt != 0)
        {
            double seconds = Time.GetElapsedTime(_sampledAt, now).TotalSeconds;
            if (seconds > 0)
            {
                Interlocked.Exchange(ref _bitrate, (long)((bytes - _sampledBytes) * 8 / seconds));
                Interlocked.Exchange(ref _fpsBits, BitConverter.DoubleToInt64Bits(Math.Round((frames - _sampledFrames) / seconds, 2)));
            }
        }

        (_sampledBytes, _sampledFrames, _sampledAt) = (bytes, frames, now);
    }

    private long _departedBytesOut;
    private long _departedFramesDropped;

    /// <summary>Keeps a leaving reader's counts in the path's totals (under the lock).</summary>
    private void Depart(PathReader reader)
    {
        _departedBytesOut += reader.BytesSent;
        _departedFramesDropped += reader.FramesDropped;
    }

    public long FramesIn => Interlocked.Read(ref _framesIn);

    public IReadOnlyList<PathReader> Readers
    {
        get
        {
            lock (_gate)
            {
                return _readers;
            }
        }
    }

    /// <summary>
    /// Attaches a source with its tracks. A second source is refused unless the path allows
    /// <c>overridePublisher</c>, in which case the first is detached. Readers stay attached when the new
    /// source has the same codecs in the same order (a camera that reconnects), else they are closed.
    /// </summary>
    public PublishRefusal TryPublish(string id, string kind, IReadOnlyList<MediaTrack> tracks, bool allowOverride, out PathSource? source)
    {
        source = null;
        if (tracks.Count == 0)
        {
            return PublishRefusal.NoTracks;
        }

        PathSource? replaced = null;
        lock (_gate)
        {
            if (_source is not null)
            {
                if (!allowOverride)
                {
                    return PublishRefusal.SourceBusy;
                }

                replaced = _source;
                DetachSource();
            }

            if (!SameCodecs(_tracks, tracks))
            {
                foreach (var reader in _readers)
                {
                    reader.Close(ReaderCloseReason.TracksChanged);
                    Depart(reader);
                }

                _readers = [];
                _attacher?.Reset(); // other codecs: derived forms (RTP packetizers) start afresh
                _continuity = new TrackContinuity[tracks.Count];
            }
            else
            {
                // Same codecs (a camera that came back): readers stay, and each track's clock goes on
                // from where the last source left it, so they see no jump back in time.
                for (int i = 0; i < _continuity.Length; i++)
                {
                    _continuity[i].OffsetKnown = false;
                }
            }

            _tracks = tracks;
            _hasVideo = tracks.Any(t => t.IsVideo);
            source = new PathSource(this, id, kind, Time.GetUtcNow());
            _source = source;
        }

        replaced?.MarkReplaced();
        return PublishRefusal.None;
    }

    /// <summary>How many readers have joined since the path was made (those that left included).</summary>
    public int ReadersJoined => Volatile.Read(ref _nextReader);

    /// <summary>Adds a reader; it first receives the cached GOP, then live units. Null when <c>maxReaders</c> is reached.</summary>
    public PathReader? TryAddReader(string kind, int maxReaders) => TryAddReader(kind, maxReaders, TimeSpan.Zero, out _);

    /// <summary>
    /// Adds a reader that starts up to <paramref name="history"/> in the past: <paramref name="past"/> gets new
    /// references to the path's pre-roll units from the latest keyframe at least that old (as far back as the
    /// path's <c>preRoll</c> keeps), and the reader's queue continues right after the last of them. Without a
    /// pre-roll buffer this is <see cref="TryAddReader(string, int)"/> and <paramref name="past"/> is empty.
    /// The caller releases every unit of <paramref name="past"/>.
    /// </summary>
    public PathReader? TryAddReader(string kind, int maxReaders, TimeSpan history, out List<AccessUnit> past)
    {
        past = [];
        PathReader reader;
        lock (_gate)
        {
            if (maxReaders > 0 && _readers.Length >= maxReaders)
            {
                return null;
            }

            if (history > TimeSpan.Zero && _preRoll.Count > 0)
            {
                past = _preRoll.Take(history, Time.GetTimestamp());
                reader = new PathReader(this, $"{Name}#{++_nextReader}", kind, _options, startSkipping: false);
                _readers = [.. _readers, reader];
                return reader;
            }

            reader = new PathReader(this, $"{Name}#{++_nextReader}", kind, _options, startSkipping: _hasVideo);
            long now = Time.GetTimestamp();
            foreach (var unit in _gop)
            {
                reader.Offer(unit, ResumePoint(unit), now);
            }

            _readers = [.. _readers, reader];
            if (!_hasVideo || _gop.Count > 0)
            {
                return reader;
            }
        }

        // A video path with nothing cached yet: this reader would wait a whole GOP for its first picture.
        RequestKeyframe();
        return reader;
    }

    /// <summary>
    /// The attacher for this path, created once by <paramref name="create"/>: from now on every unit
    /// written gets its derived form (e.g. RTP packets) made once, on the source's thread, before fan-out.
    /// </summary>
    public T GetOrAddAttacher<T>(Func<MediaPath, T> create)
        where T : class, IAccessUnitAttacher
    {
        lock (_gate)
        {
            if (_attacher is T existing)
            {
                return existing;
            }

            var attacher = create(this);
            _attacher = attacher;
            return attacher;
        }
    }

    /// <summary>Closes every reader and detaches the source (the path was removed or kicked).</summary>
    public void Close(ReaderCloseReason reason)
    {
        PathSource? source;
        lock (_gate)
        {
            foreach (var reader in _readers)
            {
                reader.Close(reason);
                Depart(reader);
            }

            _readers = [];
            source = _source;
            DetachSource();
        }

        source?.MarkReplaced();
    }

    /// <summary>Takes ownership of <paramref name="unit"/>'s reference.</summary>
    internal void Write(PathSource source, AccessUnit unit)
    {
        List<PathReader>? dropped = null;
        PathReader[] readers;
        int start;
        lock (_gate)
        {
            if (!ReferenceEquals(source, _source) || (uint)unit.TrackIndex >= (uint)_tracks.Count)
            {
                unit.Release();
                return;
            }

            Interlocked.Add(ref _bytesIn, unit.Buffer.Length);
            Interlocked.Increment(ref _framesIn);
            long now = Time.GetTimestamp();
            var track = _tracks[unit.TrackIndex];
            if (track.IsVideo || !_hasVideo)
            {
                Interlocked.Increment(ref _videoFramesIn);
            }

            ref var clock = ref _continuity[unit.TrackIndex];
            if (!clock.OffsetKnown)
            {
                // The first unit of this track from this source: continue the path's clock by the
                // wall-clock time since its last unit (0 offset for the path's very first source).
                long gap = clock.HasLast ? Math.Max(1, (long)(Time.GetElapsedTime(clock.LastWrite, now).TotalSeconds * track.ClockRate)) : 0;
                clock.Offset = clock.HasLast ? clock.LastPts + gap - unit.Pts : 0;
                clock.OffsetKnown = true;
                if (track.Clock is null)
                {
                    track.Clock = new TrackClock(unit.Pts + clock.Offset, Time.GetUtcNow(), FromSender: false);
                }
            }

            unit = unit with { Pts = unit.Pts + clock.Offset };
            clock.LastPts = unit.Pts;
            clock.LastWrite = now;
            clock.HasLast = true;
            _attacher?.Attach(unit, track);
            CacheGop(unit);
            bool resume = ResumePoint(unit);
            _preRoll.Window = Config.PreRoll ?? TimeSpan.Zero;
            _preRoll.Add(unit, resume, now);
            readers = _readers;
            foreach (var reader in readers)
            {
                if (!reader.Offer(unit, resume, now))
                {
                    (dropped ??= []).Add(reader);
                    Depart(reader);
                }
            }

            if (dropped is not null)
            {
                _readers = Array.FindAll(_readers, r => !dropped.Contains(r));
            }

            start = (int)(Interlocked.Read(ref _framesIn) % Math.Max(1, readers.Length));
        }

        // Readers that send on this thread (RTSP over TCP) do it now, outside the lock, starting at a
        // different reader each time so that none is always served last.
        for (int i = 0; i < readers.Length; i++)
        {
            readers[(start + i) % readers.Length].Signal();
        }

        unit.Release();
        if (dropped is not null)
        {
            foreach (var reader in dropped)
            {
                _readerDropped(reader);
            }
        }
    }

    /// <summary>
    /// The source's sender told when one of its timestamps was sampled (an RTCP sender report):
    /// map it onto the path's clock. Ignored until the track's first unit fixed the offset.
    /// </summary>
    internal void SetSenderClock(PathSource source, int trackIndex, long sourcePts, DateTimeOffset utc)
    {
        lock (_gate)
        {
            if (ReferenceEquals(source, _source) && (uint)trackIndex < (uint)_tracks.Count && _continuity[trackIndex].OffsetKnown)
            {
                _tracks[trackIndex].Clock = new TrackClock(sourcePts + _continuity[trackIndex].Offset, utc, FromSender: true);
            }
        }
    }

    /// <summary>
    /// Asks the source for a keyframe now (a reader that lost its queue waits for one; a WebRTC player
    /// sends PLI). Sources that cannot make one (cameras, publishers) ignore it. At most one request per
    /// <see cref="KeyframeRequestInterval"/>, so many readers falling behind at once cost one keyframe.
    /// </summary>
    public void RequestKeyframe()
    {
        long now = Time.GetTimestamp();
        long last = Interlocked.Read(ref _lastKeyframeRequest);
        if (last != 0 && Time.GetElapsedTime(last, now) < KeyframeRequestInterval)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastKeyframeRequest, now, last) == last)
        {
            Volatile.Read(ref _source)?.KeyframeRequested?.Invoke();
        }
    }

    /// <summary>The shortest time between two keyframe requests reaching the source.</summary>
    public static readonly TimeSpan KeyframeRequestInterval = TimeSpan.FromMilliseconds(500);

    private long _lastKeyframeRequest;

    internal void EndSource(PathSource source)
    {
        lock (_gate)
        {
            if (ReferenceEquals(source, _source))
            {
                DetachSource();
            }
        }
    }

    internal void RemoveReader(PathReader reader)
    {
        lock (_gate)
        {
            int index = Array.IndexOf(_readers, reader);
            if (index >= 0)
            {
                _readers = [.. _readers.AsSpan(0, index), .. _readers.AsSpan(index + 1)];
                Depart(reader);
            }
        }
    }

    /// <summary>Whether a reader that skipped may resume here: a video keyframe, or any unit of an audio-only path.</summary>
    private bool ResumePoint(in AccessUnit unit) => unit.Keyframe && (!_hasVideo || _tracks[unit.TrackIndex].IsVideo);

    private void CacheGop(in AccessUnit unit)
    {
        if (!_hasVideo)
        {
            return;
        }

        if (unit.Keyframe && _tracks[unit.TrackIndex].IsVideo)
        {
            ClearGop();
            _gopValid = true;
        }

        if (!_gopValid)
        {
            return;
        }

        if (_gopBytes + unit.Buffer.Length > _options.GopCacheMaxBytes)
        {
            ClearGop(); // too long a GOP to cache: new readers wait for the next keyframe instead
            return;
        }

        _gop.Add(unit.AddRef());
        _gopBytes += unit.Buffer.Length;
    }

    private void ClearGop()
    {
        foreach (var unit in _gop)
        {
            unit.Release();
        }

        _gop.Clear();
        _gopBytes = 0;
        _gopValid = false;
    }

    private void DetachSource()
    {
        _source = null;
        ClearGop();
        _preRoll.Clear();
    }

    private static bool SameCodecs(IReadOnlyList<MediaTrack> a, IReadOnlyList<MediaTrack> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Codec == p.Second.Codec && p.First.ClockRate == p.Second.ClockRate);
}

/// <summary>Where a track's clock stands, per track of the path (see <see cref="MediaPath.TryPublish"/>).</summary>
internal struct TrackContinuity
{
    /// <summary>Added to the current source's timestamps.</summary>
    public long Offset;

    public bool OffsetKnown;

    public bool HasLast;

    public long LastPts;

    /// <summary>TimeProvider timestamp of the last unit.</summary>
    public long LastWrite;
}

/// <summary>The handle a source writes through; disposing it detaches the source from the path.</summary>
internal sealed class PathSource : IDisposable
{
    private readonly MediaPath _path;
    private readonly CancellationTokenSource _replaced = new();

    internal PathSource(MediaPath path, string id, string kind, DateTimeOffset since)
    {
        _path = path;
        Id = id;
        Kind = kind;
        Since = since;
    }

    public string Id { get; }

    /// <summary>"rtsp publisher", "rtsp pull"...</summary>
    public string Kind { get; }

    public DateTimeOffset Since { get; }

    /// <summary>Cancelled when another source replaced this one or the path closed: the session should end.</summary>
    public CancellationToken Replaced => _replaced.Token;

    public IReadOnlyList<MediaTrack> Tracks => _path.Tracks;

    /// <summary>Writes one unit; takes ownership of its reference.</summary>
    public void Write(in AccessUnit unit) => _path.Write(this, unit);

    /// <summary>Maps one of this source's timestamps on a track to wall-clock time (from an RTCP sender report).</summary>
    public void SetSenderClock(int trackIndex, long pts, DateTimeOffset utc) => _path.SetSenderClock(this, trackIndex, pts, utc);

    /// <summary>
    /// Set by a source that can make a keyframe when asked (an encoder: a transcode profile, the test
    /// pattern; later WebRTC publishers through PLI). Called on a reader's or the fan-out's thread: it
    /// must only note the request.
    /// </summary>
    public Action? KeyframeRequested { get; set; }

    public void Dispose()
    {
        _path.EndSource(this);
        _replaced.Dispose();
    }

    internal void MarkReplaced()
    {
        try
        {
            _replaced.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }
    }
}
