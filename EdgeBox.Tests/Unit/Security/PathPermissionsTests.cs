using EdgeBox.Security;

namespace EdgeBox.Tests.Unit.Security;

public sealed class PathPermissionsTests
{
    [Theory]
    [InlineData("cam1", "cam1", true)]
    [InlineData("cam1", "cam10", false)]
    [InlineData("cam*", "cam10", true)]
    [InlineData("lobby/*", "lobby/door", true)]
    [InlineData("lobby/*", "lobby/door/left", false)]
    [InlineData("lobby/*", "lobby", false)]
    [InlineData("site-a/**", "site-a/door/left", true)]
    [InlineData("site-a/**", "site-a", true)]
    [InlineData("site-a/**", "site-ab/door", false)]
    [InlineData("*", "a/b", false)]
    [InlineData("*/*", "a/b", true)]
    [InlineData("", "", true)]
    public void Patterns_match_segment_by_segment(string pattern, string path, bool expected) =>
        Assert.Equal(expected, PathPermissions.Matches(pattern, path));

    [Fact]
    public void Null_allows_every_path_and_an_empty_list_none()
    {
        Assert.True(PathPermissions.Allows(null, "anything"));
        Assert.False(PathPermissions.Allows([], "anything"));
        Assert.True(PathPermissions.Allows(["x", "cam*"], "cam2"));
    }

    [Fact]
    public void Principals_above_viewer_see_every_path()
    {
        Assert.True(new Principal("op", Role.Operator, ["none"], PrincipalKind.User).CanSee("cam1"));
        Assert.False(new Principal("v", Role.Viewer, ["cam2"], PrincipalKind.User).CanSee("cam1"));
        Assert.True(new Principal("v", Role.Viewer, null, PrincipalKind.User).CanSee("cam1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("q?x")]
    [InlineData("tab\t")]
    public void Bad_patterns_are_named(string pattern) => Assert.NotNull(PathPermissions.Problem(pattern));
}
