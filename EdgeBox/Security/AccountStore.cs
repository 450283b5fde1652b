using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeBox.Security;

/// <summary>
/// Users, API tokens and console sessions in <c>&lt;data&gt;/accounts.json</c> (mode 0600). A plain file,
/// not the LiteDB database, because <c>edgebox users</c> and <c>edgebox tokens</c> must work while the
/// service runs and holds the database open: every change takes an exclusive lock on
/// <c>accounts.lock</c>, re-reads the file, and replaces it atomically (write, fsync, rename); readers
/// notice a changed file by its time stamp and size and reload it, so a token created from the
/// command line works at once. A file that cannot be read is never replaced: logins fail with a
/// clear error until it is fixed, rather than losing accounts or reopening first-run setup.
/// </summary>
internal sealed class AccountStore
{
    public const string FileName = "accounts.json";
    public const string SetupCodeFile = "setup-code";
    public const string TokenPrefix = "ebx_";
    private const string LockName = "accounts.lock";

    /// <summary>Longest wait for another process's change (changes take milliseconds; PBKDF2 is done outside the lock).</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private AccountData _data = new();
    private (DateTime Written, long Length) _stamp = (DateTime.MinValue, -1);
    private Dictionary<string, SessionRecord> _sessions = new(StringComparer.Ordinal);

    public AccountStore(string dataDirectory, TimeProvider time)
    {
        Directory = dataDirectory;
        FilePath = Path.Combine(dataDirectory, FileName);
        _time = time;
    }

    public string Directory { get; }

    public string FilePath { get; }

    public string SetupCodePath => Path.Combine(Directory, SetupCodeFile);

    /// <summary>The accounts as they are on disk now.</summary>
    public AccountData Current
    {
        get
        {
            lock (_gate)
            {
                Refresh();
                return _data;
            }
        }
    }

    public bool HasUsers => Current.Users.Count > 0;

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');

    /// <summary>
    /// The one-time code that lets the first visitor create the administrator, created on first use
    /// and kept until an account exists; null once there are users.
    /// </summary>
    public string? SetupCode()
    {
        if (HasUsers)
        {
            return null;
        }

        using var held = Lock();
        if (File.Exists(SetupCodePath) && File.ReadAllText(SetupCodePath).Trim() is { Length: >= 8 } existing)
        {
            return existing;
        }

        // 10 characters from 32 symbols: 50 bits, typed once, and tried against a login-rate limit.
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        string code = string.Create(11, 0, (span, _) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = i == 5 ? '-' : alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
        WritePrivate(SetupCodePath, code + "\n");
        return code;
    }

    /// <summary>Creates the first administrator with the setup code; refused once any account exists.</summary>
    public UserRecord CompleteSetup(string code, string name, string password)
    {
        CheckNewUser(name, password);
        string hash = PasswordHasher.Hash(password);
        var user = Change(data =>
        {
            if (data.Users.Count > 0)
            {
                throw new AccountException(AccountError.Conflict, "set-up is done: an administrator exists; log in instead");
            }

            string expected = File.Exists(SetupCodePath) ? File.ReadAllText(SetupCodePath).Trim() : "";
            if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(code.Trim().ToUpperInvariant())))
            {
                throw new AccountException(AccountError.Invalid, "the setup code is wrong (it is in the service log and in " + SetupCodePath + ")");
            }

            var admin = new UserRecord { Name = name, Role = Roles.Name(Role.Admin), Password = hash, Created = _time.GetUtcNow() };
            return (data with { Users = [admin] }, admin);
        });
        File.Delete(SetupCodePath);
        return user;
    }

    public UserRecord AddUser(string name, Role role, string password, IReadOnlyList<string>? paths, bool mustChangePassword)
    {
        CheckNewUser(name, password);
        CheckPaths(paths);
        string hash = PasswordHasher.Hash(password);
        var user = Change(data =>
        {
            if (data.Users.Any(u => u.Name == name))
            {
                throw new AccountException(AccountError.Conflict, $"a user '{name}' exists");
            }

            var added = new UserRecord
            {
                Name = name, Role = Roles.Name(role), Password = hash, Paths = paths, Created = _time.GetUtcNow(), MustChangePassword = mustChangePassword,
            };
            return (data with { Users = [.. data.Users, added] }, added);
        });
        File.Delete(SetupCodePath); // provisioning from the command line ends first-run set-up too
        return user;
    }

    /// <summary>Changes a user's role, paths and/or password; a new password ends the user's other sessions.</summary>
    public UserRecord UpdateUser(string name, Role? role, IReadOnlyList<string>? paths, bool setPaths, string? password, bool mustChangePassword,
        string? keepSession = null)
    {
        if (password is not null && PasswordHasher.Problem(password) is { } problem)
        {
            throw new AccountException(AccountError.Invalid, problem);
        }

        CheckPaths(paths);
        string? hash = password is null ? null : PasswordHasher.Hash(password);
        string? keep = keepSession is null ? null : HashSecret(keepSession);
        return Change(data =>
        {
            var user = data.Users.FirstOrDefault(u => u.Name == name) ?? throw new AccountException(AccountError.NotFound, $"no user '{name}'");
            if (role is { } newRole && newRole != Role.Admin && user.Role == Roles.Name(Role.Admin) && AdminCount(data) == 1)
            {
                throw new AccountException(AccountError.Conflict, $"'{name}' is the only admin; make another user admin first");
            }

            var changed = user with
            {
                Role = role is { } r ? Roles.Name(r) : user.Role,
                Paths = setPaths ? paths : user.Paths,
                Password = hash ?? user.Password,
                MustChangePassword = hash is not null ? mustChangePassword : user.MustChangePassword,
            };
            var sessions = hash is null ? data.Sessions : data.Sessions.Where(s => s.User != name || s.Hash == keep).ToList();
            return (data with { Users = data.Users.Select(u => u.Name == name ? changed : u).ToList(), Sessions = sessions }, changed);
        });
    }

    public void RemoveUser(string name) =>
        Change(data =>
        {
            var user = data.Users.FirstOrDefault(u => u.Name == name) ?? throw new AccountException(AccountError.NotFound, $"no user '{name}'");
            if (user.Role == Roles.Name(Role.Admin) && AdminCount(data) == 1)
            {
                throw new AccountException(AccountError.Conflict, $"'{name}' is the only admin; the box would have no one to manage it");
            }

            return (data with { Users = data.Users.Where(u => u.Name != name).ToList(), Sessions = data.Sessions.Where(s => s.User != name).ToList() }, 0);
        });

    /// <summary>The user when the password is right; null otherwise (unknown users cost the same PBKDF2 time).</summary>
    public UserRecord? CheckPassword(string name, string password)
    {
        var user = Current.Users.FirstOrDefault(u => u.Name == name);
        bool ok = PasswordHasher.Verify(password, user?.Password ?? DummyHash.Value);
        return ok && user is not null ? user : null;
    }

    /// <summary>Creates an API token; the secret is returned here once and only its hash is kept.</summary>
    public (string Secret, TokenRecord Token) CreateToken(string name, Role role, IReadOnlyList<string>? paths, string? createdBy, DateTimeOffset? expires)
    {
        if (name.Length is 0 or > 64 || name.Any(char.IsControl))
        {
            throw new AccountException(AccountError.Invalid, "a token name has 1 to 64 printable characters");
        }

        if (role == Role.None)
        {
            throw new AccountException(AccountError.Invalid, "a token needs a role: " + string.Join(", ", Roles.Names));
        }

        CheckPaths(paths);
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        string secret = TokenPrefix + id + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new TokenRecord
        {
            Id = id, Name = name, Role = Roles.Name(role), Hash = HashSecret(secret), Paths = paths, Created = _time.GetUtcNow(),
            CreatedBy = createdBy, Expires = expires,
        };
        Change(data => (data with { Tokens = [.. data.Tokens, token] }, 0));
        return (secret, token);
    }

    public void RevokeToken(string id) =>
        Change(data => data.Tokens.Any(t => t.Id == id)
            ? (data with { Tokens = data.Tokens.Where(t => t.Id != id).ToList() }, 0)
            : throw new AccountException(AccountError.NotFound, $"no token '{id}'"));

    /// <summary>The principal of a bearer token, or null for an unknown, revoked or expired one.</summary>
    public Principal? FromToken(string secret)
    {
        if (!secret.StartsWith(TokenPrefix, StringComparison.Ordinal) || secret.Length > 128)
        {
            return null;
        }

        int end = secret.IndexOf('_', TokenPrefix.Length);
        string id = end > 0 ? secret[TokenPrefix.Length..end] : "";
        var token = Current.Tokens.FirstOrDefault(t => t.Id == id);
        if (token is null || !FixedTimeEqualsHex(token.Hash, HashSecret(secret)) || token.Expires <= _time.GetUtcNow()
            || !Roles.TryParse(token.Role, out var role))
        {
            return null;
        }

        return new Principal(token.Name, role, token.Paths, PrincipalKind.Token);
    }

    /// <summary>Starts a console session; returns the cookie value (only its hash is stored).</summary>
    public string CreateSession(string user, TimeSpan lifetime)
    {
        string secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = _time.GetUtcNow();
        var session = new SessionRecord { Hash = HashSecret(secret), User = user, Created = now, Expires = now + lifetime };
        Change(data => (data with { Sessions = [.. data.Sessions.Where(s => s.Expires > now), session] }, 0));
        return secret;
    }

    public Principal? FromSession(string secret)
    {
        if (secret.Length is 0 or > 128)
        {
            return null;
        }

        SessionRecord? session;
        AccountData data;
        lock (_gate)
        {
            Refresh();
            data = _data;
            _sessions.TryGetValue(HashSecret(secret), out session);
        }

        if (session is null || session.Expires <= _time.GetUtcNow() || data.Users.FirstOrDefault(u => u.Name == session.User) is not { } user
            || !Roles.TryParse(user.Role, out var role))
        {
            return null;
        }

        return new Principal(user.Name, role, role == Role.Viewer ? user.Paths : null, PrincipalKind.User) { MustChangePassword = user.MustChangePassword };
    }

    public void EndSession(string secret)
    {
        string hash = HashSecret(secret);
        Change(data => (data with { Sessions = data.Sessions.Where(s => s.Hash != hash).ToList() }, 0));
    }

    public static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static bool FixedTimeEqualsHex(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static int AdminCount(AccountData data) => data.Users.Count(u => u.Role == Roles.Name(Role.Admin));

    private static void CheckNewUser(string name, string password)
    {
        if (!IsValidName(name))
        {
            throw new AccountException(AccountError.Invalid, "a user name has 1 to 64 letters, digits, '.', '_', '-' or '@'");
        }

        if (PasswordHasher.Problem(password) is { } problem)
        {
            throw new AccountException(AccountError.Invalid, problem);
        }
    }

    private static void CheckPaths(IReadOnlyList<string>? paths)
    {
        if (paths is null)
        {
            return;
        }

        if (paths.Count > PathPermissions.MaxPatterns)
        {
            throw new AccountException(AccountError.Invalid, $"at most {PathPermissions.MaxPatterns} path patterns");
        }

        if (paths.Select(PathPermissions.Problem).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new AccountException(AccountError.Invalid, problem);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the file's latest content under the cross-process lock and saves it.</summary>
    private T Change<T>(Func<AccountData, (AccountData Data, T Result)> change)
    {
        using var held = Lock();
        lock (_gate)
        {
            _stamp = (DateTime.MinValue, -1); // always re-read under the lock
            Refresh();
            var (data, result) = change(_data);
            Save(data);
            return result;
        }
    }

    private void Save(AccountData data)
    {
        string json = JsonSerializer.Serialize(data, AccountJsonContext.Default.AccountData);
        WritePrivate(FilePath, json);
        Load(data);
        var info = new FileInfo(FilePath);
        _stamp = (info.LastWriteTimeUtc, info.Length);
    }

    /// <summary>Re-reads the file when its time stamp or size changed. Call with <see cref="_gate"/> held.</summary>
    private void Refresh()
    {
        var info = new FileInfo(FilePath);
        if (!info.Exists)
        {
            if (_stamp.Length != 0)
            {
                Load(new AccountData());
                _stamp = (DateTime.MinValue, 0);
            }

            return;
        }

        var stamp = (info.LastWriteTimeUtc, info.Length);
        if (stamp == _stamp)
        {
            return;
        }

        AccountData? data;
        try
        {
            data = JsonSerializer.Deserialize(File.ReadAllText(FilePath), AccountJsonContext.Default.AccountData);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new AccountException(AccountError.Storage, $"{FilePath} cannot be read ({ex.Message}); fix or restore it: accounts are not changed while it is unreadable", ex);
        }

        if (data is null || data.Version > AccountData.CurrentVersion)
        {
            throw new AccountException(AccountError.Storage, $"{FilePath} is empty or was written by a newer EdgeBox");
        }

        Load(data);
        _stamp = stamp;
    }

    private void Load(AccountData data)
    {
        _data = data;
        _sessions = data.Sessions.ToDictionary(s => s.Hash, StringComparer.Ordinal);
    }

    private FileStream Lock()
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = Path.Combine(Directory, LockName);
        long deadline = _time.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (_time.GetElapsedTime(deadline) < LockTimeout)
            {
                Thread.Sleep(20); // another process is writing; changes take milliseconds
            }
            catch (IOException ex)
            {
                throw new AccountException(AccountError.Storage, $"{path} stayed locked for {LockTimeout.TotalSeconds:0} s: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Writes a file only its owner can read, atomically: temporary file (0600 from the start), fsync, rename.</summary>
    private static void WritePrivate(string path, string text) =>
        Infrastructure.SmallFile.WriteAtomically(path, Encoding.UTF8.GetBytes(text), UnixFileMode.UserRead | UnixFileMode.UserWrite);

    /// <summary>Verified against for unknown user names so their logins take as long as real ones.</summary>
    private static class DummyHash
    {
        public static readonly string Value = PasswordHasher.Hash("not a password of anyone");
    }
}
