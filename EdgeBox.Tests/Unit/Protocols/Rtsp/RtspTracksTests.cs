using System.Text;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtp;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

/// <summary>SDP tracks to media tracks (ANNOUNCE, a pulled camera's DESCRIBE) and back (our DESCRIBE answer) for VP8, VP9 and AV1.</summary>
public sealed class RtspTracksTests
{
    // The SDP FFmpeg 5.1's RTP muxer printed for TestData/Rtp's vp8/vp9 captures; its RTSP ANNOUNCE carries the same m=/rtpmap lines.
    private const string FfmpegVp8 = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "a=tool:libavformat LIBAVFORMAT_VERSION\r\nm=video 54746 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";

    private const string FfmpegVp9 = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "a=tool:libavformat LIBAVFORMAT_VERSION\r\nm=video 36216 RTP/AVP 96\r\na=rtpmap:96 VP9/90000\r\n";

    // The AV1 RTP specification's §7.2 form (FFmpeg 5.1 has no AV1 RTP muxer).
    private const string Av1Announce = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
        + "m=video 0 RTP/AVP 98\r\na=rtpmap:98 AV1/90000\r\na=fmtp:98 profile=1;level-idx=8;tier=1\r\na=control:streamid=0\r\n";

    private static readonly byte[] SequenceHeader1080p = Convert.FromHexString("0a0b00000042abbfc373efe401"); // SVT-AV1, level 4.0

    private static SdpTrack OnlyTrack(string sdp)
    {
        Assert.True(SessionDescription.TryParse(Encoding.ASCII.GetBytes(sdp), out var description, out _));
        return Assert.Single(description.GetTracks());
    }

    [Theory]
    [InlineData(FfmpegVp8, "Vp8", 96)]
    [InlineData(FfmpegVp9, "Vp9", 96)]
    [InlineData(Av1Announce, "Av1", 98)]
    public void Announced_tracks_become_media_tracks_with_a_depacketizer(string sdp, string codecName, int payloadType)
    {
        var codec = Enum.Parse<CodecId>(codecName);
        var track = OnlyTrack(sdp);
        Assert.Equal((codec, payloadType, 90000), (track.Codec, track.PayloadType, track.ClockRate));
        var media = RtspTracks.ToMediaTrack(0, track);
        Assert.NotNull(media);
        Assert.Equal((codec, 90000, 0, true), (media.Codec, media.ClockRate, media.Channels, media.IsVideo));
        using var depacketizer = RtpDepacketizers.Create(media.Codec);
        Assert.NotNull(depacketizer);
    }

    [Fact]
    public void Fmtp_parameters_are_read()
    {
        var av1 = OnlyTrack(Av1Announce).Av1!;
        Assert.Equal((1, 8, 1), (av1.Profile, av1.LevelIdx, av1.Tier));
        Assert.Equal((null, null, null), Av1Parameters.FromFmtp(FmtpParameters.Parse("profile=3;level-idx=32;tier=2")) is var bad ? (bad.Profile, bad.LevelIdx, bad.Tier) : default);
        var vp9 = OnlyTrack(FfmpegVp9.Replace("VP9/90000\r\n", "VP9/90000\r\na=fmtp:96 profile-id=2\r\n", StringComparison.Ordinal));
        Assert.Equal(2, vp9.Vp9!.ProfileId);
        Assert.Equal(2, RtspTracks.ToMediaTrack(0, vp9)!.Parameters.Profile);
        Assert.Null(Vp9Parameters.FromFmtp(FmtpParameters.Parse("profile-id=4")).ProfileId);
    }

    [Fact]
    public void Our_description_has_each_codec_with_what_we_know_of_it()
    {
        var tracks = new[]
        {
            new MediaTrack(0, CodecId.Vp8, 90000, 0, new CodecParameters { Width = 128, Height = 96 }),
            new MediaTrack(1, CodecId.Vp9, 90000, 0, new CodecParameters { Profile = 2 }),
            new MediaTrack(2, CodecId.Av1, 90000, 0, ParameterSets.WithDimensions(CodecId.Av1, new CodecParameters { SequenceHeader = SequenceHeader1080p })),
            new MediaTrack(3, CodecId.Vp9, 90000, 0, CodecParameters.None),
            new MediaTrack(4, CodecId.Av1, 90000, 0, CodecParameters.None),
        };
        var sdp = SdpBuilder.Build("cam", 1, tracks.Select(RtspTracks.ToSdpTrack).ToList());
        const string expected = "v=0\r\n"
            + "o=- 1 1 IN IP4 127.0.0.1\r\n"
            + "s=cam\r\n"
            + "c=IN IP4 0.0.0.0\r\n"
            + "t=0 0\r\n"
            + "a=control:*\r\n"
            + "m=video 0 RTP/AVP 96\r\n"
            + "a=rtpmap:96 VP8/90000\r\n"
            + "a=control:trackID=0\r\n"
            + "m=video 0 RTP/AVP 97\r\n"
            + "a=rtpmap:97 VP9/90000\r\n"
            + "a=fmtp:97 profile-id=2\r\n"
            + "a=control:trackID=1\r\n"
            + "m=video 0 RTP/AVP 98\r\n"
            + "a=rtpmap:98 AV1/90000\r\n"
            + "a=fmtp:98 profile=0; level-idx=8; tier=0\r\n"
            + "a=control:trackID=2\r\n"
            + "m=video 0 RTP/AVP 99\r\n"
            + "a=rtpmap:99 VP9/90000\r\n"
            + "a=control:trackID=3\r\n"
            + "m=video 0 RTP/AVP 100\r\n"
            + "a=rtpmap:100 AV1/90000\r\n"
            + "a=control:trackID=4\r\n";
        Assert.Equal(expected, sdp.ToString());

        // What a reader (or EdgeBox pulling from another EdgeBox) makes of it.
        Assert.True(SessionDescription.TryParse(sdp.ToUtf8Bytes(), out var parsed, out _));
        var back = parsed.GetTracks().Select((t, i) => RtspTracks.ToMediaTrack(i, t)!).ToList();
        Assert.Equal(tracks.Select(t => t.Codec), back.Select(t => t.Codec));
        Assert.Equal(2, back[1].Parameters.Profile);
        Assert.Equal((8, 0), (parsed.GetTracks()[2].Av1!.LevelIdx, parsed.GetTracks()[2].Av1!.Tier));
    }

    [Fact]
    public void Every_new_codec_has_a_packetizer_on_a_dynamic_payload_type()
    {
        foreach (var codec in new[] { CodecId.Vp8, CodecId.Vp9, CodecId.Av1 })
        {
            var track = new MediaTrack(1, codec, 90000, 0, CodecParameters.None);
            Assert.Equal(97, RtspTracks.PayloadType(track));
            using var packetizer = RtpPacketizers.Create(codec, RtspTracks.PayloadType(track), 1, 0);
            Assert.NotNull(packetizer);
        }

        Assert.Equal(["vp8", "vp9", "av1"], new[] { CodecId.Vp8, CodecId.Vp9, CodecId.Av1 }.Select(c => c.Name()));
    }
}
