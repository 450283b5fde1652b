using EdgeBox.Configuration;
using EdgeBox.Media;

namespace EdgeBox.Codecs;

/// <summary>The derived path's side: published once the first keyframe told the parameter sets.</summary>
internal sealed partial class Transcoder
{
    private sealed class OutputState : IDisposable
    {
        private readonly Transcoder _owner;
        private readonly Lock _gate = new();
        private readonly MediaTrack _video;
        private readonly List<MediaTrack> _tracks;
        private readonly int[] _audioIndex;
        private PathSource? _published;

        private readonly int _encodedSource = -1;

        /// <param name="conversion">When the profile converts audio: the shared conversion of the first audio track (its output track replaces that one).</param>
        public OutputState(Transcoder owner, IReadOnlyList<MediaTrack> sourceTracks, AudioConversion? conversion)
        {
            _owner = owner;
            var codec = OutputCodec(owner._profile.Video.Codec);
            _video = new MediaTrack(0, codec, 90000, 0, CodecParameters.None);
            _tracks = [_video];
            _audioIndex = new int[sourceTracks.Count];
            for (int i = 0; i < sourceTracks.Count; i++)
            {
                var track = sourceTracks[i];
                _audioIndex[i] = -1;
                if (!track.IsVideo && owner._profile.Audio.Codec != AudioCodecSetting.None)
                {
                    _audioIndex[i] = _tracks.Count;
                    if (conversion is not null && conversion.Source.Index == i)
                    {
                        _encodedSource = i;
                        _tracks.Add(conversion.OutputTrack(_tracks.Count));
                    }
                    else
                    {
                        _tracks.Add(new MediaTrack(_tracks.Count, track.Codec, track.ClockRate, track.Channels, track.Parameters));
                    }
                }
            }
        }

        public CodecId VideoCodec => _video.Codec;

        public void WriteVideo(ReadOnlySpan<byte> accessUnit, long pts, bool keyframe)
        {
            if (keyframe && ParameterSets.Update(_video.Codec, _video.Parameters, accessUnit) is { } parameters)
            {
                _video.UpdateParameters(parameters);
            }

            var source = Publish(keyframe);
            source?.Write(new AccessUnit(0, pts, keyframe, _owner._pool.Rent(accessUnit), _owner._time.GetTimestamp()));
        }

        /// <summary>The source audio track that is re-encoded (-1: none).</summary>
        public int EncodedSource => _encodedSource;

        /// <summary>One packet from the audio encoder (pts in its sample rate).</summary>
        public void WriteEncodedAudio(ReadOnlySpan<byte> packet, long pts)
        {
            var source = Volatile.Read(ref _published);
            if (source is not null && _encodedSource >= 0)
            {
                source.Write(new AccessUnit(_audioIndex[_encodedSource], pts, true, _owner._pool.Rent(packet), _owner._time.GetTimestamp()));
            }
        }

        /// <summary>Takes the unit's reference.</summary>
        public void WriteAudio(in AccessUnit unit)
        {
            int index = unit.TrackIndex == _encodedSource ? -1 : _audioIndex[unit.TrackIndex];
            var source = Volatile.Read(ref _published);
            if (index < 0 || source is null)
            {
                unit.Release();
                return;
            }

            // A copy, not the source's buffer: each path attaches its own RTP packets to the buffers it carries.
            var copy = _owner._pool.Rent(unit.Payload);
            source.Write(unit with { TrackIndex = index, Buffer = copy });
            unit.Release();
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _published?.Dispose();
                _published = null;
                Volatile.Write(ref _owner._publishing, false);
            }
        }

        private PathSource? Publish(bool keyframe)
        {
            lock (_gate)
            {
                if (_published is null && keyframe && Describable(_video))
                {
                    if (_owner._output.TryPublish("transcode-" + _owner._profile.Name, "transcode", _tracks, allowOverride: true, out var source)
                        == PublishRefusal.None)
                    {
                        source!.KeyframeRequested = _owner.RequestKeyframe;
                        Volatile.Write(ref _published, source);
                        Volatile.Write(ref _owner._publishing, true);
                    }
                }

                return _published;
            }
        }
    }

    /// <summary>The track codec a profile's video codec setting produces.</summary>
    internal static CodecId OutputCodec(VideoCodecSetting codec) => codec switch
    {
        VideoCodecSetting.H265 => CodecId.H265,
        VideoCodecSetting.Vp9 => CodecId.Vp9,
        VideoCodecSetting.Av1 => CodecId.Av1,
        _ => CodecId.H264,
    };

    /// <summary>Whether the track can be described to readers yet (SDP): its parameter sets, sequence header or size are known.</summary>
    private static bool Describable(MediaTrack video) => video.Codec switch
    {
        CodecId.H264 or CodecId.H265 => video.Parameters.Sps is not null,
        CodecId.Av1 => video.Parameters.SequenceHeader is not null,
        _ => video.Parameters.Width > 0,
    };
}
