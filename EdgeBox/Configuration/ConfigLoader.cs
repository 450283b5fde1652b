namespace EdgeBox.Configuration;

/// <summary>The outcome of loading config text: the config when valid, and every error found.</summary>
internal sealed record ConfigLoadResult(EdgeBoxConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    public bool IsValid => Config is not null;
}

/// <summary>parse → environment overrides → read → validate, collecting every error on the way.</summary>
internal static class ConfigLoader
{
    /// <summary>Largest config text accepted (from a file, the API or the fleet): 4 MiB.</summary>
    public const int MaxTextLength = 4 * 1024 * 1024;

    public static ConfigLoadResult Load(string text, IReadOnlyDictionary<string, string>? environment = null)
    {
        var errors = new List<ConfigError>();
        if (text.Length > MaxTextLength)
        {
            errors.Add(new ConfigError("", 0, $"configuration is larger than {MaxTextLength / (1024 * 1024)} MiB"));
            return new ConfigLoadResult(null, errors);
        }

        var root = YamlDocumentReader.Read(text, errors);
        if (errors.Count > 0)
        {
            return new ConfigLoadResult(null, errors);
        }

        if (environment is not null)
        {
            root = EnvironmentOverrides.Apply(root, environment, errors);
        }

        var config = ConfigReader.Read(root, errors);
        ConfigValidator.Validate(config, errors, new ConfigLocator(root));
        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : string.CompareOrdinal(a.Path, b.Path));
        return new ConfigLoadResult(errors.Count == 0 ? config : null, errors);
    }

    /// <summary>The process environment as a dictionary (only the <c>EDGEBOX_</c> variables matter).</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith(EnvironmentOverrides.Prefix, StringComparison.Ordinal) && entry.Value is string value)
            {
                result[key] = value;
            }
        }

        return result;
    }
}
