namespace EdgeBox.Configuration;

/// <summary>Finds where a key path (<c>http.address</c>, <c>webrtc.additionalHosts[1]</c>) stands in the document.</summary>
internal sealed class ConfigLocator
{
    private readonly Dictionary<string, (int Line, string? Env)> _keys = new(StringComparer.Ordinal);

    public ConfigLocator(YamlNode? root)
    {
        if (root is not null)
        {
            Index(root, "");
        }
    }

    public ConfigError Error(string key, string message)
    {
        _keys.TryGetValue(key, out var where);
        return new ConfigError(key, where.Line, message) { EnvSource = where.Env };
    }

    private void Index(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMapping map:
                foreach (var (key, value) in map.Entries)
                {
                    string child = ConfigError.Join(path, key.Value);
                    _keys[child] = (value.EnvSource is null ? key.Line : 0, value.EnvSource);
                    Index(value, child);
                }

                break;
            case YamlSequence seq:
                for (int i = 0; i < seq.Items.Count; i++)
                {
                    _keys[$"{path}[{i}]"] = (seq.Items[i].Line, seq.Items[i].EnvSource);
                    Index(seq.Items[i], $"{path}[{i}]");
                }

                break;
        }
    }
}
