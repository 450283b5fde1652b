namespace EdgeBox.Security;

internal enum PrincipalKind
{
    User,
    Token,
    Anonymous,
}

/// <summary>Who is asking: a logged-in user, an API token or an anonymous client the config lets in.</summary>
internal sealed record Principal(string Name, Role Role, IReadOnlyList<string>? Paths, PrincipalKind Kind)
{
    /// <summary>A user whose password an admin set: the console asks for a new one first.</summary>
    public bool MustChangePassword { get; init; }

    /// <summary>Operators and admins see every path; viewers the ones they were given.</summary>
    public bool CanSee(string path) => Role >= Role.Operator || PathPermissions.Allows(Paths, path);

    public bool IsAtLeast(Role role) => Role >= role;
}
