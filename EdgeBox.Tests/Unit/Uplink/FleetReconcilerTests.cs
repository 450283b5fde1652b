using EdgeBox.Configuration;
using EdgeBox.Tests.Unit.Configuration;
using EdgeBox.Uplink;

namespace EdgeBox.Tests.Unit.Uplink;

public sealed class FleetReconcilerTests
{
    private static readonly IReadOnlyList<string> Order = FleetReconciler.Order("box-017", ["site-berlin", "cams"]);

    private static (FleetLayers Next, List<LayerReport> Reports) Select(
        FleetLayers applied, Dictionary<string, string?> desired, IReadOnlyList<string>? order = null, bool requireSignature = false) =>
        FleetReconciler.Select(desired, applied, order ?? Order, keys: [], requireSignature);

    private static string[] Versions(FleetLayers layers) => [.. layers.Layers.Select(l => $"{l.Name}@{l.Version}")];

    [Fact]
    public void Order_is_the_groups_as_listed_then_the_device()
    {
        Assert.Equal(["group/site-berlin", "group/cams", "device/box-017"], Order);
        Assert.Equal(["device/box-017"], FleetReconciler.Order("box-017", []));
    }

    [Fact]
    public void A_new_valid_document_is_applied()
    {
        var applied = TestLayers.Of(TestLayers.Layer("group/cams", "1", "log: { level: warn }"));
        var desired = new Dictionary<string, string?> { ["group/cams"] = TestLayers.Document("group/cams", "2", "log: { level: error }") };

        var (next, reports) = Select(applied, desired);

        Assert.Equal(["group/cams@2"], Versions(next));
        Assert.Equal(desired["group/cams"], next.Layers[0].Text);
        var report = Assert.Single(reports);
        Assert.Equal(("group/cams", "2", "applied"), (report.Layer, report.Version, report.Status));
        Assert.Empty(report.Errors);
    }

    [Theory]
    [InlineData("version: \"5\"\ntarget: group/cams\nconfig:\n  data: /elsewhere\n", "5")]
    [InlineData("version: 6\nconfig: {\n", "6")]
    [InlineData("version: 7\ntarget: group/site-berlin\n", "7")]
    [InlineData("config: {}\n", null)]
    public void An_unusable_new_document_keeps_the_previous_layer_and_is_reported_rejected_with_its_version(string document, string? version)
    {
        var previous = TestLayers.Layer("group/cams", "1", "log: { level: warn }");
        var desired = new Dictionary<string, string?> { ["group/cams"] = document };

        var (next, reports) = Select(TestLayers.Of(previous), desired);

        Assert.Same(previous, Assert.Single(next.Layers));
        var report = Assert.Single(reports);
        Assert.Equal(("group/cams", version, "rejected"), (report.Layer, report.Version, report.Status));
        Assert.NotEmpty(report.Errors);
    }

    [Fact]
    public void An_unsigned_document_is_rejected_when_signatures_are_required()
    {
        var desired = new Dictionary<string, string?> { ["device/box-017"] = TestLayers.Document("device/box-017", "3", "log: { level: warn }") };

        var (next, reports) = Select(FleetLayers.None, desired, requireSignature: true);

        Assert.False(next.IsManaged);
        var report = Assert.Single(reports);
        Assert.Equal(("device/box-017", "3", "rejected"), (report.Layer, report.Version, report.Status));
        Assert.Contains("not signed", Assert.Single(report.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_document_removes_the_layer()
    {
        var applied = TestLayers.Of(TestLayers.Layer("group/cams", "1", ""), TestLayers.Layer("device/box-017", "4", ""));
        var desired = new Dictionary<string, string?> { ["device/box-017"] = null, ["group/site-berlin"] = null };

        var (next, reports) = Select(applied, desired);

        Assert.Equal(["group/cams@1"], Versions(next));
        Assert.Equal([("group/cams", "1", "applied"), ("device/box-017", null, "removed")], reports.Select(r => (r.Layer, r.Version, r.Status)));
    }

    [Fact]
    public void With_signatures_required_an_empty_message_cannot_remove_a_layer()
    {
        // Anyone who may publish on the topic could clear it; only a signed document changes a layer then.
        var applied = TestLayers.Of(TestLayers.Layer("group/cams", "1", ""), TestLayers.Layer("device/box-017", "4", ""));
        var desired = new Dictionary<string, string?> { ["device/box-017"] = null };

        var (next, reports) = Select(applied, desired, requireSignature: true);

        Assert.Equal(["group/cams@1", "device/box-017@4"], Versions(next));
        var refused = reports.Single(r => r.Layer == "device/box-017");
        Assert.Equal(("4", "rejected"), (refused.Version, refused.Status));
        Assert.Contains("requireSignature", Assert.Single(refused.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_layer_with_no_document_this_time_stays_as_it_was()
    {
        // A broker that lost its retained messages must not strip the box of its fleet config.
        var applied = TestLayers.Of(TestLayers.Layer("group/site-berlin", "9", "log: { level: warn }"));

        var (next, reports) = Select(applied, new());

        Assert.Same(applied.Layers[0], Assert.Single(next.Layers));
        Assert.Equal(("group/site-berlin", "9", "applied"), (reports[0].Layer, reports[0].Version, reports[0].Status));
    }

    [Fact]
    public void Layers_of_groups_the_box_left_are_dropped()
    {
        var applied = TestLayers.Of(TestLayers.Layer("group/old", "1", ""), TestLayers.Layer("group/cams", "2", ""));
        var desired = new Dictionary<string, string?> { ["group/old"] = TestLayers.Document("group/old", "3", "") };

        var (next, reports) = Select(applied, desired);

        Assert.Equal(["group/cams@2"], Versions(next));
        Assert.DoesNotContain(reports, r => r.Layer == "group/old");
    }

    [Fact]
    public void Layers_follow_the_order_and_not_the_order_documents_came_in()
    {
        var desired = new Dictionary<string, string?>
        {
            ["device/box-017"] = TestLayers.Document("device/box-017", "1", ""),
            ["group/cams"] = TestLayers.Document("group/cams", "2", ""),
            ["group/site-berlin"] = TestLayers.Document("group/site-berlin", "3", ""),
        };

        var (next, reports) = Select(FleetLayers.None, desired);

        Assert.Equal(["group/site-berlin@3", "group/cams@2", "device/box-017@1"], Versions(next));
        Assert.Equal("group/site-berlin@3,group/cams@2,device/box-017@1", next.Version);
        Assert.Equal(Order, reports.Select(r => r.Layer));

        var (reordered, _) = Select(next, new(), FleetReconciler.Order("box-017", ["cams", "site-berlin"]));
        Assert.Equal(["group/cams@2", "group/site-berlin@3", "device/box-017@1"], Versions(reordered));
    }

    [Fact]
    public void Filter_keeps_only_the_listed_layers_in_the_listed_order()
    {
        var stored = TestLayers.Of(
            TestLayers.Layer("device/box-017", "1", ""),
            TestLayers.Layer("group/old", "2", ""),
            TestLayers.Layer("group/cams", "3", ""));

        Assert.Equal(["group/cams@3", "device/box-017@1"], Versions(FleetReconciler.Filter(stored, Order)));
        Assert.False(FleetReconciler.Filter(stored, FleetReconciler.Order("other-box", [])).IsManaged);
        Assert.False(FleetReconciler.Filter(FleetLayers.None, Order).IsManaged);
    }
}
