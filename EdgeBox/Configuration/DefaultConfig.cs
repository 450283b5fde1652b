namespace EdgeBox.Configuration;

/// <summary>The built-in configuration: <c>config/edgebox.yml</c>, embedded in the binary at build time.</summary>
internal static class DefaultConfig
{
    public static string Text { get; } = Read();

    private static string Read()
    {
        using var stream = typeof(DefaultConfig).Assembly.GetManifestResourceStream("EdgeBox.default.yml")
            ?? throw new InvalidOperationException("the default configuration is missing from the binary");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
