using System.Text;
using EdgeBox.Tests.Infrastructure;
using EdgeBox.Uplink;

namespace EdgeBox.Tests.Unit.Uplink;

public sealed class FleetSignatureTests(FleetKeys keys) : IClassFixture<FleetKeys>
{
    private static readonly byte[] Data = Encoding.UTF8.GetBytes("version: \"1\"\ntarget: device/box-017\n");

    private string Write(string name, string text)
    {
        string path = Path.Combine(keys.Directory, $"{name}-{Guid.NewGuid():N}");
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData(FleetSignature.Ed25519)]
    [InlineData(FleetSignature.EcdsaP256)]
    public void LoadPublicKey_reads_either_kind_and_verifies_what_its_private_key_signed(string algorithm)
    {
        var files = keys.Of(algorithm);

        var key = FleetSignature.LoadPublicKey(files.PublicKey);

        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(files.PublicKey, key.Path);
        Assert.Null(FleetSignature.KeyError(files.PublicKey));
        string signature = FleetSignature.Sign(files.PrivatePem, Data);
        Assert.StartsWith(algorithm + ":", signature, StringComparison.Ordinal);
        byte[] bytes = Convert.FromBase64String(signature[(algorithm.Length + 1)..]);
        Assert.True(key.Verify(Data, algorithm, bytes));
        Assert.False(key.Verify(Data.Append((byte)'\n').ToArray(), algorithm, bytes));
    }

    [Fact]
    public void A_signature_names_its_algorithm_and_another_kind_of_key_does_not_verify_it()
    {
        string signature = FleetSignature.Sign(keys.Ed25519.PrivatePem, Data);
        byte[] bytes = Convert.FromBase64String(signature["ed25519:".Length..]);
        var ed25519 = FleetSignature.LoadPublicKey(keys.Ed25519.PublicKey);

        Assert.False(ed25519.Verify(Data, FleetSignature.EcdsaP256, bytes));
        Assert.False(FleetSignature.LoadPublicKey(keys.EcdsaP256.PublicKey).Verify(Data, FleetSignature.Ed25519, bytes));
        Assert.False(FleetSignature.LoadPublicKey(keys.OtherEd25519.PublicKey).Verify(Data, FleetSignature.Ed25519, bytes));
    }

    [Fact]
    public async Task An_ec_private_key_in_the_sec1_format_signs_too()
    {
        string sec1 = Write("sec1.key", "");
        await OpenSsl.RunAsync("ec", "-in", keys.EcdsaP256.PrivateKey, "-out", sec1);
        Assert.Contains("BEGIN EC PRIVATE KEY", File.ReadAllText(sec1), StringComparison.Ordinal);

        string signature = FleetSignature.Sign(File.ReadAllText(sec1), Data);

        var key = FleetSignature.LoadPublicKey(keys.EcdsaP256.PublicKey);
        Assert.True(key.Verify(Data, FleetSignature.EcdsaP256, Convert.FromBase64String(signature["ecdsa-p256:".Length..])));
    }

    [Fact]
    public void KeyError_names_a_missing_file()
    {
        string path = Path.Combine(keys.Directory, "missing.pub");
        Assert.Equal($"{path} does not exist", FleetSignature.KeyError(path));
    }

    [Theory]
    [InlineData("not a key at all\n")]
    [InlineData("")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void KeyError_refuses_a_file_that_holds_no_PEM_public_key(string content)
    {
        string path = Write("not-pem.pub", content);
        Assert.Contains("holds no PEM 'PUBLIC KEY'", FleetSignature.KeyError(path), StringComparison.Ordinal);
    }

    [Fact]
    public void KeyError_refuses_a_private_key_given_as_a_trusted_key() =>
        Assert.Contains("holds no PEM 'PUBLIC KEY'", FleetSignature.KeyError(keys.Ed25519.PrivateKey), StringComparison.Ordinal);

    [Fact]
    public void KeyError_refuses_an_RSA_key() => Assert.NotNull(FleetSignature.KeyError(keys.Rsa.PublicKey));

    [Fact]
    public void KeyError_refuses_a_P384_key() =>
        Assert.Contains("is a 384-bit EC key; fleet signatures use Ed25519 or ECDSA P-256", FleetSignature.KeyError(keys.EcdsaP384.PublicKey), StringComparison.Ordinal);

    [Theory]
    [InlineData("AAAA")] // not DER at all
    [InlineData("MAA=")] // an empty SEQUENCE
    [InlineData("MAUwAwYBAA==")] // a SEQUENCE of one
    [InlineData("MCowBQYDK2VwAyEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // Ed25519 with a non-zero pad-bits count
    [InlineData("MCkwBQYDK2VwAyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // Ed25519 with 31 key bytes
    public void KeyError_refuses_a_PEM_public_key_whose_content_is_broken(string base64)
    {
        string path = Write("broken.pub", $"-----BEGIN PUBLIC KEY-----\n{base64}\n-----END PUBLIC KEY-----\n");
        Assert.NotNull(FleetSignature.KeyError(path));
    }

    [Fact]
    public void Sign_refuses_keys_fleet_signatures_do_not_use()
    {
        Assert.Throws<FormatException>(() => FleetSignature.Sign("not pem", Data));
        Assert.Contains("384-bit", Assert.Throws<FormatException>(() => FleetSignature.Sign(keys.EcdsaP384.PrivatePem, Data)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: 1\nsignature: ed25519:AAAA\n", "a: 1\n")]
    [InlineData("a: 1\r\nsignature: ecdsa-p256:AA+/==\r\n", "a: 1\r\n")]
    [InlineData("a: 1\nsignature: ed25519:AAAA", "a: 1\n")]
    [InlineData("a: 1\nsignature: ed25519:AAAA\nb: 2\n", "a: 1\nsignature: ed25519:AAAA\nb: 2\n")] // not the last line: no signature
    [InlineData("a:\n  signature: nested\n", "a:\n  signature: nested\n")]
    [InlineData("", "")]
    public void SignedBytes_are_every_byte_before_a_last_signature_line(string document, string covered) =>
        Assert.Equal(covered, Encoding.UTF8.GetString(FleetSignature.SignedBytes(document)));

    [Fact]
    public void SignedBytes_are_the_utf8_of_the_text()
    {
        const string text = "version: \"ü\"\nconfig: { paths: { kamera: { source: 'rtsp://café' } } }\n";
        Assert.Equal(Encoding.UTF8.GetBytes(text), FleetSignature.SignedBytes(text));
    }
}
