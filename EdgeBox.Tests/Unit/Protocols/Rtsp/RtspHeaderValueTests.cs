using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

public sealed class RtspHeaderValueTests
{
    [Theory]
    // ffmpeg publish, UDP and TCP (captured)
    [InlineData("RTP/AVP/UDP;unicast;client_port=21798-21799;mode=record", false, 21798, 21799, null, "Record")]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record", true, null, null, 0, "Record")]
    // GStreamer rtspclientsink (captured): upper case, and quoted per RFC 2326
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-1;mode=RECORD", true, null, null, 0, "Record")]
    [InlineData("RTP/AVP/UDP;unicast;client_port=47248-47249;mode=RECORD", false, 47248, 47249, null, "Record")]
    [InlineData("RTP/AVP;unicast;client_port=5000-5001;mode=\"RECORD\"", false, 5000, 5001, null, "Record")]
    [InlineData("RTP/AVP;unicast;client_port=5000-5001;mode=\"PLAY\"", false, 5000, 5001, null, "Play")]
    [InlineData("RTP/AVP;unicast;client_port=5000-5001;mode=Record", false, 5000, 5001, null, "Record")]
    [InlineData("RTP/AVP;unicast;client_port=5000-5001;mode=receive", false, 5000, 5001, null, "Record")]
    // ffprobe / VLC (live555) / GStreamer readers
    [InlineData("RTP/AVP/UDP;unicast;client_port=24284-24285", false, 24284, 24285, null, "Play")]
    [InlineData("RTP/AVP;unicast;client_port=53456-53457", false, 53456, 53457, null, "Play")]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-1", true, null, null, 0, "Play")]
    [InlineData("rtp/avp/tcp;UNICAST;Interleaved=2-3", true, null, null, 2, "Play")]
    public void Client_transports_parse(string value, bool tcp, int? rtpPort, int? rtcpPort, int? channel, string modeName)
    {
        var mode = Enum.Parse<RtspTransportMode>(modeName);
        var transport = Assert.Single(RtspTransport.ParseList(value));
        Assert.Equal(tcp, transport.IsTcp);
        Assert.Equal(RtspDelivery.Unicast, transport.Delivery);
        Assert.Equal(rtpPort, transport.ClientPort?.First);
        Assert.Equal(rtcpPort, transport.ClientPort?.Rtcp);
        Assert.Equal(channel, transport.Interleaved?.First);
        Assert.Equal(mode, transport.Mode);
        Assert.Equal("RTP", transport.Protocol);
        Assert.Equal("AVP", transport.Profile);
    }

    [Fact]
    public void Several_alternatives_come_out_in_preference_order_and_malformed_ones_are_skipped()
    {
        var list = RtspTransport.ParseList(
            "RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16, RTP/AVP;unicast;client_port=abc, RTP/AVPF/TCP;unicast;interleaved=4-5;ssrc=1A2B3C4D, RTP/SAVPF;unicast;client_port=7000");
        Assert.Equal(3, list.Count);
        Assert.Equal(RtspDelivery.Multicast, list[0].Delivery);
        Assert.Equal("224.2.0.1", list[0].Destination);
        Assert.Equal(new RtspPortPair(3456, 3457), list[0].Port);
        Assert.Equal(16, list[0].Ttl);
        Assert.Equal("AVPF", list[1].Profile);
        Assert.Equal(0x1A2B3C4Du, list[1].Ssrc);
        Assert.Equal(new RtspPortPair(4, 5), list[1].Interleaved);
        Assert.Equal("SAVPF", list[2].Profile);
        Assert.Equal(7000, list[2].ClientPort!.Value.First);
        Assert.Null(list[2].ClientPort!.Value.Second);
        Assert.Equal(7001, list[2].ClientPort!.Value.Rtcp);
        Assert.Empty(RtspTransport.ParseList("RTP/AVP/SCTP;unicast"));
        Assert.Empty(RtspTransport.ParseList("garbage"));
        Assert.Empty(RtspTransport.ParseList("RTP/AVP/TCP;interleaved=0-256"));
        Assert.Empty(RtspTransport.ParseList(null));
    }

    [Fact]
    public void Server_answer_formats_like_ffmpeg_and_gortsplib()
    {
        var request = RtspTransport.ParseList("RTP/AVP/UDP;unicast;client_port=21798-21799;mode=record")[0];
        var answer = request with { ServerPort = new RtspPortPair(30000, 30001), Ssrc = 0x00ABCDEF };
        Assert.Equal("RTP/AVP/UDP;unicast;client_port=21798-21799;server_port=30000-30001;ssrc=00ABCDEF;mode=record", answer.ToString());
        var gst = RtspTransport.ParseList("RTP/AVP/TCP;unicast;interleaved=0-1;mode=RECORD")[0];
        Assert.Equal("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record", gst.ToString());
        var vlc = RtspTransport.ParseList("RTP/AVP;unicast;client_port=53456-53457;RTCP-mux")[0];
        Assert.Equal(["RTCP-mux"], vlc.OtherParameters);
        Assert.Equal("RTP/AVP;unicast;client_port=53456-53457;RTCP-mux", vlc.ToString());
        Assert.Equal("RTP/AVP/TCP;unicast;interleaved=0-1,RTP/AVP;unicast;client_port=53456-53457;RTCP-mux", RtspTransport.FormatList([gst with { Mode = RtspTransportMode.Play }, vlc]));
    }

    [Theory]
    [InlineData("12345678", "12345678", null)]
    [InlineData("12345678;timeout=60", "12345678", 60)]
    [InlineData("a1B2-c3_d4.e5$+ ; Timeout = 30", "a1B2-c3_d4.e5$+", 30)]
    [InlineData("47112344;timeout=abc", "47112344", null)]
    public void Session_header_parses(string value, string id, int? timeout)
    {
        Assert.True(RtspSessionHeader.TryParse(value, out var session));
        Assert.Equal(id, session.Id);
        Assert.Equal(timeout, session.TimeoutSeconds);
    }

    [Fact]
    public void Session_header_formats_with_timeout_and_refuses_empty_ids()
    {
        Assert.Equal("a1b2;timeout=60", new RtspSessionHeader("a1b2", 60).ToString());
        Assert.Equal("a1b2", new RtspSessionHeader("a1b2").ToString());
        Assert.False(RtspSessionHeader.TryParse("", out _));
        Assert.False(RtspSessionHeader.TryParse(";timeout=5", out _));
        Assert.False(RtspSessionHeader.TryParse(null, out _));
    }

    [Theory]
    [InlineData("npt=0-", "Npt", 0.0, null, false)]
    [InlineData("npt=0.000-", "Npt", 0.0, null, false)]
    [InlineData("npt=now-", "Npt", null, null, true)]
    [InlineData("npt=10-20.5", "Npt", 10.0, 20.5, false)]
    [InlineData("npt=00:01:02.5-", "Npt", 62.5, null, false)]
    [InlineData("npt=-20", "Npt", null, 20.0, false)]
    public void Npt_ranges_parse(string value, string unitName, double? start, double? end, bool now)
    {
        var unit = Enum.Parse<RtspRangeUnit>(unitName);
        Assert.True(RtspRange.TryParse(value, out var range));
        Assert.Equal(unit, range.Unit);
        Assert.Equal(start, range.NptStart?.TotalSeconds);
        Assert.Equal(end, range.NptEnd?.TotalSeconds);
        Assert.Equal(now, range.StartIsNow);
        Assert.Equal(value, range.ToString());
    }

    [Fact]
    public void Clock_and_other_ranges()
    {
        Assert.True(RtspRange.TryParse("clock=19961108T142300Z-19961108T143520Z", out var clock));
        Assert.Equal(new DateTimeOffset(1996, 11, 8, 14, 23, 0, TimeSpan.Zero), clock.ClockStart);
        Assert.Equal(new DateTimeOffset(1996, 11, 8, 14, 35, 20, TimeSpan.Zero), clock.ClockEnd);
        Assert.True(RtspRange.TryParse("clock=20240101T000000.25Z-;time=19970123T143720Z", out clock));
        Assert.Equal(250, clock.ClockStart!.Value.Millisecond);
        Assert.Equal("19970123T143720Z", clock.Time);
        Assert.True(RtspRange.TryParse("smpte=10:07:00-10:07:33:05.01", out var smpte));
        Assert.Equal(RtspRangeUnit.Smpte, smpte.Unit);

        Assert.Equal("npt=1.500-", RtspRange.Npt(TimeSpan.FromMilliseconds(1500)).ToString());
        Assert.Equal("npt=0.000-10.000", RtspRange.Npt(TimeSpan.Zero, TimeSpan.FromSeconds(10)).ToString());
        Assert.Equal("npt=now-", RtspRange.NptNow.ToString());
        Assert.Equal("clock=19961108T142300Z-", RtspRange.Clock(new DateTimeOffset(1996, 11, 8, 14, 23, 0, TimeSpan.Zero)).ToString());

        foreach (var bad in new[] { "npt=", "npt=-", "npt=abc-", "npt=1:2-", "frames=0-", "clock=yesterday-", "npt=0" })
        {
            Assert.False(RtspRange.TryParse(bad, out _), bad);
        }
    }

    [Fact]
    public void Rtp_info_formats_and_parses()
    {
        var value = RtpInfoHeader.Format(
        [
            new RtpInfoEntry("rtsp://127.0.0.1:8554/cam/trackID=0", 45102, 2890844526),
            new RtpInfoEntry("rtsp://127.0.0.1:8554/cam/trackID=1", 1, null),
        ]);
        Assert.Equal("url=rtsp://127.0.0.1:8554/cam/trackID=0;seq=45102;rtptime=2890844526,url=rtsp://127.0.0.1:8554/cam/trackID=1;seq=1", value);
        var parsed = RtpInfoHeader.Parse(value);
        Assert.Equal(2, parsed.Count);
        Assert.Equal(new RtpInfoEntry("rtsp://127.0.0.1:8554/cam/trackID=0", 45102, 2890844526), parsed[0]);
        Assert.Equal(new RtpInfoEntry("rtsp://127.0.0.1:8554/cam/trackID=1", 1, null), parsed[1]);
        Assert.Single(RtpInfoHeader.Parse("url=\"rtsp://h/p/a\";seq=x;rtptime=5, seq=2"));
    }

    [Fact]
    public void Public_lists_methods()
    {
        Assert.Equal("OPTIONS, DESCRIBE, SETUP, PLAY", RtspPublicHeader.Format([RtspMethods.Options, RtspMethods.Describe, RtspMethods.Setup, RtspMethods.Play]));
        Assert.Equal(["OPTIONS", "DESCRIBE", "ANNOUNCE"], RtspPublicHeader.Parse("OPTIONS,DESCRIBE ,  ANNOUNCE"));
    }

    [Fact]
    public void Header_value_parsers_survive_random_input()
    {
        var random = new Random(7);
        const string alphabet = "RTP/AVPTCUD;=-,\"\\ 0123456789abcdefxnptclockmodeunicastinterleaved:Digest realm";
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 60)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = random.Next(10) == 0 ? (char)random.Next(0, 0x3000) : alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            _ = RtspTransport.ParseList(text);
            _ = RtspSessionHeader.TryParse(text, out _);
            _ = RtspRange.TryParse(text, out _);
            _ = RtpInfoHeader.Parse(text);
            _ = RtspDigestCredentials.TryParse("Digest " + text, out _);
            _ = RtspDigestChallenge.TryParse(text, out _);
            _ = RtspBasicAuth.TryParseAuthorization("Basic " + text, out _, out _);
        }
    }
}
