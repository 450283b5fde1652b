using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EdgeBox.Configuration;

/// <summary>
/// Turns YAML text into a <see cref="YamlNode"/> tree with YamlDotNet's event parser (no object
/// mapping, so nothing here depends on reflection). Anchors and aliases are resolved (merge keys
/// <c>&lt;&lt;</c> are not); duplicate keys and non-scalar keys are errors; nesting and alias expansion
/// are bounded so hostile input cannot exhaust the stack or memory.
/// </summary>
internal sealed class YamlDocumentReader
{
    /// <summary>Most nesting a config may have; deeper input is hostile or broken.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Most nodes a document may expand to, counting each alias use again. A few hundred bytes of
    /// nested aliases ("billion laughs") would otherwise expand to billions of nodes in every walk.
    /// A real config has a few thousand at most.
    /// </summary>
    public const long MaxNodes = 100_000;

    private readonly IParser _parser;
    private readonly List<ConfigError> _errors;
    private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
    private long _expanded;

    private YamlDocumentReader(IParser parser, List<ConfigError> errors)
    {
        _parser = parser;
        _errors = errors;
    }

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
            var reader = new YamlDocumentReader(parser, errors);
            YamlNode? root = parser.Accept<DocumentEnd>(out _) ? null : reader.ReadNode("", 0);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                errors.Add(new ConfigError("", Line(parser.Current?.Start ?? Mark.Empty), "the file holds more than one YAML document; use one"));
            }

            return root;
        }
        catch (YamlException ex)
        {
            errors.Add(new ConfigError("", Math.Max(1, (int)ex.Start.Line), "YAML syntax: " + FirstLine(ex.Message)));
            return null;
        }
    }

    private YamlNode ReadNode(string path, int depth)
    {
        var current = _parser.Current!;
        if (depth > MaxDepth)
        {
            throw new YamlException(current.Start, current.End, $"nesting deeper than {MaxDepth} levels");
        }

        if (_parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (!_anchors.TryGetValue(alias.Value.Value, out var target))
            {
                throw new YamlException(alias.Start, alias.End, $"unknown alias *{alias.Value.Value}");
            }

            Count(target.Size, alias);
            return target;
        }

        YamlNode node;
        AnchorName anchor;
        if (_parser.TryConsume<Scalar>(out var scalar))
        {
            Count(1, scalar);
            anchor = scalar.Anchor;
            bool quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded;
            node = new YamlScalar(scalar.Value, quoted, Line(scalar.Start));
        }
        else if (_parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            Count(1, sequenceStart);
            anchor = sequenceStart.Anchor;
            var items = new List<YamlNode>();
            long size = 1;
            while (!_parser.TryConsume<SequenceEnd>(out _))
            {
                var item = ReadNode($"{path}[{items.Count}]", depth + 1);
                size += item.Size;
                items.Add(item);
            }

            node = new YamlSequence(items, Line(sequenceStart.Start)) { Size = size };
        }
        else if (_parser.TryConsume<MappingStart>(out var mappingStart))
        {
            Count(1, mappingStart);
            anchor = mappingStart.Anchor;
            node = ReadMapping(mappingStart, path, depth);
        }
        else
        {
            throw new YamlException(current.Start, current.End, "unexpected " + current.GetType().Name);
        }

        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = node;
        }

        return node;
    }

    private YamlMapping ReadMapping(MappingStart start, string path, int depth)
    {
        var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long size = 1;
        while (!_parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(path, depth + 1);
            if (keyNode is not YamlScalar key)
            {
                _errors.Add(new ConfigError(path, keyNode.Line, "mapping keys must be plain text"));
                ReadNode(path, depth + 1);
                continue;
            }

            string childPath = ConfigError.Join(path, key.Value);
            var value = ReadNode(childPath, depth + 1);
            if (!seen.Add(key.Value))
            {
                _errors.Add(new ConfigError(childPath, key.Line, "duplicate key"));
                continue;
            }

            size += 1 + value.Size;
            entries.Add(new(key, value));
        }

        return new YamlMapping(entries, Line(start.Start)) { Size = size };
    }

    private void Count(long nodes, ParsingEvent at)
    {
        _expanded += nodes;
        if (_expanded > MaxNodes)
        {
            throw new YamlException(at.Start, at.End, $"the document expands to more than {MaxNodes} nodes (nested aliases?)");
        }
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
