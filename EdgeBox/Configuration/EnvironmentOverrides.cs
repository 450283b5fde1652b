namespace EdgeBox.Configuration;

/// <summary>
/// Applies <c>EDGEBOX_&lt;SECTION&gt;_&lt;KEY&gt;</c> (and <c>EDGEBOX_DATA</c>) variables to the parsed
/// document before it is read, so overridden values go through exactly the same checks as the file's.
/// Names match keys case-insensitively (<c>EDGEBOX_PATHDEFAULTS_RECORD</c>). A variable that names no
/// key is an error, like an unknown key in the file. List values are comma-separated.
/// </summary>
internal static class EnvironmentOverrides
{
    public const string Prefix = "EDGEBOX_";

    public static YamlNode? Apply(YamlNode? root, IReadOnlyDictionary<string, string> environment, List<ConfigError> errors)
    {
        var overrides = new List<(string Section, string? Key, string Variable, string Value)>();
        foreach (var (variable, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!variable.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (Resolve(variable[Prefix.Length..]) is { } target)
            {
                overrides.Add((target.Section, target.Key, variable, value));
            }
            else
            {
                errors.Add(new ConfigError("", 0, "names no configuration key") { EnvSource = variable });
            }
        }

        if (overrides.Count == 0 || (root is not null && root is not YamlMapping && root is not YamlScalar { IsNull: true }))
        {
            // A document that is not a mapping stays as it is, so the reader reports it; overrides
            // must never turn garbage into a valid config.
            return root;
        }

        var entries = root is YamlMapping map ? map.Entries.ToList() : [];
        foreach (var (section, key, variable, value) in overrides)
        {
            var scalar = new YamlScalar(value, quoted: false, line: 0) { EnvSource = variable };
            int index = entries.FindIndex(e => e.Key.Value == section);
            if (key is null)
            {
                Set(entries, index, section, scalar);
                continue;
            }

            if (index >= 0 && entries[index].Value is not YamlMapping and not YamlScalar { IsNull: true })
            {
                continue; // "http: 5" stays wrong for the reader to report.
            }

            var sectionEntries = index >= 0 && entries[index].Value is YamlMapping existing ? existing.Entries.ToList() : [];
            int keyIndex = sectionEntries.FindIndex(e => e.Key.Value == key);
            Set(sectionEntries, keyIndex, key, scalar);
            Set(entries, index, section, new YamlMapping(sectionEntries, index >= 0 ? entries[index].Value.Line : 0));
        }

        return new YamlMapping(entries, root?.Line ?? 0);
    }

    private static void Set(List<KeyValuePair<YamlScalar, YamlNode>> entries, int index, string key, YamlNode value)
    {
        var entry = new KeyValuePair<YamlScalar, YamlNode>(
            index >= 0 ? entries[index].Key : new YamlScalar(key, quoted: false, line: 0), value);
        if (index >= 0)
        {
            entries[index] = entry;
        }
        else
        {
            entries.Add(entry);
        }
    }

    /// <summary>Maps <c>HTTP_ADDRESS</c> to (http, address) and <c>DATA</c> to (data, null).</summary>
    private static (string Section, string? Key)? Resolve(string name)
    {
        foreach (string top in ConfigReader.TopLevelKeys)
        {
            if (!ConfigReader.Sections.ContainsKey(top) && top != "paths" && string.Equals(name, top, StringComparison.OrdinalIgnoreCase))
            {
                return (top, null);
            }
        }

        foreach (var (section, keys) in ConfigReader.Sections)
        {
            if (name.Length <= section.Length + 1 || name[section.Length] != '_'
                || !name.StartsWith(section, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string keyPart = name[(section.Length + 1)..];
            foreach (string key in keys)
            {
                if (string.Equals(key, keyPart, StringComparison.OrdinalIgnoreCase))
                {
                    return (section, key);
                }
            }
        }

        return null;
    }
}
