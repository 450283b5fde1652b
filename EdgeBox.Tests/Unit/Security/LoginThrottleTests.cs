using System.Net;
using EdgeBox.Security;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Security;

public sealed class LoginThrottleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    [Fact]
    public void The_fifth_failure_locks_the_name_for_the_lockout_window()
    {
        var throttle = new LoginThrottle(_time) { MaxFailures = 5, Lockout = TimeSpan.FromMinutes(15) };
        for (int i = 1; i <= 4; i++)
        {
            Assert.False(throttle.Failed("admin", Client));
            Assert.Null(throttle.LockedUntil("admin", Client));
        }

        Assert.True(throttle.Failed("admin", Client));
        Assert.Equal(_time.GetUtcNow().AddMinutes(15), throttle.LockedUntil("admin", IPAddress.Parse("198.51.100.1")));
        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(throttle.LockedUntil("admin", Client));
    }

    [Fact]
    public void Failures_spread_over_more_than_the_window_do_not_add_up()
    {
        var throttle = new LoginThrottle(_time) { MaxFailures = 3, Lockout = TimeSpan.FromMinutes(1) };
        throttle.Failed("a", null);
        throttle.Failed("a", null);
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(throttle.Failed("a", null));
        Assert.Null(throttle.LockedUntil("a", null));
    }

    [Fact]
    public void A_success_clears_the_name_but_not_the_address()
    {
        var throttle = new LoginThrottle(_time) { MaxFailures = 2 };
        throttle.Failed("a", Client);
        throttle.Succeeded("a");
        Assert.False(throttle.Failed("a", Client));
        Assert.Null(throttle.LockedUntil("a", Client));
    }

    [Fact]
    public void One_address_trying_many_names_is_locked_at_four_times_the_allowance()
    {
        var throttle = new LoginThrottle(_time) { MaxFailures = 2 };
        for (int i = 0; i < 7; i++)
        {
            throttle.Failed("user" + i, Client);
        }

        Assert.Null(throttle.LockedUntil("fresh", Client));
        throttle.Failed("user7", Client);
        Assert.NotNull(throttle.LockedUntil("fresh", Client));
        Assert.Null(throttle.LockedUntil("fresh", IPAddress.Parse("192.0.2.11")));
    }

    [Fact]
    public void Memory_stays_bounded_under_a_spray_of_names()
    {
        var throttle = new LoginThrottle(_time);
        for (int i = 0; i < LoginThrottle.MaxEntries * 2; i++)
        {
            throttle.Failed("spray" + i, null);
        }

        Assert.Null(throttle.LockedUntil("spray0", null)); // dropped, not kept forever
    }
}
