namespace EdgeBox.Storage;

/// <summary>The database cannot be used and must not be replaced: the service cannot start.</summary>
internal sealed class StorageException : Exception
{
    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
