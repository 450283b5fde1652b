using EdgeBox.Configuration;
using EdgeBox.Media;

namespace EdgeBox.Codecs;

/// <summary>The derived path's audio: copied from the source, or converted once per path (<see cref="AudioConverterHub"/>).</summary>
internal sealed partial class Transcoder
{
    /// <summary>
    /// The path's shared conversion when the profile asks for Opus or AAC and the source's first audio
    /// track is something else (AAC from a camera for WebRTC, G.711 for HLS); null when the audio can be copied.
    /// </summary>
    private AudioConversion? ConvertAudio(IReadOnlyList<MediaTrack> sourceTracks)
    {
        var wanted = _profile.Audio.Codec switch
        {
            AudioCodecSetting.Opus => CodecId.Opus,
            AudioCodecSetting.Aac => CodecId.Aac,
            _ => (CodecId?)null,
        };
        if (wanted is null || sourceTracks.FirstOrDefault(t => !t.IsVideo) is not { } audio || audio.Codec == wanted)
        {
            return null;
        }

        return _audio.For(_source, audio, wanted.Value, _profile.Audio.Bitrate);
    }

    /// <summary>Copies the source's audio tracks to the derived path; the converted one comes from the shared conversion.</summary>
    private async Task AudioAsync(OutputState output, IReadOnlyList<MediaTrack> sourceTracks, AudioConversion? conversion, CancellationToken token)
    {
        if (_profile.Audio.Codec == AudioCodecSetting.None || !sourceTracks.Any(t => !t.IsVideo))
        {
            return;
        }

        using var converted = conversion?.Subscribe(output.WriteEncodedAudio);
        try
        {
            if (!sourceTracks.Any(t => !t.IsVideo && t.Index != output.EncodedSource))
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, token).ConfigureAwait(false); // nothing to copy: just keep the subscription
                return;
            }

            using var reader = _source.TryAddReader("transcode audio", 0);
            if (reader is null)
            {
                return;
            }

            while (await reader.Units.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.Units.TryRead(out var unit))
                {
                    if (sourceTracks[unit.TrackIndex].IsVideo || unit.TrackIndex == output.EncodedSource)
                    {
                        unit.Release();
                    }
                    else
                    {
                        output.WriteAudio(unit); // takes the reference
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped with the run.
        }
    }
}
