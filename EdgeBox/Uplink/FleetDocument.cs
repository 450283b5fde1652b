using EdgeBox.Configuration;

namespace EdgeBox.Uplink;

/// <summary>
/// A desired-config document as the fleet publishes it (config/uplink.md):
/// <code>
/// version: "42"                  # required: what the box reports back
/// target: group/site-berlin      # the layer it is for; must match the topic it came on
/// allowLocal: [log, paths.lab]   # keys the box's own file may still set
/// config:                        # the config keys this layer sets
///   paths: { cam1: { source: rtsp://... } }
/// signature: ed25519:BASE64      # the last line; signs every byte before it
/// </code>
/// </summary>
internal static class FleetDocument
{
    /// <summary>Largest document accepted (the config loader's limit).</summary>
    public const int MaxLength = ConfigLoader.MaxTextLength;

    private static readonly string[] Keys = ["version", "target", "allowLocal", "config"];

    private const string SignaturePrefix = "signature: ";

    /// <summary>
    /// Reads <paramref name="text"/> as the layer <paramref name="layer"/> (<c>group/NAME</c>, <c>device/ID</c>):
    /// the layer, or every reason it cannot be used (syntax, unknown keys, a target for another layer,
    /// keys a fleet may not set, a missing or wrong signature). <paramref name="keys"/> null: the signature
    /// is not checked (a layer this box verified when it applied it, read back from its store).
    /// </summary>
    public static (ConfigLayer? Layer, IReadOnlyList<string> Errors) Read(string text, string layer, IReadOnlyList<FleetSignature>? keys, bool requireSignature)
    {
        var errors = new List<string>();
        if (text.Length > MaxLength)
        {
            return (null, [$"the document is larger than {MaxLength / (1024 * 1024)} MiB"]);
        }

        // Only the signed bytes are parsed: what is verified is exactly what is applied.
        var (body, signature, splitError) = Split(text);
        if (splitError is not null)
        {
            return (null, [splitError]);
        }

        var yamlErrors = new List<ConfigError>();
        var root = YamlDocumentReader.Read(body, yamlErrors);
        if (yamlErrors.Count > 0)
        {
            return (null, yamlErrors.Select(e => e.ToString()).ToList());
        }

        if (root is not YamlMapping map)
        {
            return (null, ["the document must be a mapping with version and config"]);
        }

        foreach (var (key, _) in map.Entries)
        {
            if (!Keys.Contains(key.Value))
            {
                errors.Add($"line {key.Line}: unknown key '{key.Value}' (expected {string.Join(", ", Keys)})");
            }
        }

        string? version = Scalar(map, "version", errors);
        if (version is null or "")
        {
            errors.Add("version is required");
        }

        string? target = Scalar(map, "target", errors);
        if (target is not null && target != layer)
        {
            errors.Add($"target '{target}' is not this layer ({layer})");
        }

        var allowLocal = new List<string>();
        switch (map.Find("allowLocal"))
        {
            case null or YamlScalar { IsNull: true }:
                break;
            case YamlSequence items:
                foreach (var item in items.Items)
                {
                    if (item is YamlScalar { IsNull: false } s && s.Value.Length > 0)
                    {
                        allowLocal.Add(s.Value);
                    }
                    else
                    {
                        errors.Add($"line {item.Line}: allowLocal lists config keys such as log or paths.cam1");
                    }
                }

                break;
            default:
                errors.Add("allowLocal must be a list of config keys");
                break;
        }

        var config = new YamlMapping([], 0);
        switch (map.Find("config"))
        {
            case null or YamlScalar { IsNull: true }:
                break;
            case YamlMapping m:
                config = m;
                break;
            default:
                errors.Add("config must be a mapping of config keys (paths, log, ...)");
                break;
        }

        foreach (string forbidden in ConfigLayers.LocalOnlyKeys)
        {
            if (config.Find(forbidden) is { } node)
            {
                errors.Add($"line {node.Line}: config.{forbidden} belongs to each box's own file; a fleet config may not set it");
            }
        }

        if (keys is not null && SignatureError(body, signature, target, keys, requireSignature) is { } signatureError)
        {
            errors.Add(signatureError);
        }

        return errors.Count > 0
            ? (null, errors)
            : (new ConfigLayer(layer, version!, config, allowLocal, text), []);
    }

    private static string? SignatureError(string body, string? signature, string? target, IReadOnlyList<FleetSignature> keys, bool required)
    {
        if (signature is null)
        {
            return required ? "the document is not signed, and this box accepts only signed fleet configs (uplink.requireSignature)" : null;
        }

        if (target is null)
        {
            return "a signed document must name its target layer (target: group/NAME or device/ID), or it could be replayed on another";
        }

        int colon = signature.IndexOf(':', StringComparison.Ordinal);
        string algorithm = colon > 0 ? signature[..colon] : "";
        if (algorithm is not (FleetSignature.Ed25519 or FleetSignature.EcdsaP256))
        {
            return $"signature must be {FleetSignature.Ed25519}:BASE64 or {FleetSignature.EcdsaP256}:BASE64";
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(signature[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return "signature is not base64";
        }

        if (keys.Count == 0)
        {
            return "the document is signed but this box trusts no keys (uplink.trustedKeys)";
        }

        byte[] signed = System.Text.Encoding.UTF8.GetBytes(body);
        return keys.Any(k => k.Verify(signed, algorithm, bytes))
            ? null
            : "the signature does not verify with any key in uplink.trustedKeys";
    }

    /// <summary>
    /// Splits a document into its body and its signature. A signature is the last line, exactly
    /// <c>signature: ALGORITHM:BASE64</c>; the body is every byte before it, and is what the signature
    /// covers and all that is parsed. Line breaks are <c>\n</c> or <c>\r\n</c> only: YAML also breaks lines at
    /// a lone <c>\r</c>, U+0085, U+2028 and U+2029, which would let text hide behind a signed line.
    /// </summary>
    public static (string Body, string? Signature, string? Error) Split(string document)
    {
        for (int i = 0; i < document.Length; i++)
        {
            char c = document[i];
            if (c is '\u0085' or '\u2028' or '\u2029' || (c == '\r' && (i + 1 == document.Length || document[i + 1] != '\n')))
            {
                return (document, null, "line breaks must be \\n or \\r\\n");
            }
        }

        string trimmed = document.EndsWith('\n') ? document[..^1].TrimEnd('\r') : document;
        int start = trimmed.LastIndexOf('\n') + 1;
        string last = trimmed[start..];
        if (!last.StartsWith("signature:", StringComparison.Ordinal))
        {
            return (document, null, null);
        }

        string value = last.StartsWith(SignaturePrefix, StringComparison.Ordinal) ? last[SignaturePrefix.Length..] : "";
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        bool wellFormed = colon > 0 && value[..colon] is FleetSignature.Ed25519 or FleetSignature.EcdsaP256 && value.Length > colon + 1
            && value[(colon + 1)..].All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '+' or '/' or '=');
        return wellFormed
            ? (document[..start], value, null)
            : (document, null, $"the signature line must be exactly: signature: {FleetSignature.Ed25519}:BASE64 (or {FleetSignature.EcdsaP256}:BASE64)");
    }

    private static string? Scalar(YamlMapping map, string key, List<string> errors)
    {
        switch (map.Find(key))
        {
            case null:
                return null;
            case YamlScalar { IsNull: false } s:
                return s.Value;
            case var node:
                errors.Add($"line {node.Line}: {key} must be text");
                return null;
        }
    }

    /// <summary>
    /// A document for <paramref name="target"/> that sets <paramref name="configText"/> (a config file's
    /// YAML), signed when a private key is given: what <c>edgebox fleet push</c> publishes.
    /// </summary>
    public static string Create(string target, string version, string configText, IReadOnlyList<string> allowLocal, string? signingKeyPem)
    {
        var text = new System.Text.StringBuilder();
        text.Append("version: ").Append(Quote(version)).Append('\n');
        text.Append("target: ").Append(target).Append('\n');
        if (allowLocal.Count > 0)
        {
            text.Append("allowLocal: [").Append(string.Join(", ", allowLocal.Select(Quote))).Append("]\n");
        }

        text.Append("config:\n");
        foreach (string line in configText.ReplaceLineEndings("\n").Split('\n').SkipWhile(l => l.TrimEnd() == "---"))
        {
            text.Append(line.Length == 0 ? "" : "  " + line).Append('\n');
        }

        string document = text.ToString().TrimEnd('\n') + "\n";
        if (signingKeyPem is not null)
        {
            document += SignaturePrefix + FleetSignature.Sign(signingKeyPem, System.Text.Encoding.UTF8.GetBytes(document)) + "\n";
        }

        return document;
    }

    /// <summary>
    /// A top-level key's value read from the text alone (<c>version</c>, <c>target</c>), for a document that
    /// may not parse: what a report of a refused document can still name. Null when it is not there.
    /// </summary>
    public static string? Peek(string text, string key)
    {
        string prefix = key + ":";
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                string value = line[prefix.Length..].Trim();
                if (value.Length > 0 && value[0] is '"' or '\'')
                {
                    int end = value.IndexOf(value[0], 1);
                    return end > 0 ? value[1..end] : value[1..];
                }

                int comment = value.IndexOf(" #", StringComparison.Ordinal);
                return (comment >= 0 ? value[..comment] : value).Trim();
            }
        }

        return null;
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
