using System.Text.Json.Serialization;

namespace EdgeBox.Security;

/// <summary>The content of <c>&lt;data&gt;/accounts.json</c>. Snapshots are never changed in place: an update writes a new one.</summary>
internal sealed record AccountData
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public IReadOnlyList<UserRecord> Users { get; init; } = [];

    public IReadOnlyList<TokenRecord> Tokens { get; init; } = [];

    public IReadOnlyList<SessionRecord> Sessions { get; init; } = [];
}

internal sealed record UserRecord
{
    public required string Name { get; init; }

    public required string Role { get; init; }

    /// <summary>A <see cref="PasswordHasher"/> hash.</summary>
    public required string Password { get; init; }

    /// <summary>For viewers: the paths they may watch (null = all).</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    public DateTimeOffset Created { get; init; }

    /// <summary>Set for an account whose password someone else chose; the console asks for a new one at login.</summary>
    public bool MustChangePassword { get; init; }
}

internal sealed record TokenRecord
{
    /// <summary>The public part of the token (<c>ebx_ID_SECRET</c>), shown in lists and used to revoke it.</summary>
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Role { get; init; }

    /// <summary>SHA-256 of the whole token, hex. Tokens have 256 random bits, so a fast hash is enough.</summary>
    public required string Hash { get; init; }

    public IReadOnlyList<string>? Paths { get; init; }

    public DateTimeOffset Created { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset? Expires { get; init; }
}

internal sealed record SessionRecord
{
    /// <summary>SHA-256 of the cookie value, hex: a stolen accounts.json does not give live sessions away.</summary>
    public required string Hash { get; init; }

    public required string User { get; init; }

    public DateTimeOffset Created { get; init; }

    public DateTimeOffset Expires { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(AccountData))]
internal sealed partial class AccountJsonContext : JsonSerializerContext;
