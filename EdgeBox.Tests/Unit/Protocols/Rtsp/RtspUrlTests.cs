using EdgeBox.Protocols.Rtsp;

namespace EdgeBox.Tests.Unit.Protocols.Rtsp;

public sealed class RtspUrlTests
{
    [Theory]
    [InlineData("rtsp://127.0.0.1:8554/cam1", false, "cam1")]
    [InlineData("rtsp://127.0.0.1:8554/live/cam1/", false, "live/cam1")]
    [InlineData("rtsp://127.0.0.1:8554/live/cam1/trackID=1", true, "live/cam1")]
    [InlineData("rtsp://127.0.0.1:8554/live/cam1/trackID=1", false, "live/cam1/trackID=1")]
    [InlineData("rtsp://host/a%20b", false, "a b")]
    [InlineData("/cam1?x=1", false, "cam1")]
    public void Path_names_are_read_from_request_urls(string url, bool stripControl, string expected)
    {
        Assert.True(RtspUrl.TryGetPath(url, stripControl, out string path));
        Assert.Equal(expected, path);
    }

    [Theory]
    [InlineData("rtsp://127.0.0.1:8554/")]
    [InlineData("http://127.0.0.1/cam1")]
    [InlineData("*")]
    [InlineData("")]
    [InlineData("rtsp://127.0.0.1:8554/trackID=0")]
    public void Urls_without_a_path_are_refused(string url) => Assert.False(RtspUrl.TryGetPath(url, true, out _));

    [Theory]
    [InlineData("rtsp://h/cam/trackID=1", 1)]
    [InlineData("rtsp://h/cam/trackID=0/", 0)]
    [InlineData("rtsp://h/cam/streamid=7", -1)]
    public void Track_index_comes_from_the_control(string url, int index) =>
        Assert.Equal(index, RtspTracks.IndexFromControl(url, ["rtsp://h/cam/a", "rtsp://h/cam/b"]));

    [Fact]
    public void Announced_controls_match_exactly_first() =>
        Assert.Equal(1, RtspTracks.IndexFromControl("rtsp://h/cam/streamid=1", ["rtsp://h/cam/streamid=0", "rtsp://h/cam/streamid=1"]));
}
