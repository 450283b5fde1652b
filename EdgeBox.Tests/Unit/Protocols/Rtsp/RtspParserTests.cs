using System.Buffers;
using System.Text;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

public sealed class RtspParserTests
{
    /// <summary>Requests as live555 (VLC 3) writes them: request line, CSeq, User-Agent, extra headers (RTSPClient::sendRequest).</summary>
    internal const string VlcPlayTcp =
        "OPTIONS rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2021.08.24)\r\n\r\n"
        + "DESCRIBE rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nCSeq: 3\r\nUser-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2021.08.24)\r\nAccept: application/sdp\r\n\r\n"
        + "SETUP rtsp://127.0.0.1:8554/cam/trackID=0 RTSP/1.0\r\nCSeq: 4\r\nUser-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2021.08.24)\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"
        + "PLAY rtsp://127.0.0.1:8554/cam/ RTSP/1.0\r\nCSeq: 5\r\nUser-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2021.08.24)\r\nSession: 12345678\r\nRange: npt=0.000-\r\n\r\n"
        + "GET_PARAMETER rtsp://127.0.0.1:8554/cam/ RTSP/1.0\r\nCSeq: 6\r\nUser-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2021.08.24)\r\nSession: 12345678\r\n\r\n";

    public static TheoryData<string> Captures =>
    [
        "ffmpeg-publish-h264-aac-tcp.bin", "ffmpeg-publish-h265-opus-tcp.bin", "ffmpeg-publish-udp.bin", "ffmpeg-publish-mjpeg-pcma.bin",
        "ffmpeg-publish-pcmu.bin", "ffmpeg-publish-digest.bin", "ffmpeg-read-tcp.bin", "ffmpeg-read-udp.bin",
        "gstreamer-publish-tcp.bin", "gstreamer-publish-digest-udp.bin", "gstreamer-read-tcp.bin",
    ];

    [Fact]
    public void Ffmpeg_announce_is_read_with_its_sdp_body()
    {
        var items = RtspTestData.Split(RtspTestData.Read("ffmpeg-publish-h264-aac-tcp.bin"));
        var buffer = new ReadOnlySequence<byte>(items[1].Bytes);

        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out var error));
        Assert.Equal(RtspParseError.None, error);
        Assert.True(buffer.IsEmpty);
        Assert.Equal("ANNOUNCE", request.Method);
        Assert.Equal("rtsp://127.0.0.1:18555/x", request.Uri);
        Assert.Equal(RtspVersion.Rtsp10, request.Version);
        Assert.Equal(2, request.CSeq);
        Assert.Equal("application/sdp", request.Headers["content-type"]);
        Assert.Equal("Lavf59.27.100", request.Headers.Get("USER-AGENT"));
        Assert.Null(request.Headers["Content-Length"]); // owned by the message: it is Body.Length
        Assert.Equal(495, request.Body.Length);
        Assert.StartsWith("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n", Encoding.UTF8.GetString(request.Body.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Ffmpeg_udp_publish_setup_carries_client_ports_and_record_mode()
    {
        var buffer = new ReadOnlySequence<byte>(RtspTestData.Read("ffmpeg-publish-udp.bin"));
        var methods = new List<string>();
        RtspRequest? setup = null;
        while (RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out var error))
        {
            Assert.Equal(RtspParseError.None, error);
            methods.Add(request.Method);
            setup ??= request.Method == "SETUP" ? request : null;
        }

        Assert.True(buffer.IsEmpty);
        Assert.Equal(["OPTIONS", "ANNOUNCE", "SETUP", "SETUP", "RECORD", "TEARDOWN"], methods);
        Assert.Equal("rtsp://127.0.0.1:18554/x/streamid=0", setup!.Uri);
        var transport = Assert.Single(RtspTransport.ParseList(setup.Headers[RtspHeaderNames.Transport]));
        Assert.Equal(new RtspPortPair(21798, 21799), transport.ClientPort);
        Assert.Equal(RtspTransportMode.Record, transport.Mode);
        Assert.Equal(RtspLowerTransport.Udp, transport.LowerTransport);
    }

    [Fact]
    public void A_whole_ffmpeg_tcp_publish_reads_as_messages_and_interleaved_frames_in_order()
    {
        var capture = RtspTestData.Read("ffmpeg-publish-h264-aac-tcp.bin");
        var expected = RtspTestData.Split(capture);
        // One buffer, and the same bytes cut in awkward segments (1, 3 and 7 bytes): the same items come out.
        foreach (var buffer in new[] { new ReadOnlySequence<byte>(capture), RtspTestData.Segmented(capture, 1, 3, 7) })
        {
            var items = ReadAll(buffer, out var rest);
            Assert.True(rest.IsEmpty);
            Assert.Equal(expected.Count, items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                Assert.Equal(expected[i].Interleaved, items[i].Interleaved);
                if (items[i].Interleaved)
                {
                    Assert.Equal(expected[i].Bytes[1], items[i].Channel);
                    Assert.Equal(expected[i].Bytes[4..], items[i].Payload);
                }
            }
        }

        var messages = ReadAll(new ReadOnlySequence<byte>(capture), out _).Where(i => !i.Interleaved).Select(i => i.Method).ToList();
        Assert.Equal(["OPTIONS", "ANNOUNCE", "SETUP", "SETUP", "RECORD", "TEARDOWN"], messages);
        var channels = ReadAll(new ReadOnlySequence<byte>(capture), out _).Where(i => i.Interleaved).Select(i => i.Channel).Distinct().Order();
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, channels); // video RTP/RTCP, audio RTP/RTCP
    }

    [Fact]
    public void GStreamer_record_setup_says_mode_RECORD_in_upper_case()
    {
        var items = ReadAll(new ReadOnlySequence<byte>(RtspTestData.Read("gstreamer-publish-tcp.bin")), out var rest);
        Assert.True(rest.IsEmpty);
        var setup = items.Single(i => i.Method == "SETUP").Request!;
        Assert.Equal("RTP/AVP/TCP;unicast;interleaved=0-1;mode=RECORD", setup.Headers[RtspHeaderNames.Transport]);
        Assert.Equal(RtspTransportMode.Record, RtspTransport.ParseList(setup.Headers[RtspHeaderNames.Transport])[0].Mode);
        Assert.Equal(12, items.Count(i => i.Interleaved));
        var record = items.Single(i => i.Method == "RECORD").Request!;
        Assert.Equal("12345678", record.SessionId);
        Assert.Equal("Tue, 24 Nov 2026 02:26:15 GMT", record.Headers[RtspHeaderNames.Date]);
    }

    [Fact]
    public void GStreamer_reader_sends_two_user_agents_and_both_are_kept()
    {
        var buffer = new ReadOnlySequence<byte>(RtspTestData.Read("gstreamer-read-tcp.bin"));
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var options, out _));
        Assert.Equal(["GStreamer/1.22.0", "RealMedia Player Version 6.0.9.1235 (linux-2.0-libc6-i386-gcc2.95)"], options.Headers.GetAll("user-agent"));
        Assert.Equal("GStreamer/1.22.0", options.Headers[RtspHeaderNames.UserAgent]);
        Assert.Equal("[28/03/2003:22:50:23 00:00]", options.Headers["PlayerStarttime"]);
        Assert.Equal(9, options.Headers.Count);
    }

    [Fact]
    public void Vlc_requests_parse_with_the_headers_live555_puts_in_them()
    {
        var items = ReadAll(RtspTestData.Sequence(VlcPlayTcp), out var rest);
        Assert.True(rest.IsEmpty);
        Assert.Equal(["OPTIONS", "DESCRIBE", "SETUP", "PLAY", "GET_PARAMETER"], items.Select(i => i.Method));
        Assert.Equal([2, 3, 4, 5, 6], items.Select(i => i.Request!.CSeq));
        var play = items[3].Request!;
        Assert.Equal("npt=0.000-", play.Headers[RtspHeaderNames.Range]);
        Assert.Equal("12345678", play.SessionId);
        Assert.Equal("RTP/AVP/TCP;unicast;interleaved=0-1", items[2].Request!.Headers[RtspHeaderNames.Transport]);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_prefix_of_every_message_needs_more_data_and_consumes_nothing(string capture)
    {
        foreach (var (interleaved, bytes) in RtspTestData.Split(RtspTestData.Read(capture)).Take(12))
        {
            for (var length = 0; length < bytes.Length; length++)
            {
                var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
                if (interleaved)
                {
                    Assert.False(RtspParser.TryParseInterleaved(ref buffer, out _, out _));
                }
                else
                {
                    Assert.False(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out var error), $"{capture}: prefix {length}");
                    Assert.Null(request);
                    Assert.Equal(RtspParseError.None, error);
                }

                Assert.Equal(length, buffer.Length);
            }

            var whole = new ReadOnlySequence<byte>(bytes);
            Assert.True(interleaved
                ? RtspParser.TryParseInterleaved(ref whole, out _, out _)
                : RtspParser.TryParseRequest(ref whole, RtspLimits.Default, out _, out _));
            Assert.True(whole.IsEmpty);
        }
    }

    [Fact]
    public void Every_prefix_of_a_response_with_a_body_needs_more_data()
    {
        var bytes = Encoding.ASCII.GetBytes(DescribeResponse);
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(RtspParser.TryParseResponse(ref buffer, RtspLimits.Default, out _, out var error));
            Assert.Equal(RtspParseError.None, error);
            Assert.Equal(length, buffer.Length);
        }

        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(RtspParser.TryParseResponse(ref whole, RtspLimits.Default, out var response, out _));
        Assert.True(whole.IsEmpty);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("OK", response.ReasonPhrase);
        Assert.Equal(2, response.CSeq);
        Assert.Equal("rtsp://127.0.0.1:8554/cam/", response.Headers[RtspHeaderNames.ContentBase]);
        Assert.Equal(91, response.Body.Length);
    }

    internal const string DescribeResponse =
        "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://127.0.0.1:8554/cam/\r\nContent-Type: application/sdp\r\nContent-Length: 91\r\n\r\n"
        + "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";

    [Fact]
    public void Pipelined_requests_and_frames_in_one_buffer_come_out_one_by_one()
    {
        var frame = new byte[] { (byte)'$', 1, 0, 3, 0xAA, 0xBB, 0xCC };
        var bytes = Encoding.ASCII.GetBytes("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
            .Concat(frame)
            .Concat(Encoding.ASCII.GetBytes("\r\n")) // a stray CRLF between items, as some clients send
            .Concat(Encoding.ASCII.GetBytes("SET_PARAMETER rtsp://h/p RTSP/1.0\nCSeq: 2\nContent-Length: 5\n\nhello"))
            .Concat(new byte[] { (byte)'$', 0, 0, 0 })
            .Concat(Encoding.ASCII.GetBytes("TEARDOWN rtsp://h/p RTSP/1.0\r\nCSeq: 3\r\n\r\nPLAY rtsp"))
            .ToArray();

        var items = ReadAll(new ReadOnlySequence<byte>(bytes), out var rest);

        Assert.Equal(["OPTIONS", "$1", "SET_PARAMETER", "$0", "TEARDOWN"], items.Select(i => i.Method ?? "$" + i.Channel));
        Assert.Equal("*", items[0].Request!.Uri);
        Assert.Equal([0xAA, 0xBB, 0xCC], items[1].Payload);
        Assert.Equal("hello", Encoding.ASCII.GetString(items[2].Request!.Body.Span));
        Assert.Empty(items[3].Payload);
        Assert.Equal("PLAY rtsp", Encoding.ASCII.GetString(rest.ToArray())); // the incomplete tail stays
    }

    [Fact]
    public void Interleaved_frame_of_the_largest_size_is_sliced_not_copied()
    {
        var bytes = new byte[4 + 65535];
        bytes[0] = (byte)'$';
        bytes[1] = 7;
        bytes[2] = 0xFF;
        bytes[3] = 0xFF;
        bytes[^1] = 0x42;
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(RtspParser.TryParseInterleaved(ref buffer, out var channel, out var payload));
        Assert.Equal(7, channel);
        Assert.Equal(65535, payload.Length);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload.First, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(4, segment.Offset);
    }

    [Fact]
    public void Interleaved_reader_refuses_what_is_not_a_frame()
    {
        var buffer = RtspTestData.Sequence("OPTIONS * RTSP/1.0\r\n");
        Assert.False(RtspParser.TryParseInterleaved(ref buffer, out _, out _));
        Assert.Equal(20, buffer.Length);
        Assert.Equal(RtspInputKind.Message, RtspParser.Classify(ref buffer));
        var frame = new ReadOnlySequence<byte>(new byte[] { (byte)'\r', (byte)'\n', (byte)'$', 0 });
        Assert.Equal(RtspInputKind.InterleavedFrame, RtspParser.Classify(ref frame));
        Assert.Equal(2, frame.Length);
        var blank = RtspTestData.Sequence("\r\n\r\n");
        Assert.Equal(RtspInputKind.NeedMoreData, RtspParser.Classify(ref blank));
    }

    [Fact]
    public void A_message_parser_called_on_a_frame_says_so()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { (byte)'$', 0, 0, 1, 9 });
        Assert.False(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out _, out var error));
        Assert.Equal(RtspParseError.UnexpectedInterleavedFrame, error);
    }

    [Fact]
    public void Rtsp_2_0_requests_are_accepted_and_other_versions_refused()
    {
        var buffer = RtspTestData.Sequence("OPTIONS rtsp://h/p RTSP/2.0\r\nCSeq: 1\r\nSupported: play.basic\r\n\r\n");
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out _));
        Assert.Equal(RtspVersion.Rtsp20, request.Version);

        Assert.Equal(RtspParseError.UnsupportedVersion, ParseError("OPTIONS rtsp://h/p HTTP/1.1\r\nCSeq: 1\r\n\r\n"));
        Assert.Equal(RtspParseError.UnsupportedVersion, ParseError("OPTIONS rtsp://h/p RTSP/1.1\r\nCSeq: 1\r\n\r\n"));
        Assert.Equal(RtspStatusCodes.RtspVersionNotSupported, RtspParseError.UnsupportedVersion.ToStatusCode());
    }

    [Fact]
    public void Folded_header_lines_continue_the_previous_value()
    {
        var buffer = RtspTestData.Sequence("SETUP rtsp://h/p/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;\r\n  client_port=5000-5001\r\n\r\n");
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out _));
        Assert.Equal("RTP/AVP;unicast; client_port=5000-5001", request.Headers[RtspHeaderNames.Transport]);
        Assert.Equal(new RtspPortPair(5000, 5001), RtspTransport.ParseList(request.Headers[RtspHeaderNames.Transport])[0].ClientPort);

        Assert.Equal(RtspParseError.InvalidHeader, ParseError("OPTIONS * RTSP/1.0\r\n folded-first: x\r\nCSeq: 1\r\n\r\n"));
        Assert.Equal(RtspParseError.InvalidHeader, ParseError("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n 2\r\n\r\n"));
    }

    [Theory]
    [InlineData("OPTIONS * RTSP/1.0\r\nUser-Agent: x\r\n\r\n", "MissingCSeq")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq: one\r\n\r\n", "InvalidCSeq")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq: -1\r\n\r\n", "InvalidCSeq")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq: 1234567890\r\n\r\n", "InvalidCSeq")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n", "InvalidCSeq")]
    [InlineData("ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 1x\r\n\r\n", "InvalidContentLength")]
    [InlineData("ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n", "InvalidContentLength")]
    [InlineData("ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "InvalidContentLength")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq 1\r\n\r\n", "InvalidHeader")]
    [InlineData("OPTIONS * RTSP/1.0\r\n: 1\r\nCSeq: 1\r\n\r\n", "InvalidHeader")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq : 1\r\n\r\n", "InvalidHeader")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq: 1\rX: y\r\n\r\n", "InvalidHeader")]
    [InlineData("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: a\0b\r\n\r\n", "InvalidHeader")]
    [InlineData("OPTIONS  * RTSP/1.0\r\nCSeq: 1\r\n\r\n", "InvalidUri")]
    [InlineData("OPTIONS RTSP/1.0\r\nCSeq: 1\r\n\r\n", "InvalidStartLine")]
    [InlineData("OPT(IONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", "InvalidMethod")]
    [InlineData("OPTIONS *\t RTSP/1.0\r\nCSeq: 1\r\n\r\n", "InvalidStartLine")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003 x\r\n\r\n", "InvalidStartLine")] // a TLS ClientHello
    public void Malformed_requests_are_rejected_with_the_reason(string text, string reason)
    {
        var expected = Enum.Parse<RtspParseError>(reason);
        Assert.Equal(expected, ParseError(text));
    }

    [Fact]
    public void Lf_only_line_ends_are_accepted()
    {
        var buffer = RtspTestData.Sequence("DESCRIBE rtsp://h/p RTSP/1.0\nCSeq: 9\nAccept: application/sdp\n\n");
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out _));
        Assert.Equal(9, request.CSeq);
        Assert.Equal("application/sdp", request.Headers[RtspHeaderNames.Accept]);
    }

    [Fact]
    public void A_start_line_past_the_limit_is_rejected_before_its_end_arrives()
    {
        var limits = new RtspLimits { MaxStartLineBytes = 64 };
        var line = "DESCRIBE rtsp://h/" + new string('a', 40);
        Assert.Equal(RtspParseError.None, ParseError(line, limits)); // 58 bytes, no LF yet: wait
        Assert.Equal(RtspParseError.StartLineTooLong, ParseError(line + new string('a', 6), limits)); // 64 bytes and no LF
        Assert.Equal(RtspParseError.None, ParseError("DESCRIBE rtsp://h/" + new string('a', 35) + " RTSP/1.0\r\nCSeq: 1\r\n\r\n", limits)); // 64 with CRLF: fine
        Assert.Equal(RtspParseError.StartLineTooLong, ParseError("DESCRIBE rtsp://h/" + new string('a', 36) + " RTSP/1.0\r\nCSeq: 1\r\n\r\n", limits));
        Assert.Equal(RtspParseError.StartLineTooLong, ParseError(new string('\n', 64), limits));
        Assert.Equal(RtspStatusCodes.RequestUriTooLarge, RtspParseError.StartLineTooLong.ToStatusCode());
    }

    [Fact]
    public void Default_limit_lets_a_long_camera_url_through_and_stops_a_huge_one()
    {
        var ok = "PLAY rtsp://192.0.2.1/" + new string('p', 8000) + " RTSP/1.0\r\nCSeq: 1\r\n\r\n";
        var buffer = RtspTestData.Sequence(ok);
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out _, out _));
        Assert.Equal(RtspParseError.StartLineTooLong, ParseError("PLAY rtsp://192.0.2.1/" + new string('p', 9000)));
    }

    [Fact]
    public void Headers_past_the_byte_limit_are_rejected_before_the_empty_line_arrives()
    {
        var limits = new RtspLimits { MaxHeaderBytes = 100 };
        var head = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Pad: " + new string('x', 84); // 100 header bytes, no line end yet
        Assert.Equal(RtspParseError.None, ParseError(head[..60], limits));
        Assert.Equal(RtspParseError.HeadersTooLarge, ParseError(head, limits));
        // Exactly at the limit (empty line included) is accepted.
        var exact = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: " + new string('x', 100 - 9 - 3 - 2 - 2) + "\r\n\r\n"; // CSeq line, "X: ", CRLF, empty line
        var buffer = RtspTestData.Sequence(exact);
        Assert.True(RtspParser.TryParseRequest(ref buffer, limits, out _, out _));
        Assert.Equal(RtspParseError.HeadersTooLarge, ParseError(exact.Replace("X: ", "X: y", StringComparison.Ordinal), limits));
    }

    [Fact]
    public void Default_header_limit_is_64_KiB()
    {
        Assert.Equal(64 * 1024, RtspLimits.Default.MaxHeaderBytes);
        var big = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: " + new string('x', 64 * 1024) + "\r\n\r\n";
        Assert.Equal(RtspParseError.HeadersTooLarge, ParseError(big));
        var fits = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: " + new string('x', 60 * 1024) + "\r\n\r\n";
        var buffer = RtspTestData.Sequence(fits);
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out _, out _));
    }

    [Fact]
    public void Too_many_header_lines_are_rejected_as_soon_as_they_pass_the_count()
    {
        var limits = new RtspLimits { MaxHeaderCount = 5 };
        var five = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n";
        Assert.Equal(RtspParseError.None, ParseError(five, limits));
        Assert.Equal(RtspParseError.TooManyHeaders, ParseError(five + "E: 5\r\n", limits)); // no empty line yet
        Assert.Equal(100, RtspLimits.Default.MaxHeaderCount);
    }

    [Fact]
    public void A_body_past_the_limit_is_rejected_from_its_content_length_alone()
    {
        var limits = new RtspLimits { MaxContentLength = 10 };
        Assert.Equal(RtspParseError.ContentTooLarge, ParseError("ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 11\r\n\r\n", limits));
        Assert.Equal(RtspParseError.None, ParseError("ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 10\r\n\r\n12345", limits));
        Assert.Equal(RtspParseError.ContentTooLarge, ParseError("ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 999999999999999999\r\n\r\n"));
        Assert.Equal(RtspStatusCodes.RequestEntityTooLarge, RtspParseError.ContentTooLarge.ToStatusCode());
    }

    [Theory]
    [InlineData("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", 200, "OK", 1)]
    [InlineData("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n", 401, "Unauthorized", 2)]
    [InlineData("RTSP/1.0 200\r\nCSeq: 3\r\n\r\n", 200, "", 3)]
    [InlineData("RTSP/1.0 454 Session Not Found\nCSeq: 4\n\n", 454, "Session Not Found", 4)]
    [InlineData("RTSP/2.0 200 OK\r\n\r\n", 200, "OK", null)]
    public void Responses_are_parsed(string text, int status, string reason, int? cseq)
    {
        var buffer = RtspTestData.Sequence(text);
        Assert.True(RtspParser.TryParseResponse(ref buffer, RtspLimits.Default, out var response, out _));
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(reason, response.ReasonPhrase);
        Assert.Equal(cseq, response.CSeq);
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("RTSP/1.0 20 OK\r\n\r\n", "InvalidStatusCode")]
    [InlineData("RTSP/1.0 2000 OK\r\n\r\n", "InvalidStatusCode")]
    [InlineData("RTSP/1.0 abc OK\r\n\r\n", "InvalidStatusCode")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", "UnsupportedVersion")]
    [InlineData("RTSP/1.0\r\n\r\n", "InvalidStartLine")]
    public void Malformed_responses_are_rejected(string text, string reason)
    {
        var expected = Enum.Parse<RtspParseError>(reason);
        var buffer = RtspTestData.Sequence(text);
        Assert.False(RtspParser.TryParseResponse(ref buffer, RtspLimits.Default, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Non_utf8_header_values_are_read_as_latin1()
    {
        var bytes = Encoding.ASCII.GetBytes("RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Cam\xE9ra\r\n\r\n".Replace("\xE9", "?", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xE9;
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(RtspParser.TryParseResponse(ref buffer, RtspLimits.Default, out var response, out _));
        Assert.Equal("Caméra", response.Headers[RtspHeaderNames.Server]);
        var utf8 = RtspTestData.Sequence("RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Caméra\r\n\r\n");
        Assert.True(RtspParser.TryParseResponse(ref utf8, RtspLimits.Default, out response, out _));
        Assert.Equal("Caméra", response.Headers[RtspHeaderNames.Server]);
    }

    [Fact]
    public void Random_bytes_never_throw_and_always_end_in_an_error_or_a_wait()
    {
        var random = new Random(20261124);
        var seeds = new[] { VlcPlayTcp, DescribeResponse, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n" }
            .Select(Encoding.ASCII.GetBytes)
            .Append(RtspTestData.Read("gstreamer-publish-tcp.bin")[..3000])
            .ToArray();
        var alphabet = "$\r\n: ;=,\"\t0123456789RTSP/1.0CSeqContent-Length"u8.ToArray();
        for (var round = 0; round < 3000; round++)
        {
            byte[] bytes;
            if (round % 3 == 0)
            {
                bytes = new byte[random.Next(0, 300)];
                random.NextBytes(bytes);
            }
            else
            {
                bytes = (byte[])seeds[random.Next(seeds.Length)].Clone();
                for (var m = random.Next(1, 12); m > 0; m--)
                {
                    bytes[random.Next(bytes.Length)] = random.Next(2) == 0 ? alphabet[random.Next(alphabet.Length)] : (byte)random.Next(256);
                }
            }

            var limits = new RtspLimits { MaxStartLineBytes = 512, MaxHeaderBytes = 1024, MaxHeaderCount = 20, MaxContentLength = 1024 };
            foreach (var buffer in new[] { new ReadOnlySequence<byte>(bytes), RtspTestData.Segmented(bytes, 5, 1, 13) })
            {
                DrainWithoutThrowing(buffer, limits, requests: round % 2 == 0);
            }
        }
    }

    private static void DrainWithoutThrowing(ReadOnlySequence<byte> buffer, RtspLimits limits, bool requests)
    {
        for (var steps = 0; steps < 10_000; steps++)
        {
            var before = buffer.Length;
            var kind = RtspParser.Classify(ref buffer);
            if (kind == RtspInputKind.NeedMoreData)
            {
                return;
            }

            if (kind == RtspInputKind.InterleavedFrame)
            {
                if (!RtspParser.TryParseInterleaved(ref buffer, out _, out var payload))
                {
                    return;
                }

                Assert.True(buffer.Length == before - 4 - payload.Length || before > buffer.Length);
                continue;
            }

            RtspParseError error;
            var parsed = requests
                ? RtspParser.TryParseRequest(ref buffer, limits, out _, out error)
                : RtspParser.TryParseResponse(ref buffer, limits, out _, out error);
            if (!parsed)
            {
                return; // need more (None) or a rejection: either way the loop ends
            }

            Assert.Equal(RtspParseError.None, error);
            Assert.True(buffer.Length < before);
        }

        Assert.Fail("The parser made no progress.");
    }

    private static RtspParseError ParseError(string text, RtspLimits? limits = null)
    {
        var buffer = RtspTestData.Sequence(text);
        var length = buffer.Length;
        RtspParser.TryParseRequest(ref buffer, limits ?? RtspLimits.Default, out _, out var error);
        if (error != RtspParseError.None)
        {
            Assert.Equal(length, buffer.Length); // a rejection consumes nothing either
        }

        return error;
    }

    internal sealed record Item(bool Interleaved, byte Channel, byte[] Payload, RtspRequest? Request)
    {
        public string? Method => Request?.Method;
    }

    internal static List<Item> ReadAll(ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> rest)
    {
        var items = new List<Item>();
        while (true)
        {
            switch (RtspParser.Classify(ref buffer))
            {
                case RtspInputKind.InterleavedFrame:
                    if (!RtspParser.TryParseInterleaved(ref buffer, out var channel, out var payload))
                    {
                        rest = buffer;
                        return items;
                    }

                    items.Add(new Item(true, channel, payload.ToArray(), null));
                    break;
                case RtspInputKind.Message:
                    if (!RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out var error))
                    {
                        Assert.Equal(RtspParseError.None, error);
                        rest = buffer;
                        return items;
                    }

                    items.Add(new Item(false, 0, [], request));
                    break;
                default:
                    rest = buffer;
                    return items;
            }
        }
    }
}
