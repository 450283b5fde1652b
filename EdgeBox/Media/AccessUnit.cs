namespace EdgeBox.Media;

/// <summary>
/// One unit of media on a track: a picture for video, a frame for audio, in the codec's canonical
/// form (<see cref="CodecId"/>). <see cref="Pts"/> is in the track's clock (<see cref="MediaTrack.ClockRate"/>),
/// unwrapped (it does not wrap like RTP's 32-bit timestamps). <see cref="Arrival"/> is the
/// <see cref="TimeProvider"/> timestamp when EdgeBox received it, for latency and lag measurements.
/// The buffer is reference-counted: whoever holds an AccessUnit owns one reference and releases it.
/// </summary>
internal readonly record struct AccessUnit(int TrackIndex, long Pts, bool Keyframe, MediaBuffer Buffer, long Arrival)
{
    public ReadOnlySpan<byte> Payload => Buffer.Span;

    public AccessUnit AddRef()
    {
        Buffer.AddRef();
        return this;
    }

    public void Release() => Buffer.Release();
}
