using EdgeBox.Configuration;
using EdgeBox.Security;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class AuthConfigTests
{
    [Fact]
    public void Defaults_require_a_login()
    {
        var auth = ConfigLoader.Load("").Config!.Auth;
        Assert.Equal(Role.None, auth.AnonymousRole);
        Assert.Empty(auth.AnonymousNetworks);
        Assert.Equal(TimeSpan.FromDays(7), auth.SessionLifetime);
        Assert.Equal((5, TimeSpan.FromMinutes(15)), (auth.MaxFailedLogins, auth.LockoutDuration));
    }

    [Fact]
    public void Every_key_is_read_and_written_back()
    {
        const string yaml = "auth: { anonymousRole: operator, anonymousNetworks: [10.0.0.0/8, '::1/128'], sessionLifetime: 12h, maxFailedLogins: 3, lockoutDuration: 5m }";
        var config = ConfigLoader.Load(yaml).Config!;
        Assert.Equal(Role.Operator, config.Auth.AnonymousRole);
        Assert.Equal(["10.0.0.0/8", "::1/128"], config.Auth.AnonymousNetworks);
        var again = ConfigLoader.Load(ConfigWriter.Write(config));
        Assert.True(again.IsValid, string.Join("\n", again.Errors));
        Assert.Equal(config.Auth, again.Config!.Auth);
        Assert.Empty(ConfigDiff.Compute(config, again.Config));
        Assert.Equal(["auth changed"], ConfigDiff.Compute(ConfigLoader.Load("").Config!, config).Select(ConfigManager.Describe));
        Assert.False(ConfigDiff.Compute(ConfigLoader.Load("").Config!, config)[0].RequiresRestart);
    }

    [Theory]
    [InlineData("auth: { anonymousRole: root }", "auth.anonymousRole")]
    [InlineData("auth: { anonymousRole: admin }", "auth.anonymousRole")]
    [InlineData("auth: { anonymousNetworks: [10.0.0.300/8] }", "auth.anonymousNetworks[0]")]
    [InlineData("auth: { anonymousNetworks: [everyone] }", "auth.anonymousNetworks[0]")]
    [InlineData("auth: { sessionLifetime: 10s }", "auth.sessionLifetime")]
    [InlineData("auth: { maxFailedLogins: 0 }", "auth.maxFailedLogins")]
    [InlineData("auth: { lockoutDuration: 2d }", "auth.lockoutDuration")]
    [InlineData("auth: { password: x }", "auth.password")]
    public void Bad_values_name_their_key(string yaml, string key)
    {
        var result = ConfigLoader.Load(yaml);
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == key);
    }

    [Fact]
    public void An_anonymous_viewer_may_come_from_anywhere() =>
        Assert.True(ConfigLoader.Load("auth: { anonymousRole: viewer }").IsValid);

    [Fact]
    public void Environment_variables_set_the_keys()
    {
        var result = ConfigLoader.Load("", new Dictionary<string, string>
        {
            ["EDGEBOX_AUTH_ANONYMOUSROLE"] = "admin",
            ["EDGEBOX_AUTH_ANONYMOUSNETWORKS"] = "127.0.0.0/8,::1/128",
        });
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(Role.Admin, result.Config!.Auth.AnonymousRole);
        Assert.Equal(2, result.Config.Auth.AnonymousNetworks.Count);
    }
}
