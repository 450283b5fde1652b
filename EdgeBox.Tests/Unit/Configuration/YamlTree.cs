using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

/// <summary>YAML text as the tree the config reader works on.</summary>
internal static class YamlTree
{
    public static YamlMapping Of(string text)
    {
        var errors = new List<ConfigError>();
        var root = YamlDocumentReader.Read(text, errors);
        Assert.Empty(errors);
        return root as YamlMapping ?? new YamlMapping([], 0);
    }

    /// <summary>The node at <paramref name="keys"/> (<c>paths</c>, <c>cam1</c>, <c>source</c>), or null when any step is missing.</summary>
    public static YamlNode? At(YamlNode root, params string[] keys)
    {
        YamlNode? node = root;
        foreach (string key in keys)
        {
            node = (node as YamlMapping)?.Find(key);
        }

        return node;
    }
}
