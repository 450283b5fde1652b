using EdgeBox.Formats.Mp4;
using EdgeBox.Media;
using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Formats.Mp4;

/// <summary>
/// Files written from real encoded media, checked by the real tools: ffprobe must read every stream with the
/// right codec, sample count and duration, and ffmpeg must decode the whole file, both printing no error.
/// </summary>
public sealed class FragmentedMp4FfmpegTests : IDisposable
{
    private readonly MediaBufferPool _pool = new();
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        _directory.Dispose();
        Assert.Equal(0, _pool.Outstanding);
    }

    [Fact]
    public async Task H264_and_aac_play_with_every_frame_and_their_durations()
    {
        var video = await Mp4TestMedia.H264Async(0, 3);
        var audio = await Mp4TestMedia.AacAsync(1, 3);
        string path = _directory.File("h264-aac.mp4");
        await WriteAsync(path, [video, audio]);

        var probe = await Mp4Probe.ProbeAsync(path);
        AssertClean(probe);
        AssertStream(probe.Streams[0], "h264", video, 1.0 / 25);
        AssertStream(probe.Streams[1], "aac", audio, 1024.0 / 44100);
    }

    private async Task<List<Mp4FragmentInfo>> WriteAsync(string path, IReadOnlyList<TestStream> streams, IReadOnlyList<TimeSpan>? startOffsets = null)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        return Mp4Probe.Record(file, streams, _pool, startOffsets);
    }

    private static void AssertClean(ProbeResult probe)
    {
        Assert.Equal("", probe.ProbeErrors);
        Assert.Equal("", probe.DecodeErrors);
    }

    /// <summary>The stream has every unit, and lasts what they cover (±1 frame).</summary>
    private static void AssertStream(ProbedStream probed, string codec, TestStream stream, double frame)
    {
        Assert.Equal(codec, probed.CodecName);
        Assert.Equal(stream.Units.Count, probed.Frames);
        double expected = stream.Units.Count * frame;
        Assert.True(Math.Abs(probed.Duration - expected) <= frame + 1e-6, $"{codec}: {probed.Duration} s, expected {expected} s");
    }
}
