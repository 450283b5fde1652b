namespace EdgeBox.Media;

/// <summary>
/// Codec parameters of a track. For H.264: SPS and PPS; H.265: VPS, SPS and PPS; AAC: the
/// AudioSpecificConfig; Opus: nothing beyond channels; AV1: the sequence header OBU; VP8, VP9: the size (and
/// VP9's profile) of the last key frame. Immutable: a change (in-band parameter sets) replaces the whole record.
/// </summary>
internal sealed record CodecParameters
{
    public static readonly CodecParameters None = new();

    public byte[]? Vps { get; init; }

    public byte[]? Sps { get; init; }

    public byte[]? Pps { get; init; }

    public byte[]? AudioSpecificConfig { get; init; }

    /// <summary>AV1: the sequence header OBU, with its obu_size field (build the <c>av1C</c> record from it with <see cref="Codecs.Av1.ConfigRecord"/>).</summary>
    public byte[]? SequenceHeader { get; init; }

    /// <summary>VP9: the profile (0 to 3) from the last key frame or the SDP's <c>profile-id</c>; null when unknown and for other codecs.</summary>
    public int? Profile { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    public bool Equals(CodecParameters? other) =>
        other is not null && Same(Vps, other.Vps) && Same(Sps, other.Sps) && Same(Pps, other.Pps)
        && Same(AudioSpecificConfig, other.AudioSpecificConfig) && Same(SequenceHeader, other.SequenceHeader)
        && Profile == other.Profile && Width == other.Width && Height == other.Height;

    public override int GetHashCode() => HashCode.Combine(Sps?.Length, Pps?.Length, Width, Height);

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}

/// <summary>A track of a path: its codec, clock and current parameters.</summary>
internal sealed class MediaTrack(int index, CodecId codec, int clockRate, int channels, CodecParameters parameters)
{
    private CodecParameters _parameters = parameters;

    public int Index { get; } = index;

    public CodecId Codec { get; } = codec;

    /// <summary>Ticks per second of <see cref="AccessUnit.Pts"/>: 90000 for video, the sample rate for audio.</summary>
    public int ClockRate { get; } = clockRate;

    /// <summary>Audio channels (0 for video).</summary>
    public int Channels { get; } = channels;

    public CodecParameters Parameters => Volatile.Read(ref _parameters);

    public bool IsVideo => Codec.IsVideo();

    /// <summary>
    /// Ties the track's clock to wall-clock time: from the source's RTCP sender reports when it sends
    /// them, else from when the first unit arrived. Null before the first unit.
    /// </summary>
    public TrackClock? Clock
    {
        get => Volatile.Read(ref _clock);
        internal set => Volatile.Write(ref _clock, value);
    }

    private TrackClock? _clock;

    /// <summary>Wall-clock time of a timestamp of this track, when <see cref="Clock"/> is known.</summary>
    public DateTimeOffset? WallClockOf(long pts) =>
        Clock is { } clock ? clock.Utc + TimeSpan.FromSeconds((pts - clock.Pts) / (double)ClockRate) : null;

    /// <summary>Replaces the parameters (in-band SPS/PPS); returns true when they changed.</summary>
    public bool UpdateParameters(CodecParameters parameters)
    {
        var current = Parameters;
        if (current == parameters)
        {
            return false;
        }

        Volatile.Write(ref _parameters, parameters);
        return true;
    }
}

/// <summary>A timestamp of a track (<see cref="AccessUnit.Pts"/>) and the wall-clock time it stands for.</summary>
/// <param name="FromSender">True when the sender said so (RTCP SR); false when it is EdgeBox's arrival time.</param>
internal sealed record TrackClock(long Pts, DateTimeOffset Utc, bool FromSender);
