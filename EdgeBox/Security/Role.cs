namespace EdgeBox.Security;

/// <summary>
/// What an account may do, each role including the ones below it: <c>viewer</c> watches live and
/// recorded video of its permitted paths; <c>operator</c> also manages paths, recordings, events and
/// models; <c>admin</c> also manages accounts, tokens and the whole configuration.
/// </summary>
internal enum Role
{
    None = 0,
    Viewer = 1,
    Operator = 2,
    Admin = 3,
}

internal static class Roles
{
    public static readonly string[] Names = ["viewer", "operator", "admin"];

    public static string Name(Role role) => role switch
    {
        Role.Viewer => "viewer",
        Role.Operator => "operator",
        Role.Admin => "admin",
        _ => "none",
    };

    public static bool TryParse(string? text, out Role role)
    {
        role = text switch
        {
            "viewer" => Role.Viewer,
            "operator" => Role.Operator,
            "admin" => Role.Admin,
            _ => Role.None,
        };
        return role != Role.None;
    }
}
