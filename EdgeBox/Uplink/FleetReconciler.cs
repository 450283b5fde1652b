using EdgeBox.Configuration;

namespace EdgeBox.Uplink;

/// <summary>
/// Turns the desired documents a box has received into the layers it should run on. A layer whose new
/// document cannot be used (syntax, signature, target) keeps its previous version running, and is
/// reported rejected; a layer is removed only by an explicit empty document, never because a broker
/// forgot its retained messages; layers of groups the box no longer belongs to are dropped.
/// </summary>
internal static class FleetReconciler
{
    /// <summary>The layers of a box, in the order they apply: its groups as listed, then itself.</summary>
    public static IReadOnlyList<string> Order(string deviceId, IReadOnlyList<string> groups) =>
        [.. groups.Select(g => "group/" + g), "device/" + deviceId];

    public static (FleetLayers Next, List<LayerReport> Reports) Select(
        IReadOnlyDictionary<string, string?> desired,
        FleetLayers applied,
        IReadOnlyList<string> order,
        IReadOnlyList<FleetSignature> keys,
        bool requireSignature)
    {
        var next = new List<ConfigLayer>();
        var reports = new List<LayerReport>();
        foreach (string name in order)
        {
            var previous = applied.Layers.FirstOrDefault(l => l.Name == name);
            if (!desired.TryGetValue(name, out string? text))
            {
                if (previous is not null)
                {
                    next.Add(previous);
                    reports.Add(new LayerReport(name, previous.Version, "applied", []));
                }

                continue;
            }

            if (text is null)
            {
                if (previous is not null && requireSignature)
                {
                    // Anyone who may publish could clear a topic: with signatures required, only a signed document changes a layer.
                    next.Add(previous);
                    reports.Add(new LayerReport(name, previous.Version, "rejected",
                        ["an empty message cannot remove a layer while uplink.requireSignature is on; push a signed document with an empty config"]));
                }
                else if (previous is not null)
                {
                    reports.Add(new LayerReport(name, null, "removed", []));
                }

                continue;
            }

            var (layer, errors) = FleetDocument.Read(text, name, keys, requireSignature);
            if (layer is not null)
            {
                next.Add(layer);
                reports.Add(new LayerReport(name, layer.Version, "applied", []));
            }
            else
            {
                reports.Add(new LayerReport(name, FleetDocument.Peek(text, "version"), "rejected", errors));
                if (previous is not null)
                {
                    next.Add(previous);
                }
            }
        }

        return (new FleetLayers(next), reports);
    }

    /// <summary>Only the layers that are in <paramref name="order"/>, in that order (what a box starts on).</summary>
    public static FleetLayers Filter(FleetLayers layers, IReadOnlyList<string> order) =>
        new(order.Select(name => layers.Layers.FirstOrDefault(l => l.Name == name)).OfType<ConfigLayer>().ToList());
}
