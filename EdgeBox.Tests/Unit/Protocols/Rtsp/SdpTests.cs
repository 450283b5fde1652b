using System.Buffers;
using System.Text;
using EdgeBox.Media;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

public sealed class SdpTests
{
    /// <summary>A Hikvision-style DESCRIBE answer: absolute controls with a query, e=NONE, vendor attributes, PT 8 without rtpmap.</summary>
    internal const string HikvisionStyle =
        "v=0\r\n"
        + "o=- 1109162014219182 1109162014219192 IN IP4 192.0.2.64\r\n"
        + "s=Media Presentation\r\n"
        + "e=NONE\r\n"
        + "b=AS:5050\r\n"
        + "t=0 0\r\n"
        + "a=control:rtsp://192.0.2.64:554/Streaming/Channels/101/?transportmode=unicast\r\n"
        + "m=video 0 RTP/AVP 96\r\n"
        + "c=IN IP4 0.0.0.0\r\n"
        + "b=AS:5000\r\n"
        + "a=recvonly\r\n"
        + "a=x-dimensions:1920,1080\r\n"
        + "a=control:rtsp://192.0.2.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast\r\n"
        + "a=rtpmap:96 H264/90000\r\n"
        + "a=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z00AKZpkA8ARPyzUBAQFAAADA+gAAOpgBA==,aO48gA==\r\n"
        + "m=audio 0 RTP/AVP 8\r\n"
        + "c=IN IP4 0.0.0.0\r\n"
        + "b=AS:50\r\n"
        + "a=recvonly\r\n"
        + "a=control:rtsp://192.0.2.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast\r\n"
        + "a=Media_header:MEDIAINFO=494D4B48010200000400000111710110401F000000FA000000000000000000000000000000000000;\r\n"
        + "a=appversion:1.0\r\n";

    /// <summary>A Dahua-style answer: LF line ends, trailing spaces, sprop-vps last, an ONVIF metadata track, a blank line at the end.</summary>
    internal const string DahuaStyle =
        "v=0\n"
        + "o=- 2251938210 2251938210 IN IP4 0.0.0.0\n"
        + "s=Media Server\n"
        + "c=IN IP4 0.0.0.0\n"
        + "t=0 0\n"
        + "a=control:*\n"
        + "a=packetization-supported:DH\n"
        + "a=rtppayload-supported:DH\n"
        + "a=range:npt=now-\n"
        + "m=video 0 RTP/AVP 98\n"
        + "a=control:trackID=0 \n"
        + "a=framerate:25.000000\n"
        + "a=rtpmap:98 H265/90000\n"
        + "a=fmtp:98 profile-id=1;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZZWVKTC8BaAgAAAwACAAADABQQ;sprop-pps=RAHAc8GJ;sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8lZQJ\n"
        + "a=recvonly\n"
        + "m=audio 0 RTP/AVP 8\n"
        + "a=control:trackID=1\n"
        + "a=rtpmap:8 PCMA/8000\n"
        + "a=recvonly\n"
        + "m=application 0 RTP/AVP 107\n"
        + "a=control:trackID=4\n"
        + "a=rtpmap:107 vnd.onvif.metadata/90000\n"
        + "a=recvonly\n"
        + "\n";

    [Fact]
    public void Ffmpeg_h264_aac_announce_gives_two_tracks_with_their_parameters()
    {
        var (request, body) = Announce("ffmpeg-publish-h264-aac-tcp.bin");
        Assert.True(SessionDescription.TryParse(body, out var sdp, out var error), error.ToString());

        Assert.Equal("No Name", sdp.SessionName);
        Assert.Equal("127.0.0.1", sdp.Connection!.Address);
        Assert.Equal("libavformat LIBAVFORMAT_VERSION", sdp.GetAttribute("tool"));
        var tracks = sdp.GetTracks();
        Assert.Equal(2, tracks.Count);

        var video = tracks[0];
        Assert.Equal((96, "H264", 90000, 0, "streamid=0", "video"), (video.PayloadType, video.Encoding, video.ClockRate, video.Channels, video.Control, video.MediaType));
        Assert.Equal(CodecId.H264, video.Codec);
        var h264 = video.H264!;
        Assert.Equal(1, h264.PacketizationMode);
        Assert.Equal("42C00B", h264.ProfileLevelId);
        Assert.Equal("6742c00bda0507ec0440000003004000000503c50aa8", Convert.ToHexStringLower(h264.Sps!));
        Assert.Equal("68ce0fc8", Convert.ToHexStringLower(h264.Pps!));

        var audio = tracks[1];
        Assert.Equal((97, "MPEG4-GENERIC", 48000, 1, "streamid=1"), (audio.PayloadType, audio.Encoding, audio.ClockRate, audio.Channels, audio.Control));
        Assert.Equal(CodecId.Aac, audio.Codec);
        Assert.Equal(64, audio.BandwidthKbps);
        var aac = audio.Aac!;
        Assert.Equal("118856E500", Convert.ToHexString(aac.Config!));
        Assert.Equal(("AAC-hbr", 13, 3, 3), (aac.Mode, aac.SizeLength, aac.IndexLength, aac.IndexDeltaLength));
        Assert.Equal((2, 48000, 1), (aac.AudioObjectType, aac.SampleRate, aac.ChannelConfiguration));

        // The SETUP URLs ffmpeg then sent are the controls resolved against the ANNOUNCE URL.
        Assert.Equal("rtsp://127.0.0.1:18555/x/streamid=0", video.ResolveControl(request.Uri));
        Assert.Equal("rtsp://127.0.0.1:18555/x/streamid=1", audio.ResolveControl(request.Uri));
        Assert.Equal(Encoding.UTF8.GetString(body), sdp.ToString());
    }

    [Fact]
    public void Ffmpeg_h265_opus_announce()
    {
        var (_, body) = Announce("ffmpeg-publish-h265-opus-tcp.bin");
        Assert.True(SessionDescription.TryParse(body, out var sdp, out _));
        var tracks = sdp.GetTracks();
        Assert.Equal(CodecId.H265, tracks[0].Codec);
        var h265 = tracks[0].H265!;
        Assert.Equal("40010c01ffff01600000030090000003000003003c959409", Convert.ToHexStringLower(h265.Vps!));
        Assert.Equal("42010101600000030090000003000003003ca00a080f16595952930bc05a020000030002000003001410", Convert.ToHexStringLower(h265.Sps!));
        Assert.Equal("4401c073c189", Convert.ToHexStringLower(h265.Pps!));
        Assert.Equal((97, "opus", 48000, 2), (tracks[1].PayloadType, tracks[1].Encoding, tracks[1].ClockRate, tracks[1].Channels));
        Assert.Equal(CodecId.Opus, tracks[1].Codec);
        Assert.False(tracks[1].Opus!.SpropStereo);
        Assert.Equal(Encoding.UTF8.GetString(body), sdp.ToString());
    }

    [Theory]
    [InlineData("ffmpeg-publish-mjpeg-pcma.bin", new[] { 26, 8 })]
    [InlineData("ffmpeg-publish-pcmu.bin", new[] { 0 })]
    public void Static_payload_types_need_no_rtpmap(string capture, int[] payloadTypes)
    {
        var (_, body) = Announce(capture);
        Assert.True(SessionDescription.TryParse(body, out var sdp, out _));
        Assert.DoesNotContain("rtpmap", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        var tracks = sdp.GetTracks();
        Assert.Equal(payloadTypes, tracks.Select(t => t.PayloadType));
        foreach (var track in tracks)
        {
            var expected = track.PayloadType switch
            {
                0 => ("PCMU", 8000, 1, CodecId.Pcmu),
                8 => ("PCMA", 8000, 1, CodecId.Pcma),
                _ => ("JPEG", 90000, 0, CodecId.Mjpeg),
            };
            Assert.Equal(expected, (track.Encoding, track.ClockRate, track.Channels, track.Codec!.Value));
        }

        Assert.Equal(Encoding.UTF8.GetString(body), sdp.ToString());
    }

    [Fact]
    public void GStreamer_announce_keeps_its_extra_attributes()
    {
        var items = RtspParserTests.ReadAll(new ReadOnlySequence<byte>(RtspTestData.Read("gstreamer-publish-tcp.bin")), out _);
        var body = items.Single(i => i.Method == "ANNOUNCE").Request!.Body.ToArray();
        Assert.True(SessionDescription.TryParse(body, out var sdp, out _));
        Assert.Equal("rtspclientsink", sdp.GetLine('i'));
        var media = Assert.Single(sdp.Media);
        Assert.Equal("0.0.0.0", media.Connection!.Address);
        Assert.Equal(2097, media.BandwidthAs);
        Assert.Equal("10", media.GetAttribute("framerate"));
        Assert.Equal("sender", media.GetAttribute("mediaclk"));
        Assert.StartsWith("425733158 cname:", media.GetAttribute("ssrc"), StringComparison.Ordinal);
        var track = Assert.Single(sdp.GetTracks());
        Assert.Equal("stream=0", track.Control);
        Assert.Equal("42c015", track.H264!.ProfileLevelId);
        Assert.Equal("1", track.Fmtp["LEVEL-ASYMMETRY-ALLOWED"]);
        Assert.Equal("6742c015da0507ec05a830303528000003000800000300a478b175", Convert.ToHexStringLower(track.H264.Sps!));
        Assert.Equal("rtsp://127.0.0.1:18560/gst/stream=0", track.ResolveControl("rtsp://127.0.0.1:18560/gst"));
        Assert.Equal(Encoding.UTF8.GetString(body), sdp.ToString());
    }

    [Fact]
    public void Hikvision_style_description()
    {
        Assert.True(SessionDescription.TryParse(HikvisionStyle, out var sdp, out _));
        Assert.Equal("NONE", sdp.GetLine('e'));
        Assert.Equal("1109162014219182", sdp.Origin!.SessionId);
        Assert.Equal("rtsp://192.0.2.64:554/Streaming/Channels/101/?transportmode=unicast", sdp.Control);
        var tracks = sdp.GetTracks();
        Assert.Equal(2, tracks.Count);
        Assert.Equal(SdpDirection.RecvOnly, tracks[0].Direction);
        Assert.Equal(5000, tracks[0].BandwidthKbps);
        Assert.Equal("674d00299a6403c0113f2cd404040500000303e80000ea6004", Convert.ToHexStringLower(tracks[0].H264!.Sps!));
        Assert.Equal(8, tracks[1].PayloadType);
        Assert.Equal(CodecId.Pcma, tracks[1].Codec);
        const string baseUrl = "rtsp://192.0.2.64:554/Streaming/Channels/101";
        Assert.Equal("rtsp://192.0.2.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast", tracks[0].ResolveControl(baseUrl));
        Assert.Equal("rtsp://192.0.2.64:554/Streaming/Channels/101/?transportmode=unicast", SdpControl.Resolve(sdp.Control, baseUrl));
        Assert.StartsWith("MEDIAINFO=494D4B48", sdp.Media[1].GetAttribute("media_header"), StringComparison.Ordinal);
        Assert.Equal(HikvisionStyle, sdp.ToString());
    }

    [Fact]
    public void Dahua_style_description_with_lf_and_trailing_spaces()
    {
        Assert.True(SessionDescription.TryParse(DahuaStyle, out var sdp, out _));
        var tracks = sdp.GetTracks();
        Assert.Equal(3, tracks.Count);
        var h265 = tracks[0].H265!;
        Assert.Equal("4401c073c189", Convert.ToHexStringLower(h265.Pps!));
        Assert.Equal("40010c01ffff01600000030090000003000003003c959409", Convert.ToHexStringLower(h265.Vps!));
        Assert.Equal("trackID=0", tracks[0].Control);
        Assert.Equal("rtsp://192.0.2.65/cam/realmonitor?channel=1&subtype=0/trackID=0", tracks[0].ResolveControl("rtsp://192.0.2.65/cam/realmonitor?channel=1&subtype=0"));
        Assert.Equal(CodecId.Pcma, tracks[1].Codec);
        Assert.Null(tracks[2].Codec);
        Assert.Equal("vnd.onvif.metadata", tracks[2].Encoding);
        Assert.Equal("npt=now-", sdp.GetAttribute("range"));
        // Written back with CRLF, trailing spaces and the blank line gone.
        var normalized = string.Join("\r\n", DahuaStyle.TrimEnd('\n').Split('\n').Select(l => l.TrimEnd())) + "\r\n";
        Assert.Equal(normalized, sdp.ToString());
    }

    [Theory]
    [InlineData("trackID=0", "rtsp://h:554/live", "rtsp://h:554/live/trackID=0")]
    [InlineData("trackID=0", "rtsp://h:554/live/", "rtsp://h:554/live/trackID=0")]
    [InlineData("rtsp://h:554/live/trackID=0", "rtsp://other/base/", "rtsp://h:554/live/trackID=0")]
    [InlineData("rtsps://h:322/live/trackID=0", "rtsp://h/live", "rtsps://h:322/live/trackID=0")]
    [InlineData("*", "rtsp://h:554/live/", "rtsp://h:554/live/")]
    [InlineData(null, "rtsp://h:554/live", "rtsp://h:554/live")]
    [InlineData("", "rtsp://h:554/live", "rtsp://h:554/live")]
    [InlineData("?ctype=video", "rtsp://h:554/live", "rtsp://h:554/live?ctype=video")]
    [InlineData("streamid=1", "rtsp://h/x?token=abc", "rtsp://h/x?token=abc/streamid=1")]
    [InlineData(" trackID=2 ", "rtsp://h/x", "rtsp://h/x/trackID=2")]
    public void Control_urls_resolve_like_ffmpeg_and_gortsplib(string? control, string baseUrl, string expected)
    {
        Assert.Equal(expected, SdpControl.Resolve(control, baseUrl));
    }

    [Fact]
    public void Content_base_wins_over_content_location_and_the_request_url()
    {
        Assert.Equal("rtsp://h/a/", SdpControl.ChooseBase("rtsp://h/x", "rtsp://h/a/", "rtsp://h/b/"));
        Assert.Equal("rtsp://h/b/", SdpControl.ChooseBase("rtsp://h/x", null, "rtsp://h/b/"));
        Assert.Equal("rtsp://h/x", SdpControl.ChooseBase("rtsp://h/x", " ", null));
        Assert.True(SdpControl.Matches("rtsp://h/x/trackID=0/", "trackID=0", "rtsp://h/x/"));
        Assert.False(SdpControl.Matches("rtsp://h/x/trackID=1", "trackID=0", "rtsp://h/x/"));
    }

    [Theory]
    [InlineData("o=- 0 0 IN IP4 127.0.0.1\r\nv=0\r\n", "MissingVersion", 1)]
    [InlineData("", "MissingVersion", 0)]
    [InlineData("\r\n\r\n", "MissingVersion", 0)]
    [InlineData("RTSP/1.0 200 OK\r\nv=0\r\n", "MissingVersion", 1)]
    [InlineData("v=1\r\n", "UnsupportedVersion", 1)]
    [InlineData("v=0\r\ns=x\r\nm=video RTP/AVP 96\r\n", "InvalidMediaLine", 3)]
    [InlineData("v=0\r\ns=x\r\nm=video abc RTP/AVP 96\r\n", "InvalidMediaLine", 3)]
    [InlineData("v=0\r\ns=x\r\nm=video 70000 RTP/AVP 96\r\n", "InvalidMediaLine", 3)]
    [InlineData("v=0\r\ns=x\r\nm=video 0\r\n", "InvalidMediaLine", 3)]
    [InlineData("v=0\r\ns=x\r\nm=video 0/0 RTP/AVP 96\r\n", "InvalidMediaLine", 3)]
    [InlineData("v=0\r\ns=x\r\nm=\r\n", "InvalidMediaLine", 3)]
    public void Unusable_descriptions_are_errors(string text, string kindName, int line)
    {
        var kind = Enum.Parse<SdpErrorKind>(kindName);
        Assert.False(SessionDescription.TryParse(text, out var sdp, out var error));
        Assert.Null(sdp);
        Assert.Equal(new SdpParseError(kind, line), error);
    }

    [Fact]
    public void Limits_are_enforced()
    {
        var limits = new SdpLimits { MaxBytes = 100, MaxLineLength = 30, MaxMediaSections = 2 };
        Assert.Equal(SdpErrorKind.TooLarge, Error("v=0\r\n" + new string('x', 100), limits).Kind);
        Assert.Equal(SdpErrorKind.TooLarge, Error(Encoding.UTF8.GetBytes("v=0\r\ns=" + new string('é', 50)), limits).Kind); // 105 bytes, 57 chars
        Assert.Equal(new SdpParseError(SdpErrorKind.LineTooLong, 2), Error("v=0\r\ns=" + new string('x', 29) + "\r\n", limits));
        Assert.Equal(new SdpParseError(SdpErrorKind.TooManyMediaSections, 4), Error("v=0\nm=audio 0 RTP/AVP 0\nm=audio 0 RTP/AVP 8\nm=audio 0 RTP/AVP 0\n", limits));
        Assert.True(SessionDescription.TryParse("v=0\r\ns=" + new string('x', 28) + "\r\n", limits, out _, out _));
        Assert.Equal((64 * 1024, 64, 4 * 1024), (SdpLimits.Default.MaxBytes, SdpLimits.Default.MaxMediaSections, SdpLimits.Default.MaxLineLength));
    }

    [Fact]
    public void Sloppy_but_usable_descriptions_parse()
    {
        const string text = "v=0\r\n"
            + "a=control:*\r\n"       // attribute before s= and t=
            + "s=cam\r\n"
            + "this is not an sdp line\r\n"
            + "\r\n"
            + "m=video 0 RTP/AVP 96 97\r\n"
            + "A=ignored:upper-case type\r\n"
            + "a=rtpmap:97 H264/90000\r\n"
            + "a=fmtp:97 Packetization-Mode=1;SPROP-PARAMETER-SETS=Z0LAC9oFB+wEQAAAAwBAAAAFA8UKqA,aM4PyA,aM4PyB==;  profile-level-id=42C00B;;\r\n"
            + "a=Control:trackID=5\r\n"
            + "m=application 0 RTP/AVP\r\n" // no formats: kept, gives no track
            + "t=0 0\0\0\r\n";
        Assert.True(SessionDescription.TryParse(text, out var sdp, out var error), error.ToString());
        Assert.Equal("cam", sdp.SessionName);
        Assert.Equal(2, sdp.Media.Count);
        var track = Assert.Single(sdp.GetTracks());
        Assert.Equal(97, track.PayloadType); // 96 has no rtpmap and no static meaning: 97 is the usable one
        Assert.Equal("trackID=5", track.Control);
        Assert.Equal(1, track.H264!.PacketizationMode);
        Assert.Equal(3, track.H264.ParameterSets.Count); // padding-less base64 decodes
        Assert.Equal("68ce0fc8", Convert.ToHexStringLower(track.H264.Pps!));
        Assert.Equal("0 0", sdp.Media[1].GetLine('t'));
    }

    [Fact]
    public void Fmtp_keys_are_case_insensitive_and_order_is_kept()
    {
        var fmtp = FmtpParameters.Parse("packetization-mode=1; sprop-parameter-sets=Z0LAC9oFB+wEQAAAAwBAAAAFA8UKqA==,aM4PyA==; profile-level-id=42C00B");
        Assert.Equal("1", fmtp["PACKETIZATION-MODE"]);
        Assert.Equal("Z0LAC9oFB+wEQAAAAwBAAAAFA8UKqA==,aM4PyA==", fmtp.Get("Sprop-Parameter-Sets"));
        Assert.Equal(["packetization-mode", "sprop-parameter-sets", "profile-level-id"], fmtp.Keys);
        Assert.Equal("packetization-mode=1; sprop-parameter-sets=Z0LAC9oFB+wEQAAAAwBAAAAFA8UKqA==,aM4PyA==; profile-level-id=42C00B", fmtp.ToString());
        var events = FmtpParameters.Parse("0-15");
        Assert.Equal("", events["0-15"]);
        Assert.Equal("0-15", events.ToString());
        Assert.Equal("1", FmtpParameters.Parse("a=1;A=2")["a"]);
    }

    [Theory]
    [InlineData("MPEG4-GENERIC", "mode=AAC-hbr;config=1190", "Aac")]
    [InlineData("mpeg4-generic", "streamtype=5; mode=aac-lbr; config=1190", "Aac")]
    [InlineData("MPEG4-GENERIC", "config=1190", "Aac")]
    [InlineData("MPEG4-GENERIC", "mode=CELP-cbr", null)]
    [InlineData("MP4A-LATM", "config=40002420", null)]
    [InlineData("H265", "", "H265")]
    [InlineData("OPUS", "sprop-stereo=1", "Opus")]
    [InlineData("VP8", "", "Vp8")]
    [InlineData("vp9", "profile-id=2", "Vp9")]
    [InlineData("AV1", "", "Av1")]
    [InlineData("VP10", "", null)]
    public void Codec_is_recognised_from_the_encoding_name(string encoding, string fmtp, string? codecName)
    {
        CodecId? codec = codecName is null ? null : Enum.Parse<CodecId>(codecName);
        var track = new SdpTrack(96, encoding, 48000, 2, FmtpParameters.Parse(fmtp), null, "audio");
        Assert.Equal(codec, track.Codec);
    }

    [Theory]
    [InlineData("aM4PyA==", "68ce0fc8")]
    [InlineData("aM4PyA", "68ce0fc8")]       // padding left out
    [InlineData("aM4PyA===", "68ce0fc8")]    // one '=' too many
    [InlineData(" aM4P yA== ", "68ce0fc8")]  // stray spaces
    [InlineData("-_8=", "fbff")]             // URL-safe alphabet
    [InlineData("aM4Py", null)]              // 5 characters cannot be base64
    [InlineData("aM4P!A==", null)]
    [InlineData("", null)]
    public void Sprop_base64_is_decoded_tolerantly(string text, string? hex)
    {
        Assert.Equal(hex, FmtpValues.DecodeBase64(text) is { } bytes ? Convert.ToHexStringLower(bytes) : null);
    }

    [Fact]
    public void Aac_config_and_opus_stereo_are_read()
    {
        var aac = AacParameters.FromFmtp(FmtpParameters.Parse("streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1210; sizeLength=13; indexLength=3; indexDeltaLength=3"));
        Assert.Equal((2, 44100, 2), (aac.AudioObjectType, aac.SampleRate, aac.ChannelConfiguration));
        Assert.Equal(13, aac.SizeLength);
        Assert.Null(AacParameters.FromFmtp(FmtpParameters.Parse("config=121")).Config);
        Assert.Null(AacParameters.FromFmtp(FmtpParameters.Parse("config=zz10")).Config);
        var opus = OpusParameters.FromFmtp(FmtpParameters.Parse("minptime=10;useinbandfec=1;sprop-stereo=1;stereo=0"));
        Assert.True(opus.SpropStereo);
        Assert.False(opus.Stereo);
        Assert.True(opus.UseInbandFec);
        Assert.Equal(2, opus.Channels);
    }

    [Fact]
    public void Generated_description_is_exact()
    {
        byte[] sps = Convert.FromHexString("6742c00bda0507ec0440000003004000000503c50aa8");
        byte[] pps = Convert.FromHexString("68ce0fc8");
        var tracks = new[]
        {
            SdpTrack.ForH264(96, sps, pps),
            SdpTrack.ForAac(97, Convert.FromHexString("1190")) with { BandwidthKbps = 64 },
            SdpTrack.ForOpus(98, stereo: true),
            SdpTrack.ForPcmu(),
            SdpTrack.ForPcma(),
            SdpTrack.ForMjpeg() with { Direction = SdpDirection.SendOnly },
            SdpTrack.ForH265(99, Convert.FromHexString("40010c01"), Convert.FromHexString("42010101"), Convert.FromHexString("4401c073")),
        };
        var sdp = SdpBuilder.Build("cam", 3908200045, tracks);
        const string expected = "v=0\r\n"
            + "o=- 3908200045 3908200045 IN IP4 127.0.0.1\r\n"
            + "s=cam\r\n"
            + "c=IN IP4 0.0.0.0\r\n"
            + "t=0 0\r\n"
            + "a=control:*\r\n"
            + "m=video 0 RTP/AVP 96\r\n"
            + "a=rtpmap:96 H264/90000\r\n"
            + "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAC9oFB+wEQAAAAwBAAAAFA8UKqA==,aM4PyA==; profile-level-id=42C00B\r\n"
            + "a=control:trackID=0\r\n"
            + "m=audio 0 RTP/AVP 97\r\n"
            + "b=AS:64\r\n"
            + "a=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
            + "a=fmtp:97 profile-level-id=1; mode=AAC-hbr; sizelength=13; indexlength=3; indexdeltalength=3; config=1190\r\n"
            + "a=control:trackID=1\r\n"
            + "m=audio 0 RTP/AVP 98\r\n"
            + "a=rtpmap:98 opus/48000/2\r\n"
            + "a=fmtp:98 sprop-stereo=1; stereo=1\r\n"
            + "a=control:trackID=2\r\n"
            + "m=audio 0 RTP/AVP 0\r\n"
            + "a=rtpmap:0 PCMU/8000\r\n"
            + "a=control:trackID=3\r\n"
            + "m=audio 0 RTP/AVP 8\r\n"
            + "a=rtpmap:8 PCMA/8000\r\n"
            + "a=control:trackID=4\r\n"
            + "m=video 0 RTP/AVP 26\r\n"
            + "a=rtpmap:26 JPEG/90000\r\n"
            + "a=control:trackID=5\r\n"
            + "a=sendonly\r\n"
            + "m=video 0 RTP/AVP 99\r\n"
            + "a=rtpmap:99 H265/90000\r\n"
            + "a=fmtp:99 sprop-vps=QAEMAQ==; sprop-sps=QgEBAQ==; sprop-pps=RAHAcw==\r\n"
            + "a=control:trackID=6\r\n";
        Assert.Equal(expected, sdp.ToString());
        Assert.Equal(Encoding.UTF8.GetBytes(expected), sdp.ToUtf8Bytes());

        // And it reads back to the same tracks.
        Assert.True(SessionDescription.TryParse(sdp.ToUtf8Bytes(), out var parsed, out _));
        var back = parsed.GetTracks();
        Assert.Equal(tracks.Select(t => (t.PayloadType, t.Codec, t.ClockRate)), back.Select(t => (t.PayloadType, t.Codec, t.ClockRate)));
        Assert.Equal(["trackID=0", "trackID=1", "trackID=2", "trackID=3", "trackID=4", "trackID=5", "trackID=6"], back.Select(t => t.Control));
        Assert.Equal(sps, back[0].H264!.Sps);
        Assert.Equal(2, back[1].Channels);
        Assert.Equal(expected, parsed.ToString());
    }

    [Fact]
    public void Our_h264_fmtp_for_ffmpeg_parameter_sets_is_the_line_ffmpeg_wrote()
    {
        var (_, body) = Announce("ffmpeg-publish-h264-aac-tcp.bin");
        Assert.True(SessionDescription.TryParse(body, out var sdp, out _));
        var theirs = sdp.Media[0].GetAttribute("fmtp");
        var parameters = sdp.GetTracks()[0].H264!;
        var ours = SdpTrack.ForH264(96, parameters.Sps!, parameters.Pps!);
        Assert.Equal(theirs, "96 " + ours.Fmtp);
    }

    [Fact]
    public void Random_descriptions_never_throw()
    {
        var random = new Random(8866);
        var seeds = new[] { HikvisionStyle, DahuaStyle, Encoding.UTF8.GetString(Announce("ffmpeg-publish-h264-aac-tcp.bin").Body) };
        const string alphabet = "vomsacbt=:/ \r\n0123456789;,rtpmapfmtpH264RTP/AVP*-";
        for (var round = 0; round < 2000; round++)
        {
            var chars = seeds[random.Next(seeds.Length)].ToCharArray();
            for (var m = random.Next(1, 20); m > 0; m--)
            {
                chars[random.Next(chars.Length)] = random.Next(8) == 0 ? (char)random.Next(0, 0x800) : alphabet[random.Next(alphabet.Length)];
            }

            if (SessionDescription.TryParse(new string(chars), out var sdp, out _))
            {
                foreach (var track in sdp.GetTracks())
                {
                    _ = (track.H264, track.H265, track.Aac?.SampleRate, track.Opus, track.ResolveControl("rtsp://h/p"));
                }

                _ = sdp.ToString();
            }
        }
    }

    private static SdpParseError Error(string text, SdpLimits limits)
    {
        Assert.False(SessionDescription.TryParse(text, limits, out _, out var error));
        return error;
    }

    private static SdpParseError Error(byte[] utf8, SdpLimits limits)
    {
        Assert.False(SessionDescription.TryParse(utf8, limits, out _, out var error));
        return error;
    }

    private static (RtspRequest Request, byte[] Body) Announce(string capture)
    {
        var items = RtspParserTests.ReadAll(new ReadOnlySequence<byte>(RtspTestData.Read(capture)), out _);
        var announce = items.Single(i => i.Method == "ANNOUNCE").Request!;
        return (announce, announce.Body.ToArray());
    }
}
