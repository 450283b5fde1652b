namespace EdgeBox.Security;

internal enum AccountError
{
    Invalid,
    NotFound,
    Conflict,
    Storage,
}

/// <summary>A refused account operation, with a message meant for the person who asked.</summary>
internal sealed class AccountException(AccountError error, string message, Exception? inner = null) : Exception(message, inner)
{
    public AccountError Error { get; } = error;
}
