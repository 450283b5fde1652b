using System.CommandLine;
using EdgeBox.Configuration;
using EdgeBox.Security;

namespace EdgeBox.Hosting;

/// <summary>
/// <c>edgebox users add|list|remove|passwd</c> and <c>edgebox tokens create|list|revoke</c>: accounts in a
/// data directory, for provisioning and automation. They work whether the service runs or not (see
/// <see cref="AccountStore"/>); a running service sees the change on its next request.
/// </summary>
internal static class AccountsCommands
{
    public static Command Users(TextWriter stdout, TextWriter stderr)
    {
        var addData = Data();
        var name = new Argument<string>("NAME") { Description = "User name: letters, digits, '.', '_', '-', '@'" };
        var role = RoleOption();
        var passwordFile = PasswordFileOption(required: true);
        var paths = PathsOption();
        var mustChange = new Option<bool>("--must-change") { Description = "Ask for a new password at the first console login" };
        var add = new Command("add", "Add a user") { name, role, passwordFile, paths, mustChange, addData };
        add.SetAction(parse => Run(stderr, () =>
        {
            string password = ReadPassword(parse.GetValue(passwordFile)!);
            var user = Store(parse.GetValue(addData)).AddUser(parse.GetValue(name)!, Parse(parse.GetValue(role)!), password,
                SplitPaths(parse.GetValue(paths)), parse.GetValue(mustChange));
            stdout.WriteLine($"added {user.Role} {user.Name}" + (user.Paths is null ? "" : $" (paths: {string.Join(", ", user.Paths)})"));
        }));

        var listData = Data();
        var list = new Command("list", "List users") { listData };
        list.SetAction(parse => Run(stderr, () =>
        {
            var users = Store(parse.GetValue(listData)).Current.Users;
            if (users.Count == 0)
            {
                stdout.WriteLine("no users (add one with: edgebox users add NAME --role admin --password-file FILE)");
            }

            foreach (var user in users.OrderBy(u => u.Name, StringComparer.Ordinal))
            {
                stdout.WriteLine($"{user.Name}\t{user.Role}\t{(user.Paths is null ? "all paths" : string.Join(",", user.Paths))}\t{user.Created:yyyy-MM-dd HH:mm:ss}Z"
                    + (user.MustChangePassword ? "\tmust change password" : ""));
            }
        }));

        var removeData = Data();
        var removeName = new Argument<string>("NAME") { Description = "The user to remove" };
        var remove = new Command("remove", "Remove a user and end their sessions") { removeName, removeData };
        remove.SetAction(parse => Run(stderr, () =>
        {
            Store(parse.GetValue(removeData)).RemoveUser(parse.GetValue(removeName)!);
            stdout.WriteLine($"removed {parse.GetValue(removeName)}");
        }));

        var passwdData = Data();
        var passwdName = new Argument<string>("NAME") { Description = "The user whose password to set" };
        var passwdFile = PasswordFileOption(required: true);
        var passwd = new Command("passwd", "Set a user's password (ends their sessions)") { passwdName, passwdFile, passwdData };
        passwd.SetAction(parse => Run(stderr, () =>
        {
            Store(parse.GetValue(passwdData)).UpdateUser(parse.GetValue(passwdName)!, null, null, false, ReadPassword(parse.GetValue(passwdFile)!), mustChangePassword: false);
            stdout.WriteLine($"password of {parse.GetValue(passwdName)} changed");
        }));

        return new Command("users", "Manage console and API users in the data directory") { add, list, remove, passwd };
    }

    public static Command Tokens(TextWriter stdout, TextWriter stderr)
    {
        var createData = Data();
        var name = new Argument<string>("NAME") { Description = "What the token is for (shown in lists)" };
        var role = RoleOption();
        var paths = PathsOption();
        var days = new Option<int?>("--expires-days") { Description = "Days until the token stops working (default: never)" };
        var create = new Command("create", "Create an API token and print it once") { name, role, paths, days, createData };
        create.SetAction(parse => Run(stderr, () =>
        {
            int? expiresDays = parse.GetValue(days);
            if (expiresDays is <= 0 or > 3650)
            {
                throw new AccountException(AccountError.Invalid, "--expires-days is from 1 to 3650");
            }

            DateTimeOffset? expires = expiresDays is { } d ? TimeProvider.System.GetUtcNow().AddDays(d) : null;
            var (secret, token) = Store(parse.GetValue(createData)).CreateToken(parse.GetValue(name)!, Parse(parse.GetValue(role)!),
                SplitPaths(parse.GetValue(paths)), "cli", expires);
            stdout.WriteLine(secret);
            stderr.WriteLine($"created {token.Role} token {token.Id} '{token.Name}'; it is shown only now: send it as 'Authorization: Bearer <token>'");
        }));

        var listData = Data();
        var list = new Command("list", "List API tokens (not their secrets)") { listData };
        list.SetAction(parse => Run(stderr, () =>
        {
            var tokens = Store(parse.GetValue(listData)).Current.Tokens;
            if (tokens.Count == 0)
            {
                stdout.WriteLine("no tokens (create one with: edgebox tokens create NAME --role operator)");
            }

            foreach (var token in tokens)
            {
                stdout.WriteLine($"{token.Id}\t{token.Name}\t{token.Role}\t{(token.Paths is null ? "all paths" : string.Join(",", token.Paths))}\t"
                    + $"{token.Created:yyyy-MM-dd HH:mm:ss}Z\t{(token.Expires is { } e ? $"expires {e:yyyy-MM-dd HH:mm:ss}Z" : "no expiry")}");
            }
        }));

        var revokeData = Data();
        var id = new Argument<string>("ID") { Description = "The token's id (from 'edgebox tokens list')" };
        var revoke = new Command("revoke", "Revoke an API token") { id, revokeData };
        revoke.SetAction(parse => Run(stderr, () =>
        {
            Store(parse.GetValue(revokeData)).RevokeToken(parse.GetValue(id)!);
            stdout.WriteLine($"revoked {parse.GetValue(id)}");
        }));

        return new Command("tokens", "Manage API tokens in the data directory") { create, list, revoke };
    }

    private static Option<string> Data() => new("--data", "-d") { Description = "Data directory (default: ./data)" };

    private static Option<string> RoleOption()
    {
        var role = new Option<string>("--role", "-r") { Description = string.Join(" | ", Roles.Names), Required = true };
        role.AcceptOnlyFromAmong(Roles.Names);
        return role;
    }

    private static Option<string> PasswordFileOption(bool required) =>
        new("--password-file", "-p")
        {
            Description = "File whose first line is the password ('-' reads standard input); never on the command line, where 'ps' shows it",
            Required = required,
        };

    private static Option<string> PathsOption() =>
        new("--paths") { Description = "Comma-separated paths (or patterns: lobby/*, site-a/**) a viewer may watch (default: all)" };

    private static AccountStore Store(string? data) => new(data ?? new EdgeBoxConfig().Data, TimeProvider.System);

    private static Role Parse(string role) => Roles.TryParse(role, out var parsed) ? parsed : throw new AccountException(AccountError.Invalid, "unknown role " + role);

    private static List<string>? SplitPaths(string? paths) =>
        paths is null ? null : [.. paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string ReadPassword(string file)
    {
        string text = file == "-" ? Console.In.ReadLine() ?? "" : File.ReadLines(file).FirstOrDefault() ?? "";
        return text.TrimEnd('\r', '\n');
    }

    private static int Run(TextWriter stderr, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception ex) when (ex is AccountException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("edgebox: " + ex.Message);
            return 1;
        }
    }
}
