namespace EdgeBox.Tests.Infrastructure;

/// <summary>A private key file and its public key file, as <c>openssl genpkey</c> and <c>openssl pkey -pubout</c> write them.</summary>
public sealed record KeyFiles(string PrivateKey, string PublicKey)
{
    public string PrivatePem => File.ReadAllText(PrivateKey);
}

/// <summary>
/// Fleet signing keys made once per test class with the openssl CLI, the way an operator makes them:
/// Ed25519 (two), ECDSA P-256, and kinds a box must refuse (RSA, ECDSA P-384).
/// </summary>
public sealed class FleetKeys : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    public string Directory => _dir.Path;

    public KeyFiles Ed25519 { get; private set; } = null!;

    /// <summary>Another Ed25519 key: one the box does not trust.</summary>
    public KeyFiles OtherEd25519 { get; private set; } = null!;

    public KeyFiles EcdsaP256 { get; private set; } = null!;

    public KeyFiles EcdsaP384 { get; private set; } = null!;

    public KeyFiles Rsa { get; private set; } = null!;

    /// <summary>The key pair of a kind by its signature prefix: <c>ed25519</c> or <c>ecdsa-p256</c>.</summary>
    public KeyFiles Of(string algorithm) => algorithm switch
    {
        "ed25519" => Ed25519,
        "ecdsa-p256" => EcdsaP256,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "no such fleet key"),
    };

    public async Task InitializeAsync()
    {
        var ed25519 = OpenSsl.KeyPairAsync(Directory, "ed25519", "-algorithm", "ed25519");
        var other = OpenSsl.KeyPairAsync(Directory, "other-ed25519", "-algorithm", "ed25519");
        var p256 = OpenSsl.KeyPairAsync(Directory, "p256", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        var p384 = OpenSsl.KeyPairAsync(Directory, "p384", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384");
        var rsa = OpenSsl.KeyPairAsync(Directory, "rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        Ed25519 = Files(await ed25519);
        OtherEd25519 = Files(await other);
        EcdsaP256 = Files(await p256);
        EcdsaP384 = Files(await p384);
        Rsa = Files(await rsa);
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private static KeyFiles Files((string PrivateKey, string PublicKey) pair) => new(pair.PrivateKey, pair.PublicKey);
}
