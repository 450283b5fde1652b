using System.Buffers;
using System.Text;
using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

public sealed class RtspWriterTests
{
    [Fact]
    public void Setup_response_is_written_byte_for_byte()
    {
        var response = new RtspResponse(RtspStatusCodes.Ok, 3).WithSession("a1b2c3d4", 60);
        response.Headers.Add(RtspHeaderNames.Transport, "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record");

        Assert.Equal(
            "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: a1b2c3d4;timeout=60\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record\r\n\r\n",
            Write(w => RtspWriter.WriteResponse(w, response)));
    }

    [Fact]
    public void Describe_response_gets_content_length_from_its_body()
    {
        var sdp = "v=0\r\ns=x\r\n"u8.ToArray();
        var response = new RtspResponse(RtspStatusCodes.Ok, 2) { Body = sdp };
        response.Headers.Add(RtspHeaderNames.ContentBase, "rtsp://127.0.0.1:8554/cam/").Add(RtspHeaderNames.ContentType, "application/sdp");
        response.Headers.Add(RtspHeaderNames.ContentLength, "999"); // ignored: the body decides

        Assert.Equal(
            "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://127.0.0.1:8554/cam/\r\nContent-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\ns=x\r\n",
            Write(w => RtspWriter.WriteResponse(w, response)));
    }

    [Fact]
    public void Error_response_uses_the_standard_reason_phrase()
    {
        Assert.Equal("RTSP/1.0 454 Session Not Found\r\nCSeq: 7\r\n\r\n", Write(w => RtspWriter.WriteResponse(w, new RtspResponse(454, 7))));
        Assert.Equal("RTSP/1.0 400 Bad Request\r\n\r\n", Write(w => RtspWriter.WriteResponse(w, new RtspResponse(400, null))));
        Assert.Equal("Unsupported Transport", RtspStatusCodes.ReasonPhrase(461));
    }

    [Fact]
    public void Written_request_parses_back_to_the_same_request()
    {
        var request = new RtspRequest(RtspMethods.Announce, "rtsp://127.0.0.1:8554/cam", 2) { Body = "v=0\r\n"u8.ToArray() };
        request.Headers.Add(RtspHeaderNames.ContentType, "application/sdp").Add(RtspHeaderNames.UserAgent, "EdgeBox");
        var text = Write(w => RtspWriter.WriteRequest(w, request));
        Assert.Equal("ANNOUNCE rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nUser-Agent: EdgeBox\r\nContent-Length: 5\r\n\r\nv=0\r\n", text);

        var buffer = RtspTestData.Sequence(text);
        Assert.True(RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var parsed, out _));
        Assert.Equal(request.Method, parsed.Method);
        Assert.Equal(request.Uri, parsed.Uri);
        Assert.Equal(request.CSeq, parsed.CSeq);
        Assert.Equal(request.Headers, parsed.Headers);
        Assert.Equal(request.Body.ToArray(), parsed.Body.ToArray());
    }

    [Fact]
    public void Every_captured_request_writes_back_byte_for_byte_when_its_headers_are_in_canonical_order()
    {
        // ffmpeg puts CSeq after some headers, so compare after moving it to the front, as the writer does.
        var bytes = RtspTestData.Read("ffmpeg-read-tcp.bin");
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (RtspParser.TryParseRequest(ref buffer, RtspLimits.Default, out var request, out _))
        {
            var written = Write(w => RtspWriter.WriteRequest(w, request));
            var again = RtspTestData.Sequence(written);
            Assert.True(RtspParser.TryParseRequest(ref again, RtspLimits.Default, out var reparsed, out _));
            Assert.Equal(written, Write(w => RtspWriter.WriteRequest(w, reparsed)));
            Assert.StartsWith(request.Method + " " + request.Uri + " RTSP/1.0\r\nCSeq: " + request.CSeq + "\r\n", written, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Interleaved_frame_is_dollar_channel_length_payload()
    {
        var output = new ArrayBufferWriter<byte>();
        RtspWriter.WriteInterleaved(output, 3, [1, 2, 3, 4, 5]);
        Assert.Equal(new byte[] { 0x24, 3, 0, 5, 1, 2, 3, 4, 5 }, output.WrittenSpan.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => RtspWriter.WriteInterleaved(new ArrayBufferWriter<byte>(), 0, new byte[65536]));
    }

    [Fact]
    public void Headers_that_would_break_the_framing_are_refused()
    {
        var headers = new RtspHeaders();
        Assert.Throws<ArgumentException>(() => headers.Add("Session", "1\r\nX-Injected: yes"));
        Assert.Throws<ArgumentException>(() => headers.Add("Bad Name", "x"));
        Assert.Throws<ArgumentException>(() => headers.Add("", "x"));
        Assert.Throws<ArgumentException>(() => RtspWriter.WriteRequest(new ArrayBufferWriter<byte>(), new RtspRequest("PLAY", "rtsp://h/a b", 1)));
    }

    [Fact]
    public void Set_replaces_all_values_of_a_name_in_place()
    {
        var headers = new RtspHeaders().Add("A", "1").Add("b", "2").Add("B", "3").Add("C", "4");
        headers.Set("B", "x");
        Assert.Equal(["A", "B", "C"], headers.Select(h => h.Key));
        Assert.Equal("x", headers["b"]);
        Assert.Equal(1, headers.Remove("a"));
    }

    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
