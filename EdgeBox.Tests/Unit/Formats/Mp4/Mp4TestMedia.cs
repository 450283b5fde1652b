using System.Buffers.Binary;
using System.Collections.Concurrent;
using EdgeBox.Media;
using EdgeBox.Media.Codecs;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Tests.Unit.Protocols.Rtp;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

/// <summary>An encoded elementary stream as the media core carries it: the track and its units (payload, PTS, keyframe).</summary>
internal sealed record TestStream(MediaTrack Track, List<(byte[] Payload, long Pts, bool Keyframe)> Units)
{
    public double Seconds(long pts) => (double)pts / Track.ClockRate;
}

/// <summary>
/// Real encoded media for the MP4 tests, made by the installed ffmpeg (testsrc2 / sine) into raw streams that
/// small readers here turn into canonical access units, with their PTSs: Annex-B with access unit delimiters
/// (H.264, H.265), ADTS (AAC), Ogg (Opus: the pages' packets, durations from the TOC), raw G.711, IVF (VP9) and
/// low overhead OBUs (AV1). Each stream is made once per test run and shared.
/// </summary>
internal static class Mp4TestMedia
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private static readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> Cache = new();
    /// <summary>Where ffmpeg writes; each output is read back and deleted at once.</summary>
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), "edgebox-fmp4-media-" + Environment.ProcessId);

    private const int VideoClock = 90000;

    /// <summary>H.264 (libx264, no B-frames unless <paramref name="bframes"/>), a keyframe every <paramref name="gop"/> frames.</summary>
    public static async Task<TestStream> H264Async(int index, double seconds, int fps = 25, int gop = 25, int bframes = 0, string size = "160x120")
    {
        string args = $"-f lavfi -i testsrc2=size={size}:rate={fps} -t {seconds} -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g {gop} -keyint_min {gop} -sc_threshold 0 -bf {bframes}";
        return await AnnexBAsync(index, CodecId.H264, args, "h264", "h264_metadata=aud=insert", fps, bframes > 0);
    }

    public static async Task<TestStream> H265Async(int index, double seconds, int fps = 25, int gop = 25, string size = "160x120")
    {
        string args = $"-f lavfi -i testsrc2=size={size}:rate={fps} -t {seconds} -c:v libx265 -preset ultrafast -pix_fmt yuv420p "
            + $"-x265-params log-level=error:keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0";
        return await AnnexBAsync(index, CodecId.H265, args, "hevc", "hevc_metadata=aud=insert", fps, false);
    }

    public static async Task<TestStream> AacAsync(int index, double seconds, int sampleRate = 44100, int channels = 2)
    {
        var data = await EncodeAsync($"-f lavfi -i sine=frequency=440:sample_rate={sampleRate} -t {seconds} -ac {channels} -c:a aac -b:a 64k", "adts");
        var units = new List<(byte[], long, bool)>();
        AacConfig config = default;
        var frames = Adts.EnumerateFrames(data);
        while (frames.MoveNext())
        {
            config = frames.Header.ToConfig();
            units.Add((frames.Payload.ToArray(), 1024L * units.Count, true));
        }

        Assert.False(frames.Invalid);

        var track = new MediaTrack(index, CodecId.Aac, sampleRate, channels, new CodecParameters { AudioSpecificConfig = config.ToBytes() });
        return new TestStream(track, units);
    }

    /// <summary>Opus (libopus, 20 ms packets) from an Ogg file: the packets after OpusHead and OpusTags, PTS at 48 kHz.</summary>
    public static async Task<TestStream> OpusAsync(int index, double seconds, int channels = 2)
    {
        var data = await EncodeAsync($"-f lavfi -i sine=frequency=440:sample_rate=48000 -t {seconds} -ac {channels} -c:a libopus -b:a 48k", "ogg");
        var packets = OggPackets(data);
        Assert.StartsWith("OpusHead", System.Text.Encoding.ASCII.GetString(packets[0], 0, 8), StringComparison.Ordinal);
        var units = new List<(byte[], long, bool)>();
        long pts = 0;
        foreach (var packet in packets.Skip(2))
        {
            Assert.True(Opus.TryGetDuration(packet, out int duration));
            units.Add((packet, pts, true));
            pts += duration;
        }

        return new TestStream(new MediaTrack(index, CodecId.Opus, 48000, channels, CodecParameters.None), units);
    }

    /// <summary>G.711 at 8 kHz mono, cut into 20 ms units of 160 samples as RTP carries it.</summary>
    public static async Task<TestStream> G711Async(int index, double seconds, bool alaw = false)
    {
        string codec = alaw ? "pcm_alaw" : "pcm_mulaw";
        var data = await EncodeAsync($"-f lavfi -i sine=frequency=440:sample_rate=8000 -t {seconds} -ac 1 -c:a {codec}", alaw ? "alaw" : "mulaw");
        var units = new List<(byte[], long, bool)>();
        for (int offset = 0; offset < data.Length; offset += 160)
        {
            units.Add((data.AsSpan(offset, Math.Min(160, data.Length - offset)).ToArray(), offset, true));
        }

        return new TestStream(new MediaTrack(index, alaw ? CodecId.Pcma : CodecId.Pcmu, 8000, 1, CodecParameters.None), units);
    }

    /// <summary>VP9 (libvpx real time) from IVF, PTS from the IVF frame headers.</summary>
    public static async Task<TestStream> Vp9Async(int index, double seconds, int fps = 25, int gop = 25)
    {
        var data = await EncodeAsync(
            $"-f lavfi -i testsrc2=size=160x120:rate={fps} -t {seconds} -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k -g {gop} -keyint_min {gop}", "ivf");
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(16));
        uint scale = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(20));
        var units = new List<(byte[], long, bool)>();
        for (int offset = 32; offset + 12 <= data.Length;)
        {
            int size = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(offset));
            long pts = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(offset + 4));
            var frame = data.AsSpan(offset + 12, size).ToArray();
            units.Add((frame, pts * VideoClock * scale / rate, Vp9.IsKeyframe(frame)));
            offset += 12 + size;
        }

        return Video(index, CodecId.Vp9, units);
    }

    /// <summary>VP8 (libvpx real time) from IVF.</summary>
    public static async Task<TestStream> Vp8Async(int index, double seconds, int fps = 25, int gop = 25)
    {
        var data = await EncodeAsync(
            $"-f lavfi -i testsrc2=size=160x120:rate={fps} -t {seconds} -c:v libvpx -deadline realtime -cpu-used 8 -b:v 200k -g {gop} -keyint_min {gop}", "ivf");
        var units = new List<(byte[], long, bool)>();
        for (int offset = 32; offset + 12 <= data.Length;)
        {
            int size = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(offset));
            var frame = data.AsSpan(offset + 12, size).ToArray();
            units.Add((frame, (long)units.Count * VideoClock / fps, Vp8.IsKeyframe(frame)));
            offset += 12 + size;
        }

        return Video(index, CodecId.Vp8, units);
    }

    /// <summary>MJPEG: ffmpeg's JPEG images one after the other (image2pipe), split at each end of image marker.</summary>
    public static async Task<TestStream> MjpegAsync(int index, double seconds, int fps = 10)
    {
        var data = await EncodeAsync($"-f lavfi -i testsrc2=size=160x120:rate={fps} -t {seconds} -c:v mjpeg -pix_fmt yuvj420p -q:v 5", "image2pipe");
        var units = new List<(byte[], long, bool)>();
        for (int start = 0; start < data.Length;)
        {
            int end = data.AsSpan(start).IndexOf([(byte)0xFF, (byte)0xD9]) + start + 2;
            units.Add((data[start..end], (long)units.Count * VideoClock / fps, true));
            start = end;
        }

        return Video(index, CodecId.Mjpeg, units);
    }

    /// <summary>AV1 (libaom real time) from a low overhead OBU stream, one temporal unit per frame.</summary>
    public static async Task<TestStream> Av1Async(int index, double seconds, int fps = 25, int gop = 25)
    {
        var data = await EncodeAsync(
            $"-f lavfi -i testsrc2=size=160x120:rate={fps} -t {seconds} -c:v libaom-av1 -usage realtime -cpu-used 8 -b:v 200k -g {gop} -keyint_min {gop}", "obu");
        var units = new List<(byte[], long, bool)>();
        foreach (var unit in ObuTemporalUnits(data))
        {
            units.Add((unit, (long)units.Count * VideoClock / fps, Av1.IsKeyframe(unit)));
        }

        return Video(index, CodecId.Av1, units);
    }

    /// <summary>Payloads in pooled buffers, as a path hands them out (one reference each).</summary>
    public static List<AccessUnit> ToAccessUnits(TestStream stream, MediaBufferPool pool) =>
        stream.Units.ConvertAll(u => new AccessUnit(stream.Track.Index, u.Pts, u.Keyframe, pool.Rent(u.Payload), 0));

    /// <summary>Runs ffmpeg once per argument set; the output file's bytes.</summary>
    public static Task<byte[]> EncodeAsync(string arguments, string format) =>
        Cache.GetOrAdd(arguments + "|" + format, key => new Lazy<Task<byte[]>>(() => RunEncodeAsync(arguments, format))).Value;

    private static async Task<byte[]> RunEncodeAsync(string arguments, string format, string? bitstreamFilter = null)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string output = Path.Combine(Directory, Guid.NewGuid().ToString("N") + "." + format);
        var args = new List<string> { "-hide_banner", "-v", "error", "-y" };
        args.AddRange(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (bitstreamFilter is not null)
        {
            args.AddRange(["-bsf:v", bitstreamFilter]);
        }

        args.AddRange(["-f", format, output]);
        var (code, _, errors) = await ExternalProcess.RunAsync(Bound, "ffmpeg", [.. args]);
        Assert.True(code == 0, $"ffmpeg {string.Join(' ', args)}: {errors}");
        try
        {
            return await File.ReadAllBytesAsync(output);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>
    /// H.264/H.265 from Annex-B with access unit delimiters, split at them (the delimiters dropped). Without
    /// B-frames a unit's PTS is its index in frames; with them, the PTSs come from ffprobe's packets of the same
    /// encode in NUT, which keeps them, in decode order like the raw stream.
    /// </summary>
    private static async Task<TestStream> AnnexBAsync(int index, CodecId codec, string args, string format, string filter, int fps, bool reordered)
    {
        bool h265 = codec == CodecId.H265;
        byte[] data = await Cache.GetOrAdd(args + "|" + format, _ => new Lazy<Task<byte[]>>(() => RunEncodeAsync(args, format, filter))).Value;
        var units = new List<byte[]>();
        var current = new MemoryStream();
        foreach (var nal in RtpTestMedia.SplitAnnexB(data))
        {
            int type = h265 ? (nal[0] >> 1) & 0x3F : nal[0] & 0x1F;
            if (type == (h265 ? H265.NalAud : H264.NalAud))
            {
                if (current.Length > 0)
                {
                    units.Add(current.ToArray());
                    current.SetLength(0);
                }

                continue;
            }

            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, nal.Length);
            current.Write(prefix);
            current.Write(nal);
        }

        if (current.Length > 0)
        {
            units.Add(current.ToArray());
        }

        var pts = new List<long>();
        if (reordered)
        {
            string nut = Path.Combine(Directory, Guid.NewGuid().ToString("N") + ".nut");
            await File.WriteAllBytesAsync(nut, await RunEncodeAsync(args, "nut"));
            var (_, probe, _) = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-select_streams", "v:0",
                "-show_entries", "packet=pts", "-of", "csv=p=0", nut);
            var timeBase = await ExternalProcess.RunAsync(Bound, "ffprobe", "-v", "error", "-select_streams", "v:0",
                "-show_entries", "stream=time_base", "-of", "csv=p=0", nut);
            var parts = timeBase.StandardOutput.Trim().Split('/');
            long num = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            long den = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            foreach (string line in probe.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                pts.Add(long.Parse(line, System.Globalization.CultureInfo.InvariantCulture) * VideoClock * num / den);
            }

            File.Delete(nut);
            Assert.Equal(units.Count, pts.Count);
        }
        else
        {
            for (int i = 0; i < units.Count; i++)
            {
                pts.Add((long)i * VideoClock / fps);
            }
        }

        var list = new List<(byte[], long, bool)>();
        for (int i = 0; i < units.Count; i++)
        {
            list.Add((units[i], pts[i], h265 ? H265.IsKeyframe(units[i]) : H264.IsKeyframe(units[i])));
        }

        return Video(index, codec, list);
    }

    /// <summary>A video track whose parameters come from its first keyframe, as a path learns them in-band.</summary>
    private static TestStream Video(int index, CodecId codec, List<(byte[] Payload, long Pts, bool Keyframe)> units)
    {
        Assert.True(units[0].Keyframe);
        var parameters = ParameterSets.Update(codec, CodecParameters.None, units[0].Payload) ?? CodecParameters.None;
        return new TestStream(new MediaTrack(index, codec, VideoClock, 0, parameters), units);
    }

    /// <summary>The packets of a single-stream Ogg file (RFC 3533): page headers, lacing values, packets across pages.</summary>
    public static List<byte[]> OggPackets(byte[] data)
    {
        var packets = new List<byte[]>();
        var current = new MemoryStream();
        for (int offset = 0; offset + 27 <= data.Length;)
        {
            Assert.Equal("OggS"u8.ToArray(), data[offset..(offset + 4)]);
            int segments = data[offset + 26];
            int body = offset + 27 + segments;
            for (int i = 0; i < segments; i++)
            {
                int lacing = data[offset + 27 + i];
                current.Write(data, body, lacing);
                body += lacing;
                if (lacing < 255)
                {
                    packets.Add(current.ToArray());
                    current.SetLength(0);
                }
            }

            offset = body;
        }

        return packets;
    }

    /// <summary>Temporal units of a low overhead OBU stream, split at and without their temporal delimiters.</summary>
    private static List<byte[]> ObuTemporalUnits(byte[] data) => Media.Codecs.CodecTestData.ObuTemporalUnits(data);
}
