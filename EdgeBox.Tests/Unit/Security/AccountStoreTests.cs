using EdgeBox.Security;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBox.Tests.Unit.Security;

public sealed class AccountStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _directory.Dispose();

    private AccountStore Store() => new(_directory.Path, _time);

    [Fact]
    public void First_run_setup_needs_the_code_and_happens_once()
    {
        var store = Store();
        string code = store.SetupCode()!;
        Assert.Matches("^[A-Z2-9]{5}-[A-Z2-9]{5}$", code);
        Assert.Equal(code, store.SetupCode()); // stable until used
        var wrong = Assert.Throws<AccountException>(() => store.CompleteSetup("AAAAA-AAAAA", "admin", "correct horse"));
        Assert.Equal(AccountError.Invalid, wrong.Error);
        Assert.False(store.HasUsers);

        var admin = store.CompleteSetup(code.ToLowerInvariant(), "admin", "correct horse");
        Assert.Equal("admin", admin.Role);
        Assert.False(File.Exists(store.SetupCodePath));
        Assert.Null(store.SetupCode());
        Assert.Equal(AccountError.Conflict, Assert.Throws<AccountException>(() => store.CompleteSetup(code, "evil", "correct horse")).Error);
    }

    [Fact]
    public void The_file_is_private_and_keeps_no_secret_in_clear()
    {
        var store = Store();
        store.AddUser("admin", Role.Admin, "correct horse", null, false);
        var (secret, _) = store.CreateToken("ci", Role.Operator, null, "admin", null);
        string session = store.CreateSession("admin", TimeSpan.FromHours(1));
        string text = File.ReadAllText(store.FilePath);
        Assert.DoesNotContain("correct horse", text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(session, text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
    }

    [Fact]
    public void Tokens_authenticate_until_revoked_or_expired()
    {
        var store = Store();
        var (secret, token) = store.CreateToken("ci", Role.Viewer, ["cam1"], "admin", _time.GetUtcNow().AddDays(1));
        Assert.StartsWith("ebx_" + token.Id + "_", secret, StringComparison.Ordinal);
        var principal = store.FromToken(secret)!;
        Assert.Equal((Role.Viewer, PrincipalKind.Token), (principal.Role, principal.Kind));
        Assert.False(principal.CanSee("cam2"));
        Assert.Null(store.FromToken(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(store.FromToken("ebx_"));
        Assert.Null(store.FromToken("ebx_" + token.Id));

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Null(store.FromToken(secret));

        var (other, otherToken) = store.CreateToken("ci2", Role.Admin, null, null, null);
        Assert.NotNull(store.FromToken(other));
        store.RevokeToken(otherToken.Id);
        Assert.Null(store.FromToken(other));
        Assert.Equal(AccountError.NotFound, Assert.Throws<AccountException>(() => store.RevokeToken(otherToken.Id)).Error);
    }

    [Fact]
    public void Another_process_change_is_seen_at_once()
    {
        var service = Store();
        Assert.False(service.HasUsers);
        var cli = Store(); // as `edgebox tokens create` would, on the same directory
        var (secret, _) = cli.CreateToken("script", Role.Operator, null, "cli", null);
        Assert.NotNull(service.FromToken(secret));
        cli.AddUser("bob", Role.Viewer, "password1", null, false);
        Assert.True(service.HasUsers);
    }

    [Fact]
    public void Sessions_end_at_logout_expiry_password_change_and_removal()
    {
        var store = Store();
        store.AddUser("admin", Role.Admin, "correct horse", null, false);
        store.AddUser("vera", Role.Viewer, "password1", ["cam1"], true);
        string a = store.CreateSession("vera", TimeSpan.FromHours(1));
        string b = store.CreateSession("vera", TimeSpan.FromHours(1));
        var principal = store.FromSession(a)!;
        Assert.True(principal.MustChangePassword);
        Assert.Equal(["cam1"], principal.Paths);

        store.UpdateUser("vera", null, null, false, "password2", mustChangePassword: false, keepSession: a);
        Assert.False(store.FromSession(a)!.MustChangePassword);
        Assert.Null(store.FromSession(b));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Null(store.FromSession(a));

        string c = store.CreateSession("vera", TimeSpan.FromHours(1));
        store.EndSession(c);
        Assert.Null(store.FromSession(c));

        string d = store.CreateSession("vera", TimeSpan.FromHours(1));
        store.RemoveUser("vera");
        Assert.Null(store.FromSession(d));
    }

    [Fact]
    public void The_last_admin_cannot_be_removed_or_demoted()
    {
        var store = Store();
        store.AddUser("root", Role.Admin, "correct horse", null, false);
        Assert.Equal(AccountError.Conflict, Assert.Throws<AccountException>(() => store.RemoveUser("root")).Error);
        Assert.Equal(AccountError.Conflict, Assert.Throws<AccountException>(() => store.UpdateUser("root", Role.Viewer, null, false, null, false)).Error);
        store.AddUser("second", Role.Admin, "correct horse", null, false);
        store.UpdateUser("root", Role.Viewer, null, false, null, false);
        Assert.Equal(AccountError.Conflict, Assert.Throws<AccountException>(() => store.RemoveUser("second")).Error);
    }

    [Theory]
    [InlineData("", "password1")]
    [InlineData("has space", "password1")]
    [InlineData("bob", "short")]
    public void Bad_names_and_passwords_are_refused(string name, string password) =>
        Assert.Equal(AccountError.Invalid, Assert.Throws<AccountException>(() => Store().AddUser(name, Role.Viewer, password, null, false)).Error);

    [Fact]
    public void Duplicate_names_conflict_and_passwords_check()
    {
        var store = Store();
        store.AddUser("bob", Role.Operator, "password1", null, false);
        Assert.Equal(AccountError.Conflict, Assert.Throws<AccountException>(() => store.AddUser("bob", Role.Viewer, "password2", null, false)).Error);
        Assert.NotNull(store.CheckPassword("bob", "password1"));
        Assert.Null(store.CheckPassword("bob", "password2"));
        Assert.Null(store.CheckPassword("nobody", "password1"));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("{\"version\": 99}")]
    public void An_unreadable_file_is_an_error_and_is_never_overwritten(string content)
    {
        var store = Store();
        File.WriteAllText(store.FilePath, content);
        Assert.Equal(AccountError.Storage, Assert.Throws<AccountException>(() => store.HasUsers).Error);
        Assert.Equal(AccountError.Storage, Assert.Throws<AccountException>(() => store.AddUser("bob", Role.Admin, "password1", null, false)).Error);
        Assert.Equal(content, File.ReadAllText(store.FilePath));
    }

    [Fact]
    public async Task Concurrent_changes_from_two_stores_lose_nothing()
    {
        var one = Store();
        var two = Store();
        await Task.WhenAll(
            Task.Run(() => Enumerable.Range(0, 20).ToList().ForEach(i => one.CreateToken("one" + i, Role.Viewer, null, null, null))),
            Task.Run(() => Enumerable.Range(0, 20).ToList().ForEach(i => two.CreateToken("two" + i, Role.Viewer, null, null, null))));
        Assert.Equal(40, Store().Current.Tokens.Count);
    }
}
