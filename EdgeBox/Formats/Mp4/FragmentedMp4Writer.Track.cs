using System.Buffers;
using EdgeBox.Infrastructure;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;

namespace EdgeBox.Formats.Mp4;

internal sealed partial class FragmentedMp4Writer
{
    /// <summary>A sample waiting for the next fragment: its payload (one reference held) and times.</summary>
    /// <param name="Time">PTS in the file's timeline: the track's start offset plus the PTS since its first unit.</param>
    private readonly record struct PendingSample(MediaBuffer Buffer, long Pts, long Time, bool Sync);

    /// <summary>One track's samples waiting for the next fragment, its timing and what has been written of it.</summary>
    private sealed class TrackState
    {
        /// <summary>A video frame's duration when nothing else tells it (a one-sample first fragment): 25 fps.</summary>
        private const int DefaultFramesPerSecond = 25;

        private readonly List<PendingSample> _pending = [];
        private readonly long _startTicks;
        private readonly long _aacFrameTicks;
        private Mp4Sample[] _samples = [];
        private long[] _times = [];
        private long? _originPts;
        private long _shift;

        // The run being built, committed once the fragment is written.
        private long _runLastDecodeTime;
        private long _runLastDuration;
        private long _runBytes;
        private int _runCount;
        private long _runFirstPts;
        private long _runLastPts;

        private long _lastDecodeTime = -1;
        private long _lastDuration;
        private long _end;
        private long? _firstPts;
        private long? _lastPts;
        private long _samplesWritten;
        private long _bytesWritten;
        private long _dropped;

        public TrackState(MediaTrack track, uint id, TimeSpan start)
        {
            Track = track;
            Id = id;
            ClockRate = track.ClockRate;
            IsVideo = track.IsVideo;
            _startTicks = Mp4Time.ToTicks(start, ClockRate);
            _end = _startTicks;
            if (track.Codec == CodecId.Aac && AacConfig.TryParse(track.Parameters.AudioSpecificConfig, out var config) && config.SampleRate > 0)
            {
                // An access unit is 1024 (960) samples of the core coder, whatever the clock: 2048 ticks for HE-AAC on its output rate.
                _aacFrameTicks = (long)config.SamplesPerFrame * ClockRate / config.SampleRate;
            }
        }

        public MediaTrack Track { get; }

        public uint Id { get; }

        public int ClockRate { get; }

        public bool IsVideo { get; }

        public int PendingCount => _pending.Count;

        public TimeSpan EndTime => Mp4Time.ToTime(_end, ClockRate);

        public Mp4TrackStats Stats => new(Track.Index, Id, Track.Codec, _firstPts, _lastPts, _samplesWritten, _bytesWritten, _dropped, EndTime);

        public TimeSpan TimeOf(long pts) => Mp4Time.ToTime(pts - (_originPts ?? pts) + _startTicks, ClockRate);

        /// <summary>
        /// Decides the composition shift from the first fragment's samples, before the init segment is written: the
        /// most any picture comes before its place in PTS order (the reorder delay of B-frames; 0 when PTSs increase).
        /// </summary>
        public long DecideCompositionShift()
        {
            int n = _pending.Count;
            EnsureCapacity(n);
            var times = _times.AsSpan(0, n);
            for (int i = 0; i < n; i++)
            {
                times[i] = _pending[i].Time;
            }

            times.Sort();
            long shift = 0;
            for (int i = 0; i < n; i++)
            {
                shift = Math.Max(shift, times[i] - _pending[i].Time);
            }

            _shift = Math.Min(shift, int.MaxValue);
            return _shift;
        }

        public bool TryAdd(in AccessUnit unit)
        {
            if (unit.Payload.IsEmpty)
            {
                _dropped++;
                return false;
            }

            _originPts ??= unit.Pts;
            long time = unit.Pts - _originPts.Value + _startTicks;
            if (time < 0)
            {
                _dropped++; // before the track's first unit (a reordered picture from before the recording started)
                return false;
            }

            _pending.Add(new PendingSample(unit.Buffer.AddRef(), unit.Pts, time, !IsVideo || unit.Keyframe));
            return true;
        }

        /// <summary>
        /// The run of the pending samples: decode times, durations and composition offsets (see the timing notes
        /// on <see cref="FragmentedMp4Writer"/>). The pending samples stay until <see cref="AppendPayloads"/>.
        /// </summary>
        public ArraySegment<Mp4Sample> BuildRun(TimeSpan? end)
        {
            int n = _pending.Count;
            if (n == 0)
            {
                return ArraySegment<Mp4Sample>.Empty;
            }

            EnsureCapacity(n);

            // Decode times: the PTSs when they increase, else the PTSs sorted (pictures come in decode order).
            var times = _times.AsSpan(0, n);
            bool ordered = true;
            for (int i = 0; i < n; i++)
            {
                times[i] = _pending[i].Time;
                ordered &= i == 0 || times[i] >= times[i - 1];
            }

            if (!ordered)
            {
                times.Sort();
            }

            long previous = _lastDecodeTime;
            for (int i = 0; i < n; i++)
            {
                times[i] = Math.Max(times[i], previous + 1); // strictly increasing, after the last fragment
                previous = times[i];
            }

            long bytes = 0;
            long lastDuration = 0;
            for (int i = 0; i < n; i++)
            {
                var sample = _pending[i];
                long duration = i + 1 < n ? times[i + 1] - times[i] : LastSampleDuration(sample.Buffer.Span, times[i], end, n > 1 ? times[i] - times[i - 1] : 0);
                long offset = Math.Clamp(sample.Time + _shift - times[i], int.MinValue, int.MaxValue);
                _samples[i] = new Mp4Sample(times[i], (uint)Math.Clamp(duration, 0, uint.MaxValue), sample.Buffer.Length, sample.Sync, (int)offset);
                bytes += sample.Buffer.Length;
                lastDuration = duration;
            }

            _runLastDecodeTime = times[n - 1];
            _runLastDuration = lastDuration;
            _runBytes = bytes;
            return new ArraySegment<Mp4Sample>(_samples, 0, n);
        }

        /// <summary>
        /// Copies the pending payloads into the fragment, releases them and notes the keyframes with their file
        /// offsets; returns the offset where the next track's run starts.
        /// </summary>
        public long AppendPayloads(PooledBufferWriter buffer, long fragmentOffset, long runOffset, List<Mp4Keyframe> keyframes)
        {
            long offset = runOffset;
            for (int i = 0; i < _pending.Count; i++)
            {
                var sample = _pending[i];
                buffer.Write(sample.Buffer.Span);
                if (IsVideo && sample.Sync)
                {
                    keyframes.Add(new Mp4Keyframe(Track.Index, Mp4Time.ToTime(sample.Time, ClockRate), sample.Pts, fragmentOffset, offset));
                }

                offset += sample.Buffer.Length;
            }

            _runCount = _pending.Count;
            if (_runCount > 0)
            {
                _runFirstPts = _pending[0].Pts;
                _runLastPts = _pending[^1].Pts;
            }

            ReleasePending();
            return offset;
        }

        /// <summary>The fragment is written: its run becomes part of the track.</summary>
        public void Commit()
        {
            if (_runCount == 0)
            {
                return;
            }

            _firstPts ??= _runFirstPts;
            _lastPts = _runLastPts;
            _samplesWritten += _runCount;
            _bytesWritten += _runBytes;
            _lastDecodeTime = _runLastDecodeTime;
            _lastDuration = _runLastDuration;
            _end = _runLastDecodeTime + _runLastDuration;
            _runCount = 0;
        }

        private void EnsureCapacity(int n)
        {
            if (_samples.Length < n)
            {
                _samples = new Mp4Sample[Math.Max(n, _samples.Length * 2)];
                _times = new long[_samples.Length];
            }
        }

        public void ReleasePending()
        {
            foreach (var sample in _pending)
            {
                sample.Buffer.Release();
            }

            _pending.Clear();
        }

        /// <summary>
        /// The duration of a fragment's last sample: what the codec says it lasts (Opus TOC, G.711 byte count, AAC
        /// frame), else up to <paramref name="end"/>, else the duration of the sample before, else of the last sample
        /// written, else a default frame.
        /// </summary>
        private long LastSampleDuration(ReadOnlySpan<byte> payload, long decodeTime, TimeSpan? end, long previous)
        {
            long intrinsic = Track.Codec switch
            {
                CodecId.Opus => Opus.TryGetDuration(payload, out int samples) ? (long)samples * ClockRate / Opus.SampleRate : 0,
                CodecId.Pcmu or CodecId.Pcma => (long)payload.Length / Math.Max(Track.Channels, 1) * ClockRate / 8000,
                CodecId.Aac => _aacFrameTicks,
                _ => 0,
            };
            if (intrinsic > 0)
            {
                return intrinsic;
            }

            if (end is { } endTime && Mp4Time.ToTicks(endTime, ClockRate) - decodeTime is > 0 and var untilEnd)
            {
                return untilEnd;
            }

            if (previous > 0)
            {
                return previous;
            }

            return _lastDuration > 0 ? _lastDuration : IsVideo ? ClockRate / DefaultFramesPerSecond : 1024;
        }
    }
}
