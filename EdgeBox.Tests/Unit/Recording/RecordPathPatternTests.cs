using EdgeBox.Recording;

namespace EdgeBox.Tests.Unit.Recording;

public sealed class RecordPathPatternTests
{
    private static readonly RecordPathPattern Default = new("recordings/%path/%Y-%m-%d/%H-%M-%S-%f.mp4");

    [Fact]
    public void The_default_pattern_expands_in_utc_and_reads_back()
    {
        var start = new DateTimeOffset(2026, 12, 4, 23, 59, 58, TimeSpan.FromHours(1)).AddTicks(1234560);
        string file = Default.Expand("lobby/door", start);
        Assert.Equal("recordings/lobby/door/2026-12-04/22-59-58-123456.mp4", file);
        Assert.True(Default.TryParse(file, out string path, out var back));
        Assert.Equal(("lobby/door", start), (path, back));
    }

    [Theory]
    [InlineData("recordings/cam1/2026-12-04/22-59-58.mp4")]
    [InlineData("recordings/cam1/2026-13-04/22-59-58-000000.mp4")]
    [InlineData("other/cam1/2026-12-04/22-59-58-000000.mp4")]
    [InlineData("recordings//2026-12-04/22-59-58-000000.mp4")]
    public void Files_that_do_not_fit_are_not_taken(string file) => Assert.False(Default.TryParse(file, out _, out _));

    [Fact]
    public void A_pattern_with_its_own_layout_and_regex_characters_works()
    {
        var pattern = new RecordPathPattern("rec (%path)/%Y%m%d+%H%M%S.mp4");
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        string file = pattern.Expand("cam.1", start);
        Assert.Equal("rec (cam.1)/20260102+030405.mp4", file);
        Assert.True(pattern.TryParse(file, out string path, out var back));
        Assert.Equal(("cam.1", start), (path, back));
    }

    [Theory]
    [InlineData("recordings/%path/%Y-%m-%d/%H-%M-%S-%f.mp4", "recordings")]
    [InlineData("a/b/c%path/%Y%m%d%H%M%S.mp4", "a/b")]
    [InlineData("%path/%Y%m%d%H%M%S.mp4", ".")]
    public void The_root_is_the_folder_before_the_first_field(string pattern, string root) =>
        Assert.Equal(root, new RecordPathPattern(pattern).Root);
}
