namespace EdgeBox.Configuration;

/// <summary>
/// A parsed YAML node that remembers where it came from, so every validation error can name its line.
/// We read YAML into this small tree (not with a reflection serializer) because the config must load
/// under Native AOT and because unknown keys, duplicates and wrong types must all be reported at once.
/// </summary>
internal abstract class YamlNode
{
    protected YamlNode(int line) => Line = line;

    /// <summary>1-based line in the source text, or 0 when the value came from an environment override.</summary>
    public int Line { get; }

    /// <summary>Set when the value was replaced by an environment variable (the variable's name).</summary>
    public string? EnvSource { get; init; }

    public abstract string Kind { get; }

    /// <summary>Nodes in this subtree, counting every use of an alias again: what a walk of the tree visits.</summary>
    public long Size { get; init; } = 1;
}

internal sealed class YamlScalar : YamlNode
{
    public YamlScalar(string value, bool quoted, int line)
        : base(line)
    {
        Value = value;
        Quoted = quoted;
    }

    public string Value { get; }

    /// <summary>Quoted scalars are always strings: <c>"true"</c> is not a boolean, <c>""</c> is not null.</summary>
    public bool Quoted { get; }

    public bool IsNull => !Quoted && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Kind => IsNull ? "null" : "scalar";
}

internal sealed class YamlSequence : YamlNode
{
    public YamlSequence(IReadOnlyList<YamlNode> items, int line)
        : base(line) => Items = items;

    public IReadOnlyList<YamlNode> Items { get; }

    public override string Kind => "list";
}

internal sealed class YamlMapping : YamlNode
{
    public YamlMapping(IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> entries, int line)
        : base(line) => Entries = entries;

    /// <summary>Entries in document order; keys are unique (the parser rejects duplicates).</summary>
    public IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries { get; }

    public override string Kind => "mapping";

    public YamlNode? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry.Value;
            }
        }

        return null;
    }
}
