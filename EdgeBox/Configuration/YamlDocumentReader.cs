using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EdgeBox.Configuration;

/// <summary>
/// Turns YAML text into a <see cref="YamlNode"/> tree with YamlDotNet's event parser (no object
/// mapping, so nothing here depends on reflection). Anchors and aliases are resolved; duplicate keys
/// and non-scalar keys are errors.
/// </summary>
internal static class YamlDocumentReader
{
    /// <summary>Most nesting a config may have; deeper input is hostile or broken.</summary>
    private const int MaxDepth = 64;

    public static YamlNode? Read(string text, List<ConfigError> errors)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            YamlNode? root = parser.Accept<DocumentEnd>(out _) ? null : ReadNode(parser, anchors, errors, "", 0);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                var next = parser.Current;
                errors.Add(new ConfigError("", Line(next?.Start ?? Mark.Empty), "the file holds more than one YAML document; use one"));
            }

            return root;
        }
        catch (YamlException ex)
        {
            errors.Add(new ConfigError("", (int)ex.Start.Line, "YAML syntax: " + FirstLine(ex.Message)));
            return null;
        }
    }

    private static YamlNode ReadNode(IParser parser, Dictionary<string, YamlNode> anchors, List<ConfigError> errors, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new YamlException(parser.Current!.Start, parser.Current.End, $"nesting deeper than {MaxDepth} levels");
        }

        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }

            throw new YamlException(alias.Start, alias.End, $"unknown alias *{alias.Value.Value}");
        }

        YamlNode node;
        AnchorName anchor;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor;
            bool quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded;
            node = new YamlScalar(scalar.Value, quoted, Line(scalar.Start));
        }
        else if (parser.TryConsume<SequenceStart>(out var seqStart))
        {
            anchor = seqStart.Anchor;
            var items = new List<YamlNode>();
            int index = 0;
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, anchors, errors, $"{path}[{index++}]", depth + 1));
            }

            node = new YamlSequence(items, Line(seqStart.Start));
        }
        else if (parser.TryConsume<MappingStart>(out var mapStart))
        {
            anchor = mapStart.Anchor;
            var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyNode = ReadNode(parser, anchors, errors, path, depth + 1);
                if (keyNode is not YamlScalar key)
                {
                    errors.Add(new ConfigError(path, keyNode.Line, "mapping keys must be plain text"));
                    ReadNode(parser, anchors, errors, path, depth + 1);
                    continue;
                }

                string childPath = ConfigError.Join(path, key.Value);
                var value = ReadNode(parser, anchors, errors, childPath, depth + 1);
                if (!seen.Add(key.Value))
                {
                    errors.Add(new ConfigError(childPath, key.Line, "duplicate key"));
                    continue;
                }

                entries.Add(new(key, value));
            }

            node = new YamlMapping(entries, Line(mapStart.Start));
        }
        else
        {
            var current = parser.Current!;
            throw new YamlException(current.Start, current.End, "unexpected " + current.GetType().Name);
        }

        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }

        return node;
    }

    private static int Line(Mark mark) => (int)mark.Line;

    private static string FirstLine(string message)
    {
        int cut = message.IndexOfAny(['\r', '\n']);
        string text = cut < 0 ? message : message[..cut];

        // YamlDotNet prefixes "(Line: 3, Col: 1, Idx: 20) - (Line: ...): "; we print the line ourselves.
        int marker = text.LastIndexOf("): ", StringComparison.Ordinal);
        return marker >= 0 && text.StartsWith('(') ? text[(marker + 3)..] : text;
    }
}
