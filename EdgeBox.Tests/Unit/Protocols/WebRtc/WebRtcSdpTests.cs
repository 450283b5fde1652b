using System.Net;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtsp;
using EdgeBox.Protocols.WebRtc;
using EdgeBox.Protocols.WebRtc.Sdp;
using EdgeBox.Tests.Interop;

namespace EdgeBox.Tests.Unit.Protocols.WebRtc;

public sealed class WebRtcSdpTests
{
    // SPS of a 640x360 High profile (profile_idc 100) stream and a Constrained Baseline one (66, constraint 0xE0).
    private static readonly byte[] HighSps = [0x67, 0x64, 0x00, 0x1E, 0xAC, 0xD9, 0x40, 0xA0, 0x2F, 0xF9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01];
    private static readonly byte[] BaselineSps = [0x67, 0x42, 0xE0, 0x1E, 0xAC, 0xD9, 0x40, 0xA0];

    private static WebRtcOffer Parse(string sdp)
    {
        Assert.True(WebRtcOffer.TryParse(sdp, out var offer, out string error), error);
        return offer;
    }

    [Fact]
    public void A_chromium_offer_gives_credentials_fingerprint_role_and_codecs()
    {
        var offer = Parse(WebRtcChromiumTests.ChromiumLikeOffer);
        Assert.Equal("AbCd", offer.IceUfrag);
        Assert.Equal("abcdefghijklmnopqrstuvwx", offer.IcePassword);
        Assert.StartsWith("sha-256 6B:8B", offer.Fingerprint);
        Assert.Equal("actpass", offer.Setup);
        Assert.Equal(["0", "1"], offer.BundleMids);
        var video = offer.Media[0];
        Assert.True(video.IsVideo);
        Assert.Equal(SdpDirection.RecvOnly, video.Direction);
        Assert.True(video.RtcpReducedSize);
        var h264 = video.Codecs.Single(c => c.Codec == CodecId.H264);
        Assert.Equal(102, h264.PayloadType);
        Assert.Equal(1, h264.PacketizationMode);
        Assert.Equal(0x42E0, h264.H264Profile);
        Assert.True(h264.HasFeedback("nack pli"));
        Assert.Equal(103, video.RtxFor(102));
        Assert.Null(video.Codecs.Single(c => c.PayloadType == 97).Codec); // rtx is not media
        Assert.Equal(CodecId.Opus, offer.Media[1].Codecs[0].Codec);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("v=0\r\n")]
    public void Not_sdp_or_no_media_is_refused_with_a_reason(string text)
    {
        Assert.False(WebRtcOffer.TryParse(text, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("a=ice-ufrag:AbCd\r\n", "ice-ufrag")]
    [InlineData("a=fingerprint:sha-256", "fingerprint")]
    [InlineData("a=rtcp-mux\r\n", "rtcp-mux")]
    [InlineData("a=group:BUNDLE 0 1\r\n", "BUNDLE")]
    public void An_offer_missing_what_webrtc_needs_is_refused_naming_it(string removed, string named)
    {
        string sdp = string.Join("\r\n", WebRtcChromiumTests.ChromiumLikeOffer.Split("\r\n")
            .Where(line => !(line + "\r\n").StartsWith(removed, StringComparison.Ordinal) && !line.StartsWith(removed, StringComparison.Ordinal)));
        Assert.False(WebRtcOffer.TryParse(sdp, out _, out string error));
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_prefix_of_an_offer_parses_or_is_refused_without_throwing()
    {
        string sdp = WebRtcChromiumTests.ChromiumLikeOffer;
        for (int i = 0; i <= sdp.Length; i++)
        {
            if (WebRtcOffer.TryParse(sdp[..i], out var offer, out _))
            {
                _ = WebRtcNegotiation.ForPlayback(offer, [new MediaTrack(0, CodecId.H264, 90000, 0, CodecParameters.None)], out _);
                _ = WebRtcNegotiation.ForPublish(offer, out _);
            }
        }
    }

    [Fact]
    public void Whep_serves_h264_with_the_matching_profile_and_aac_as_opus()
    {
        string sdp = WebRtcChromiumTests.ChromiumLikeOffer.Replace(
            "a=rtpmap:103 rtx/90000", "a=rtpmap:104 H264/90000\r\na=fmtp:104 packetization-mode=1;profile-level-id=64001f\r\na=rtpmap:103 rtx/90000", StringComparison.Ordinal)
            .Replace("96 97 102 103", "96 97 102 103 104", StringComparison.Ordinal);
        var offer = Parse(sdp);
        var tracks = new[]
        {
            new MediaTrack(0, CodecId.H264, 90000, 0, new CodecParameters { Sps = HighSps, Pps = [0x68, 0xEB] }),
            new MediaTrack(1, CodecId.Aac, 48000, 2, new CodecParameters { AudioSpecificConfig = [0x11, 0x90] }),
        };
        var answers = WebRtcNegotiation.ForPlayback(offer, tracks, out string error);
        Assert.NotNull(answers);
        Assert.Equal(104, answers[0].Codec!.PayloadType); // High, as the stream
        Assert.Equal(SdpDirection.SendOnly, answers[0].Direction);
        Assert.Null(answers[0].Conversion);
        Assert.Equal(111, answers[1].Codec!.PayloadType);
        Assert.Equal(CodecId.Opus, answers[1].Conversion);
        Assert.Equal(1, answers[1].TrackIndex);

        var baseline = WebRtcNegotiation.ForPlayback(offer, [new MediaTrack(0, CodecId.H264, 90000, 0, new CodecParameters { Sps = BaselineSps })], out _);
        Assert.Equal(102, baseline![0].Codec!.PayloadType);
        Assert.True(baseline[1].Rejected); // no audio track: the audio section is refused
    }

    [Fact]
    public void Whep_of_a_codec_the_browser_did_not_offer_is_refused_naming_it()
    {
        var offer = Parse(WebRtcChromiumTests.ChromiumLikeOffer);
        Assert.Null(WebRtcNegotiation.ForPlayback(offer, [new MediaTrack(0, CodecId.Mjpeg, 90000, 0, CodecParameters.None)], out string error));
        Assert.Contains("mjpeg", error, StringComparison.Ordinal);
        Assert.Contains("transcode", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Whip_takes_the_publishers_first_codec_edgebox_carries()
    {
        string sdp = WebRtcChromiumTests.ChromiumLikeOffer.Replace("a=recvonly", "a=sendonly", StringComparison.Ordinal);
        var answers = WebRtcNegotiation.ForPublish(Parse(sdp), out _);
        Assert.NotNull(answers);
        Assert.Equal("VP8", answers[0].Codec!.Encoding); // first in the offer
        Assert.Equal(SdpDirection.RecvOnly, answers[0].Direction);
        Assert.Equal("opus", answers[1].Codec!.Encoding);

        Assert.Null(WebRtcNegotiation.ForPublish(Parse(WebRtcChromiumTests.ChromiumLikeOffer), out string error)); // recvonly: nothing to publish
        Assert.NotEmpty(error);
    }

    [Fact]
    public void The_answer_is_ice_lite_bundled_with_candidates_and_leaves_unused_sections_inactive()
    {
        var offer = Parse(WebRtcChromiumTests.ChromiumLikeOffer);
        var answers = WebRtcNegotiation.ForPlayback(offer, [new MediaTrack(0, CodecId.H264, 90000, 0, new CodecParameters { Sps = BaselineSps })], out _)!;
        var candidates = IceCandidate.Hosts([IPAddress.Loopback, IPAddress.Parse("192.0.2.7")], 8189);
        string answer = WebRtcAnswer.Write(offer, answers, "UfRg", "p4ssw0rdp4ssw0rdp4ssw0rd", "sha-256 AA:BB", "passive", candidates, 1, "edgebox");

        Assert.True(SessionDescription.TryParse(answer, out var sdp, out _));
        Assert.Contains(sdp.Attributes, a => a.Name == "ice-lite");
        Assert.Equal("BUNDLE 0 1", sdp.GetAttribute("group"));
        var video = sdp.Media[0];
        Assert.Equal(8189, video.Port);
        Assert.Equal(["102"], video.Formats);
        Assert.Equal("passive", video.GetAttribute("setup"));
        Assert.Equal("packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1".Split(';').Order(),
            video.GetAttribute("fmtp")!["102 ".Length..].Split(';').Order());
        Assert.Contains("nack pli", video.GetAttributes("rtcp-fb").Select(f => f["102 ".Length..]));
        Assert.Equal(2, video.GetAttributes("candidate").Count());
        Assert.Contains(video.GetAttributes("candidate"), c => c.Contains(" 127.0.0.1 8189 typ host", StringComparison.Ordinal));
        Assert.Equal(SdpDirection.Inactive, sdp.Media[1].Direction); // no audio track: inactive, still bundled
    }

    [Theory]
    [InlineData("cam1/whep", "cam1", false, null)]
    [InlineData("live/cam1/whip", "live/cam1", true, null)]
    [InlineData("live/cam1/whip/0a1b", "live/cam1", true, "0a1b")]
    [InlineData("cam1/whep/ab", "cam1", false, "ab")]
    public void Routes_take_paths_with_slashes_and_a_session_suffix(string rest, string path, bool whip, string? session)
    {
        Assert.True(EdgeBox.Web.WebRtcEndpoints.TryRoute(rest, out string name, out var kind, out string? id));
        Assert.Equal(path, name);
        Assert.Equal(whip ? WebRtcSessionKind.Whip : WebRtcSessionKind.Whep, kind);
        Assert.Equal(session, id);
    }

    [Theory]
    [InlineData("whep")]
    [InlineData("cam1")]
    [InlineData("cam1/index.m3u8")]
    [InlineData("api/v1/whep")]
    public void Other_urls_are_not_webrtc_routes(string rest) =>
        Assert.False(EdgeBox.Web.WebRtcEndpoints.TryRoute(rest, out _, out _, out _));
}
