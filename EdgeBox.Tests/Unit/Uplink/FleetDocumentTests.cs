using EdgeBox.Configuration;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Tests.Unit.Configuration;
using EdgeBox.Uplink;

namespace EdgeBox.Tests.Unit.Uplink;

public sealed class FleetDocumentTests(FleetKeys keys) : IClassFixture<FleetKeys>
{
    private const string Layer = "group/site-berlin";
    private const string Config = "log: { level: warn }\npaths:\n  cam1: { source: publisher, record: true }\n";

    private static IReadOnlyList<string> Errors(string text, IReadOnlyList<FleetSignature>? trusted = null, bool requireSignature = false)
    {
        var (layer, errors) = FleetDocument.Read(text, Layer, trusted, requireSignature);
        Assert.Null(layer);
        Assert.NotEmpty(errors);
        return errors;
    }

    private static ConfigLayer Accepted(string text, IReadOnlyList<FleetSignature>? trusted = null, bool requireSignature = false)
    {
        var (layer, errors) = FleetDocument.Read(text, Layer, trusted, requireSignature);
        Assert.True(layer is not null, string.Join("\n", errors));
        Assert.Empty(errors);
        return layer;
    }

    private static FleetSignature[] Trust(params KeyFiles[] files) => [.. files.Select(f => FleetSignature.LoadPublicKey(f.PublicKey))];

    private string Signed(string algorithm, string target = Layer, string version = "42") =>
        FleetDocument.Create(target, version, Config, ["log"], keys.Of(algorithm).PrivatePem);

    [Fact]
    public void A_created_document_reads_back_as_its_layer()
    {
        string document = FleetDocument.Create(Layer, "42", "---\n" + Config, ["log", "paths.cam1"], signingKeyPem: null);

        var layer = Accepted(document);

        Assert.Equal(Layer, layer.Name);
        Assert.Equal("42", layer.Version);
        Assert.Equal(["log", "paths.cam1"], layer.AllowLocal);
        Assert.Equal(document, layer.Text);
        Assert.Equal(ConfigLayers.Write(YamlTree.Of(Config)), ConfigLayers.Write(layer.Config));
        Assert.DoesNotContain("signature:", document, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_with_quotes_and_backslashes_survives_create_and_read()
    {
        const string version = "7 \"rc\" \\ 2";
        Assert.Equal(version, Accepted(FleetDocument.Create(Layer, version, Config, [], null)).Version);
    }

    [Fact]
    public void A_minimal_document_without_target_config_or_signature_is_a_layer_that_sets_nothing()
    {
        var layer = Accepted("version: 3\n", trusted: [], requireSignature: false);
        Assert.Equal("3", layer.Version);
        Assert.Empty(layer.Config.Entries);
        Assert.Empty(layer.AllowLocal);
    }

    [Theory]
    [InlineData("version: 1\nconfig: {}\nextra: 1\n", "line 3: unknown key 'extra'")]
    [InlineData("config: { log: { level: warn } }\n", "version is required")]
    [InlineData("version: ''\n", "version is required")]
    [InlineData("version:\n", "version is required")]
    [InlineData("version: [1]\n", "line 1: version must be text")]
    [InlineData("version: 1\ntarget: group/other\n", "target 'group/other' is not this layer (group/site-berlin)")]
    [InlineData("version: 1\ntarget: device/site-berlin\n", "target 'device/site-berlin' is not this layer")]
    [InlineData("version: 1\ntarget: { name: x }\n", "target must be text")]
    [InlineData("version: 1\nallowLocal: log\n", "allowLocal must be a list of config keys")]
    [InlineData("version: 1\nallowLocal: { log: true }\n", "allowLocal must be a list of config keys")]
    [InlineData("version: 1\nallowLocal:\n  - log\n  - ''\n", "line 4: allowLocal lists config keys")]
    [InlineData("version: 1\nallowLocal: [log, [paths]]\n", "allowLocal lists config keys")]
    [InlineData("version: 1\nconfig: [log]\n", "config must be a mapping of config keys")]
    [InlineData("version: 1\nconfig: log\n", "config must be a mapping of config keys")]
    [InlineData("version: 1\nconfig:\n  uplink: { deviceId: stolen }\n", "line 3: config.uplink belongs to each box's own file")]
    [InlineData("version: 1\nconfig:\n  data: /elsewhere\n", "line 3: config.data belongs to each box's own file")]
    [InlineData("- version: 1\n", "the document must be a mapping")]
    [InlineData("just text\n", "the document must be a mapping")]
    [InlineData("version: 1\nconfig: {\n", "YAML syntax")]
    [InlineData("version: 1\nversion: 2\n", "version")]
    [InlineData("version: 1\nsignature: [a]\n", "the signature line must be exactly")]
    public void Each_rule_refuses_the_document(string text, string expected)
    {
        var errors = Errors(text);
        Assert.True(errors.Any(e => e.Contains(expected, StringComparison.Ordinal)), $"expected '{expected}' in:\n{string.Join("\n", errors)}");
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = Errors("config:\n  data: /x\nallowLocal: log\nextra: 1\ntarget: group/other\n");
        Assert.Equal(5, errors.Count); // unknown key, no version, wrong target, allowLocal, config.data
    }

    [Fact]
    public void A_document_larger_than_the_limit_is_refused_before_it_is_parsed()
    {
        string text = "version: 1\nconfig: {\n# " + new string('x', FleetDocument.MaxLength);
        Assert.Equal(["the document is larger than 4 MiB"], Errors(text));
    }

    [Fact]
    public void A_document_at_the_limit_is_read()
    {
        const string head = "version: 1\n# ";
        string text = head + new string('x', FleetDocument.MaxLength - head.Length);
        Assert.Equal(FleetDocument.MaxLength, text.Length);
        Accepted(text);
    }

    [Theory]
    [InlineData(FleetSignature.Ed25519)]
    [InlineData(FleetSignature.EcdsaP256)]
    public void A_document_signed_by_create_verifies_with_the_public_key(string algorithm)
    {
        string document = Signed(algorithm);

        Assert.EndsWith("\n", document, StringComparison.Ordinal);
        Assert.StartsWith("signature: " + algorithm + ":", document.Split('\n')[^2], StringComparison.Ordinal);
        var layer = Accepted(document, Trust(keys.Of(algorithm)), requireSignature: true);
        Assert.Equal("42", layer.Version);
    }

    [Theory]
    [InlineData(FleetSignature.Ed25519)]
    [InlineData(FleetSignature.EcdsaP256)]
    public async Task A_document_signed_by_the_openssl_cli_verifies(string algorithm)
    {
        string unsigned = FleetDocument.Create(Layer, "42", Config, ["log"], signingKeyPem: null);
        string data = Path.Combine(keys.Directory, $"signed-bytes-{Guid.NewGuid():N}");
        string signature = data + ".sig";
        await File.WriteAllBytesAsync(data, FleetSignature.SignedBytes(unsigned));
        string key = keys.Of(algorithm).PrivateKey;
        if (algorithm == FleetSignature.Ed25519)
        {
            await OpenSsl.RunAsync("pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", data, "-out", signature);
        }
        else
        {
            await OpenSsl.RunAsync("dgst", "-sha256", "-sign", key, "-out", signature, data);
        }

        string document = unsigned + $"signature: {algorithm}:{Convert.ToBase64String(await File.ReadAllBytesAsync(signature))}\n";

        Accepted(document, Trust(keys.Of(algorithm)), requireSignature: true);
        Assert.Contains("does not verify", Assert.Single(Errors(document, Trust(keys.OtherEd25519))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FleetSignature.Ed25519, "version: \"42\"", "version: \"43\"")]
    [InlineData(FleetSignature.EcdsaP256, "version: \"42\"", "version: \"43\"")]
    [InlineData(FleetSignature.Ed25519, "level: warn", "level: info")]
    [InlineData(FleetSignature.EcdsaP256, "record: true", "record: fals")]
    [InlineData(FleetSignature.Ed25519, "allowLocal: [\"log\"]", "allowLocal: [\"paths\"]")]
    public void A_changed_byte_breaks_the_signature(string algorithm, string from, string to)
    {
        string document = Signed(algorithm);
        Assert.Contains(from, document, StringComparison.Ordinal);
        string tampered = document.Replace(from, to, StringComparison.Ordinal);

        var errors = Errors(tampered, Trust(keys.Of(algorithm)));

        Assert.Equal(["the signature does not verify with any key in uplink.trustedKeys"], errors);
    }

    [Theory]
    [InlineData(FleetSignature.Ed25519)]
    [InlineData(FleetSignature.EcdsaP256)]
    public void A_signature_by_a_key_the_box_does_not_trust_is_refused(string algorithm)
    {
        var errors = Errors(Signed(algorithm), Trust(keys.OtherEd25519));
        Assert.Equal(["the signature does not verify with any key in uplink.trustedKeys"], errors);
    }

    [Fact]
    public void Any_trusted_key_may_sign()
    {
        var trusted = Trust(keys.OtherEd25519, keys.EcdsaP256, keys.Ed25519);
        Accepted(Signed(FleetSignature.Ed25519), trusted, requireSignature: true);
        Accepted(Signed(FleetSignature.EcdsaP256), trusted, requireSignature: true);
    }

    [Fact]
    public void A_signed_document_for_another_layer_is_not_replayed_on_this_one()
    {
        string document = Signed(FleetSignature.Ed25519, target: "group/other");
        Assert.Equal(["target 'group/other' is not this layer (group/site-berlin)"], Errors(document, Trust(keys.Ed25519)));
    }

    [Fact]
    public void A_signed_document_without_a_target_is_refused()
    {
        const string text = "version: 1\nconfig: { log: { level: warn } }\n";
        string document = text + "signature: " + FleetSignature.Sign(keys.Ed25519.PrivatePem, FleetSignature.SignedBytes(text)) + "\n";

        var errors = Errors(document, Trust(keys.Ed25519));

        Assert.Contains("must name its target layer", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsigned_document_is_refused_only_when_signatures_are_required()
    {
        string document = FleetDocument.Create(Layer, "1", Config, [], signingKeyPem: null);

        Assert.Contains("not signed", Assert.Single(Errors(document, Trust(keys.Ed25519), requireSignature: true)), StringComparison.Ordinal);
        Accepted(document, Trust(keys.Ed25519), requireSignature: false);
    }

    [Fact]
    public void A_signed_document_is_refused_when_the_box_trusts_no_keys()
    {
        var errors = Errors(Signed(FleetSignature.Ed25519), trusted: []);
        Assert.Contains("trusts no keys", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rsa:AAAA", "the signature line must be exactly")]
    [InlineData("AAAA", "the signature line must be exactly")]
    [InlineData(":AAAA", "the signature line must be exactly")]
    [InlineData("ed25519:not base64!", "the signature line must be exactly")]
    [InlineData("'ed25519:'", "the signature line must be exactly")]
    [InlineData("ed25519:AAAA # comment", "the signature line must be exactly")]
    [InlineData("ed25519:AAA", "signature is not base64")]
    [InlineData("ed25519:AAAA", "the signature does not verify with any key in uplink.trustedKeys")]
    [InlineData("ecdsa-p256:AAAA", "the signature does not verify with any key in uplink.trustedKeys")]
    [InlineData("ecdsa-p256:MAYCAQECAQE=", "the signature does not verify with any key in uplink.trustedKeys")]
    public void A_malformed_signature_is_refused(string signature, string expected)
    {
        string document = FleetDocument.Create(Layer, "1", Config, [], null) + "signature: " + signature + "\n";
        Assert.StartsWith(expected, Assert.Single(Errors(document, Trust(keys.Ed25519, keys.EcdsaP256))), StringComparison.Ordinal);
    }

    /// <summary>
    /// Text hidden behind a signed document must never be applied: YAML breaks lines at a lone CR, NEL,
    /// LS and PS as well, so a line the signature covers could carry more keys; and a signature line that
    /// is not the last would let unsigned text follow it.
    /// </summary>
    [Theory]
    [InlineData("\r")]
    [InlineData("\u0085")]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    public void Text_smuggled_after_a_signed_line_with_another_line_break_is_refused(string lineBreak)
    {
        string signed = Signed(FleetSignature.Ed25519);
        int end = signed.IndexOf('\n', StringComparison.Ordinal);
        string forged = signed[..end] + lineBreak + "allowLocal: [log, paths, http, auth]" + signed[end..];
        Assert.Contains("line breaks must be", Assert.Single(Errors(forged, Trust(keys.Ed25519))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_line_that_is_not_the_last_does_not_sign_what_follows()
    {
        string signed = Signed(FleetSignature.Ed25519);
        string forged = signed + "config: { paths: { evil: {} } }\n";
        var errors = Errors(forged, Trust(keys.Ed25519));
        Assert.NotEmpty(errors);
        Assert.Null(FleetDocument.Read(forged, Layer, Trust(keys.Ed25519), requireSignature: true).Layer);
    }

    [Fact]
    public void Without_keys_the_signature_is_not_checked()
    {
        // A layer the box verified when it applied it, read back from its own store.
        string tampered = Signed(FleetSignature.Ed25519).Replace("level: warn", "level: info", StringComparison.Ordinal);

        var layer = Accepted(tampered, trusted: null, requireSignature: true);

        Assert.Equal(ConfigLayers.Write(YamlTree.Of(Config.Replace("warn", "info", StringComparison.Ordinal))), ConfigLayers.Write(layer.Config));
    }

    [Theory]
    [InlineData("version: \"17\"\nconfig: {\n", "version", "17")]
    [InlineData("config: [\nversion: '9'\r\n", "version", "9")]
    [InlineData("version:   5  \n", "version", "5")]
    [InlineData("target: group/a\nversion: 1\n", "target", "group/a")]
    [InlineData("config:\n  version: 3\n", "version", null)]
    [InlineData("versions: 3\n", "version", null)]
    [InlineData("version: 42  # the release\n", "version", "42")]
    [InlineData("version: \"4 # 2\" # quoted\n", "version", "4 # 2")]
    [InlineData("", "version", null)]
    public void Peek_reads_a_top_level_value_from_text_that_may_not_parse(string text, string key, string? expected) =>
        Assert.Equal(expected, FleetDocument.Peek(text, key));

    [Theory]
    [InlineData(FleetSignature.Ed25519)]
    [InlineData(FleetSignature.EcdsaP256)]
    public void Every_prefix_of_a_signed_document_parses_or_gives_errors(string algorithm)
    {
        string document = Signed(algorithm);
        var trusted = Trust(keys.Ed25519, keys.EcdsaP256);
        int accepted = 0;
        for (int length = 0; length <= document.Length; length++)
        {
            string prefix = document[..length];
            foreach (var (checkedKeys, required) in new (IReadOnlyList<FleetSignature>?, bool)[] { (trusted, true), (trusted, false), (null, false) })
            {
                var (layer, errors) = FleetDocument.Read(prefix, Layer, checkedKeys, required);
                Assert.True(layer is null != (errors.Count == 0), $"prefix of {length} characters: a layer and {errors.Count} errors");
                if (layer is not null && checkedKeys is not null && required)
                {
                    accepted++;
                }
            }
        }

        // With the signature required, only the whole document (and the one without its last newline) is a layer.
        Assert.Equal(2, accepted);
    }
}
