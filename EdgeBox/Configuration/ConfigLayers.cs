using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EdgeBox.Configuration;

/// <summary>
/// One fleet config layer (a group's or the device's): its name (<c>group/site-berlin</c>,
/// <c>device/box-017</c>), version, the config keys it sets, and which of them the box's own file may
/// still override. Built from a desired document by <see cref="Uplink.FleetDocument"/>.
/// </summary>
internal sealed record ConfigLayer(string Name, string Version, YamlMapping Config, IReadOnlyList<string> AllowLocal, string Text);

/// <summary>The fleet layers a box runs on, in the order they apply (groups as listed in <c>uplink.groups</c>, then the device).</summary>
internal sealed record FleetLayers(IReadOnlyList<ConfigLayer> Layers)
{
    public static readonly FleetLayers None = new([]);

    public bool IsManaged => Layers.Count > 0;

    /// <summary>The layers' versions, as the box reports them: <c>group/a@3,device/box-017@7</c>.</summary>
    public string Version => string.Join(",", Layers.Select(l => $"{l.Name}@{l.Version}"));
}

/// <summary>What <see cref="ConfigLayers.Compose"/> made: the effective config text and the local settings the fleet overrode.</summary>
internal sealed record ComposedConfig(string Text, IReadOnlyList<string> Overridden, IReadOnlyList<ConfigError> Errors);

/// <summary>
/// Layers fleet configs over the box's own file. The local file is the base (what the fleet says
/// nothing about stays the box's), each fleet layer is merged over it in order (mappings key by key,
/// anything else replaced whole), and then the local values of the keys the fleet allows
/// (<c>allowLocal</c>) are merged back over the result. The result is YAML text, so it goes through the
/// same loader, validator and diff as any other config.
/// </summary>
internal static class ConfigLayers
{
    /// <summary>Keys a fleet layer may not set: the box's link to the fleet and where it keeps its data.</summary>
    public static readonly string[] LocalOnlyKeys = ["uplink", "data"];

    public static ComposedConfig Compose(FleetLayers fleet, string localText)
    {
        if (!fleet.IsManaged)
        {
            return new ComposedConfig(localText, [], []);
        }

        var errors = new List<ConfigError>();
        var parsed = YamlDocumentReader.Read(localText, errors);
        if (errors.Count > 0)
        {
            return new ComposedConfig(localText, [], errors);
        }

        if (parsed is not (null or YamlMapping or YamlScalar { IsNull: true }))
        {
            // Not a config at all: refused as the loader would refuse it, not replaced by the fleet's config.
            return new ComposedConfig(localText, [], [new ConfigError("", parsed.Line, $"expected a mapping, found a {parsed.Kind}")]);
        }

        var local = parsed as YamlMapping ?? new YamlMapping([], 1);
        YamlMapping result = local;
        foreach (var layer in fleet.Layers)
        {
            result = Merge(result, layer.Config);
        }

        var allowed = fleet.Layers.SelectMany(l => l.AllowLocal).Distinct(StringComparer.Ordinal).ToList();
        var overridden = new List<string>();
        foreach (var (key, value) in local.Entries)
        {
            if (LocalOnlyKeys.Contains(key.Value) || allowed.Contains(key.Value, StringComparer.Ordinal))
            {
                result = Set(result, key.Value, null, Merge(result.Find(key.Value), value));
                continue;
            }

            if (value is not YamlMapping children)
            {
                if (fleet.Layers.Any(l => l.Config.Find(key.Value) is not null))
                {
                    overridden.Add(key.Value);
                }

                continue;
            }

            foreach (var (child, childValue) in children.Entries)
            {
                string name = key.Value + "." + child.Value;
                if (allowed.Contains(name, StringComparer.Ordinal))
                {
                    var section = result.Find(key.Value) as YamlMapping; // not a mapping when a layer cleared it (paths: ~)
                    result = Set(result, key.Value, child.Value, Merge(section?.Find(child.Value), childValue));
                }
                else if (fleet.Layers.Any(l => l.Config.Find(key.Value) is YamlMapping m && m.Find(child.Value) is not null))
                {
                    overridden.Add(name);
                }
            }
        }

        return new ComposedConfig(Write(result), overridden, []);
    }

    /// <summary><paramref name="over"/> merged over <paramref name="under"/>: mappings key by key, anything else replaced.</summary>
    public static YamlMapping Merge(YamlMapping under, YamlMapping over) => (YamlMapping)Merge((YamlNode)under, over);

    private static YamlNode Merge(YamlNode? under, YamlNode over)
    {
        if (under is not YamlMapping baseMap || over is not YamlMapping overMap)
        {
            return over;
        }

        var entries = baseMap.Entries.ToList();
        foreach (var (key, value) in overMap.Entries)
        {
            int index = entries.FindIndex(e => e.Key.Value == key.Value);
            if (index >= 0)
            {
                entries[index] = new(entries[index].Key, Merge(entries[index].Value, value));
            }
            else
            {
                entries.Add(new(key, value));
            }
        }

        return new YamlMapping(entries, baseMap.Line);
    }

    /// <summary>Sets <c>key</c> (or <c>key.child</c>) of <paramref name="map"/> to <paramref name="value"/>.</summary>
    private static YamlMapping Set(YamlMapping map, string key, string? child, YamlNode value)
    {
        if (child is not null)
        {
            var section = map.Find(key) as YamlMapping ?? new YamlMapping([], 0);
            value = Set(section, child, null, value);
        }

        var entries = map.Entries.ToList();
        int index = entries.FindIndex(e => e.Key.Value == key);
        if (index >= 0)
        {
            entries[index] = new(entries[index].Key, value);
        }
        else
        {
            entries.Add(new(new YamlScalar(key, quoted: false, line: 0), value));
        }

        return new YamlMapping(entries, map.Line);
    }

    /// <summary>A YAML tree as text that <see cref="YamlDocumentReader"/> reads back to the same tree (quoted scalars stay strings).</summary>
    public static string Write(YamlNode node)
    {
        using var writer = new StringWriter();
        var e = new Emitter(writer);
        e.Emit(new StreamStart());
        e.Emit(new DocumentStart());
        Emit(e, node);
        e.Emit(new DocumentEnd(true));
        e.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void Emit(Emitter e, YamlNode node)
    {
        switch (node)
        {
            case YamlScalar s:
                e.Emit(s.Quoted
                    ? new Scalar(AnchorName.Empty, TagName.Empty, s.Value, ScalarStyle.DoubleQuoted, false, true)
                    : new Scalar(AnchorName.Empty, TagName.Empty, s.Value, ScalarStyle.Plain, true, false));
                break;
            case YamlSequence seq:
                e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Block));
                foreach (var item in seq.Items)
                {
                    Emit(e, item);
                }

                e.Emit(new SequenceEnd());
                break;
            case YamlMapping map:
                e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block));
                foreach (var (key, value) in map.Entries)
                {
                    Emit(e, key);
                    Emit(e, value);
                }

                e.Emit(new MappingEnd());
                break;
        }
    }
}
