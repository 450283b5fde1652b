namespace EdgeBox.Configuration;

/// <summary>One validation error: the YAML path of the key, its line (0 when unknown) and what is wrong.</summary>
internal sealed record ConfigError(string Path, int Line, string Message)
{
    /// <summary>Environment variable that supplied the value, when one did.</summary>
    public string? EnvSource { get; init; }

    public static string Join(string parent, string key) => parent.Length == 0 ? key : parent + "." + key;

    /// <summary>The form <c>edgebox config check</c> prints: <c>path.to.key (line N): message</c>.</summary>
    public override string ToString()
    {
        string where = EnvSource is not null ? $" (env {EnvSource})" : Line > 0 ? $" (line {Line})" : "";
        string path = Path.Length == 0 ? "(document)" : Path;
        return $"{path}{where}: {Message}";
    }
}
