using EdgeBox.Configuration;
using EdgeBox.Uplink;

namespace EdgeBox.Tests.Unit.Configuration;

/// <summary>Fleet layers as a box receives them: unsigned desired documents, read as their layer.</summary>
internal static class TestLayers
{
    public static string Document(string target, string version, string config, params string[] allowLocal) =>
        FleetDocument.Create(target, version, config, allowLocal, signingKeyPem: null);

    public static ConfigLayer Layer(string name, string version, string config, params string[] allowLocal)
    {
        var (layer, errors) = FleetDocument.Read(Document(name, version, config, allowLocal), name, keys: null, requireSignature: false);
        Assert.True(layer is not null, string.Join("\n", errors));
        return layer;
    }

    public static FleetLayers Of(params ConfigLayer[] layers) => new(layers);
}
