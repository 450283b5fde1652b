using EdgeBox.Media;

namespace EdgeBox.Formats.Mp4;

/// <summary>A track as the init segment declares it: the media track, its track_ID and where in the file it starts.</summary>
/// <param name="StartOffset">The file time of the track's first sample; a track that starts after the others gets an edit list that says so.</param>
/// <param name="CompositionShift">
/// How much later (track ticks) the samples' composition times are than their presentation: B-frame video's
/// composition offsets are kept positive by adding its reorder delay to every one, and the edit list takes it
/// back off. 0 for everything else.
/// </param>
internal readonly record struct Mp4InitTrack(MediaTrack Track, uint Id, TimeSpan StartOffset, long CompositionShift = 0);

/// <summary>
/// Writes the init segment of a fragmented MP4 file (ISO/IEC 14496-12 §8.8): <c>ftyp</c>, then a <c>moov</c> whose
/// sample tables are empty (every sample is in a movie fragment) and whose <c>mvex</c> announces the fragments:
/// <code>
/// ftyp  moov ─┬─ mvhd
///             ├─ trak ─┬─ tkhd
///             │        ├─ [edts ─ elst]                      only for a track that starts after zero
///             │        └─ mdia ─┬─ mdhd (timescale = the track's clock rate)
///             │                 ├─ hdlr (vide / soun)
///             │                 └─ minf ─┬─ vmhd / smhd
///             │                          ├─ dinf ─ dref ─ url
///             │                          └─ stbl ─ stsd (sample entry), stts, stsc, stsz, stco (all empty)
///             └─ mvex ─ trex (one per track)
/// </code>
/// Brands: major <c>iso6</c> (movie fragments with tfdt, signed composition offsets in trun version 1), compatible
/// <c>iso6</c>, <c>mp41</c> and <c>dash</c> (DASH/CMAF-style fragmented files), plus <c>av01</c> when a track is AV1.
/// Times in <c>mvhd</c>/<c>tkhd</c>/<c>mdhd</c> are 0: the creation time lives in the recording index, and the
/// duration of a fragmented file is the sum of its fragments.
/// </summary>
internal static class Mp4InitSegment
{
    /// <summary>The movie timescale (mvhd, and the segment durations of edit lists): milliseconds, as FFmpeg writes.</summary>
    public const int MovieTimescale = 1000;

    public static void Write(Mp4BoxWriter w, ReadOnlySpan<Mp4InitTrack> tracks)
    {
        if (tracks.IsEmpty)
        {
            throw new ArgumentException("an MP4 file needs at least one track", nameof(tracks));
        }

        WriteFileType(w, tracks);
        int moov = w.Begin("moov"u8);
        WriteMovieHeader(w, NextTrackId(tracks));
        foreach (var track in tracks)
        {
            WriteTrack(w, track);
        }

        int mvex = w.Begin("mvex"u8);
        foreach (var track in tracks)
        {
            int trex = w.BeginFull("trex"u8, 0, 0);
            w.WriteUInt32(track.Id);
            w.WriteUInt32(1); // default_sample_description_index
            w.WriteUInt32(0); // default_sample_duration: every trun gives its own
            w.WriteUInt32(0); // default_sample_size
            w.WriteUInt32(0); // default_sample_flags: every tfhd gives its own
            w.End(trex);
        }

        w.End(mvex);
        w.End(moov);
    }

    private static void WriteFileType(Mp4BoxWriter w, ReadOnlySpan<Mp4InitTrack> tracks)
    {
        int ftyp = w.Begin("ftyp"u8);
        w.WriteBytes("iso6"u8); // major_brand
        w.WriteUInt32(0); // minor_version
        w.WriteBytes("iso6"u8);
        w.WriteBytes("mp41"u8);
        w.WriteBytes("dash"u8);
        foreach (var track in tracks)
        {
            if (track.Track.Codec == CodecId.Av1)
            {
                w.WriteBytes("av01"u8); // AV1 Codec ISO Media File Format Binding §2.1
                break;
            }
        }

        w.End(ftyp);
    }

    private static uint NextTrackId(ReadOnlySpan<Mp4InitTrack> tracks)
    {
        uint max = 0;
        foreach (var track in tracks)
        {
            max = Math.Max(max, track.Id);
        }

        return max + 1;
    }

    /// <summary>mvhd (§8.2.2), version 0.</summary>
    private static void WriteMovieHeader(Mp4BoxWriter w, uint nextTrackId)
    {
        int mvhd = w.BeginFull("mvhd"u8, 0, 0);
        w.WriteUInt32(0); // creation_time
        w.WriteUInt32(0); // modification_time
        w.WriteUInt32(MovieTimescale);
        w.WriteUInt32(0); // duration: fragments follow
        w.WriteUInt32(0x00010000); // rate 1.0
        w.WriteUInt16(0x0100); // volume 1.0
        w.WriteZeros(10); // reserved
        w.WriteUnityMatrix();
        w.WriteZeros(24); // pre_defined
        w.WriteUInt32(nextTrackId);
        w.End(mvhd);
    }

    private static void WriteTrack(Mp4BoxWriter w, Mp4InitTrack init)
    {
        var track = init.Track;
        bool video = track.IsVideo;
        int trak = w.Begin("trak"u8);

        // tkhd (§8.3.2): flags track_enabled | track_in_movie.
        int tkhd = w.BeginFull("tkhd"u8, 0, 3);
        w.WriteUInt32(0); // creation_time
        w.WriteUInt32(0); // modification_time
        w.WriteUInt32(init.Id);
        w.WriteUInt32(0); // reserved
        w.WriteUInt32(0); // duration
        w.WriteZeros(8); // reserved
        w.WriteUInt16(0); // layer
        w.WriteUInt16(video ? 0 : 1); // alternate_group: audio tracks are alternatives of each other
        w.WriteUInt16(video ? 0 : 0x0100); // volume
        w.WriteUInt16(0); // reserved
        w.WriteUnityMatrix();
        w.WriteUInt32(video ? (uint)Math.Clamp(track.Parameters.Width, 0, ushort.MaxValue) << 16 : 0); // width, 16.16
        w.WriteUInt32(video ? (uint)Math.Clamp(track.Parameters.Height, 0, ushort.MaxValue) << 16 : 0);
        w.End(tkhd);

        if (init.StartOffset > TimeSpan.Zero || init.CompositionShift > 0)
        {
            WriteEditList(w, init.StartOffset, track.ClockRate, init.CompositionShift);
        }

        int mdia = w.Begin("mdia"u8);
        int mdhd = w.BeginFull("mdhd"u8, 0, 0); // §8.4.2
        w.WriteUInt32(0); // creation_time
        w.WriteUInt32(0); // modification_time
        w.WriteUInt32((uint)track.ClockRate);
        w.WriteUInt32(0); // duration
        w.WriteUInt16(0x55C4); // language: "und", three 5-bit letters - 0x60
        w.WriteUInt16(0); // pre_defined
        w.End(mdhd);

        int hdlr = w.BeginFull("hdlr"u8, 0, 0); // §8.4.3
        w.WriteUInt32(0); // pre_defined
        w.WriteBytes(video ? "vide"u8 : "soun"u8);
        w.WriteZeros(12); // reserved
        w.WriteBytes(video ? "VideoHandler\0"u8 : "SoundHandler\0"u8);
        w.End(hdlr);

        int minf = w.Begin("minf"u8);
        if (video)
        {
            int vmhd = w.BeginFull("vmhd"u8, 0, 1); // §12.1.2: flags 1, as the spec requires
            w.WriteZeros(8); // graphicsmode copy, opcolor
            w.End(vmhd);
        }
        else
        {
            int smhd = w.BeginFull("smhd"u8, 0, 0); // §12.2.2
            w.WriteZeros(4); // balance, reserved
            w.End(smhd);
        }

        int dinf = w.Begin("dinf"u8);
        int dref = w.BeginFull("dref"u8, 0, 0); // §8.7.2
        w.WriteUInt32(1); // entry_count
        int url = w.BeginFull("url "u8, 0, 1); // flags 1: the media data is in this file
        w.End(url);
        w.End(dref);
        w.End(dinf);

        int stbl = w.Begin("stbl"u8);
        int stsd = w.BeginFull("stsd"u8, 0, 0);
        w.WriteUInt32(1); // entry_count
        Mp4SampleEntry.Write(w, track);
        w.End(stsd);
        w.WriteEmptyTable("stts"u8);
        w.WriteEmptyTable("stsc"u8);
        int stsz = w.BeginFull("stsz"u8, 0, 0);
        w.WriteUInt32(0); // sample_size: each sample has its own
        w.WriteUInt32(0); // sample_count
        w.End(stsz);
        w.WriteEmptyTable("stco"u8);
        w.End(stbl);
        w.End(minf);
        w.End(mdia);
        w.End(trak);
    }

    /// <summary>
    /// An edit list (§8.6.6) for a track whose first sample sits at <paramref name="offset"/>, or whose composition
    /// times run <paramref name="shift"/> ticks late: an empty edit of <paramref name="offset"/> (media_time -1) when
    /// it is not zero, then the media from media time offset + shift on (segment_duration 0, "to the end", as the
    /// length of a fragmented track is not known).
    /// <para>
    /// The track's decode times (tfdt) carry the same offset, so a player that ignores edit lists (MSE) and one that
    /// applies them agree on where the track starts: FFmpeg shifts the track by media_time less the empty edit,
    /// which is the composition shift alone. (FFmpeg's own fragmented output, without this edit, shows B-frame
    /// video a reorder delay late.)
    /// </para>
    /// </summary>
    internal static void WriteEditList(Mp4BoxWriter w, TimeSpan offset, int clockRate, long shift)
    {
        long empty = Mp4Time.ToTicks(offset, MovieTimescale);
        long mediaTime = Mp4Time.ToTicks(offset, clockRate) + shift;
        bool wide = empty > uint.MaxValue || mediaTime > int.MaxValue;
        int edts = w.Begin("edts"u8);
        int elst = w.BeginFull("elst"u8, wide ? 1 : 0, 0);
        w.WriteUInt32(empty > 0 ? 2u : 1u); // entry_count
        if (empty > 0)
        {
            WriteEdit(w, wide, empty, -1);
        }

        WriteEdit(w, wide, 0, mediaTime);
        w.End(elst);
        w.End(edts);
    }

    private static void WriteEdit(Mp4BoxWriter w, bool wide, long segmentDuration, long mediaTime)
    {
        if (wide)
        {
            w.WriteUInt64((ulong)segmentDuration);
            w.WriteUInt64((ulong)mediaTime);
        }
        else
        {
            w.WriteUInt32((uint)segmentDuration);
            w.WriteInt32((int)mediaTime);
        }

        w.WriteUInt16(1); // media_rate_integer
        w.WriteUInt16(0); // media_rate_fraction
    }
}

/// <summary>Conversions between file time and track clock ticks.</summary>
internal static class Mp4Time
{
    /// <summary><paramref name="time"/> in ticks of a <paramref name="clockRate"/> Hz clock, rounded to the nearest.</summary>
    public static long ToTicks(TimeSpan time, int clockRate)
    {
        Int128 scaled = (Int128)time.Ticks * clockRate;
        Int128 half = TimeSpan.TicksPerSecond / 2;
        return (long)((scaled + (scaled >= 0 ? half : -half)) / TimeSpan.TicksPerSecond);
    }

    public static TimeSpan ToTime(long ticks, int clockRate) =>
        TimeSpan.FromTicks((long)((Int128)ticks * TimeSpan.TicksPerSecond / clockRate));
}
