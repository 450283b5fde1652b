using EdgeBox.Inference;
using EdgeBox.Tests.Infrastructure;
using G = EdgeBox.Tests.Infrastructure.OnnxGraphBuilder;

namespace EdgeBox.Tests.Unit.Inference;

/// <summary>Models that do not fit their adapter are refused with a message naming what the model has.</summary>
public sealed class ModelAdapterRefusalTests
{
    private static ModelSignature Signature(long[] input, int inputType, params (string Name, long[] Dims)[] outputs)
    {
        var builder = new G().Input("images", inputType, input);
        foreach (var (name, dims) in outputs)
        {
            builder.ConstantOutput(name, dims, new float[dims.Aggregate(1L, (a, b) => a * b)]);
        }

        return OnnxTestSession.SignatureOf(builder.Build());
    }

    private static string Refusal(string kind, ModelSignature signature, IReadOnlyList<string>? labels = null) =>
        Assert.Throws<ModelFormatException>(() => ModelAdapter.Create(kind, signature, labels)).Message;

    [Fact]
    public void An_input_that_is_not_4_dimensional_is_refused()
    {
        string message = Refusal("yolo", Signature([1, 3, 640], G.Float, ("output0", [1, 84, 10])));
        Assert.Contains("images [1,3,640]", message, StringComparison.Ordinal);
        Assert.Contains("4 dimensions", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_without_3_channels_is_refused()
    {
        string message = Refusal("ssd", Signature([1, 300, 300, 4], G.UInt8, ("detection_boxes", [1, 10, 4])));
        Assert.Contains("images [1,300,300,4]", message, StringComparison.Ordinal);
        Assert.Contains("3 colour channels", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_yolo_model_with_a_2_d_output_is_refused()
    {
        string message = Refusal("yolo", Signature([1, 3, 64, 64], G.Float, ("output0", [1, 84])));
        Assert.Contains("output0 [1,84]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_yolo_output_of_fewer_than_5_attributes_is_refused()
    {
        string message = Refusal("yolo", Signature([1, 3, 64, 64], G.Float, ("output0", [1, 4, 100])));
        Assert.Contains("output0 [1,4,100]", message, StringComparison.Ordinal);
        Assert.Contains("4 attributes", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_yolo_model_taking_uint8_or_nhwc_is_refused()
    {
        Assert.Contains("uint8", Refusal("yolo", Signature([1, 3, 64, 64], G.UInt8, ("output0", [1, 7, 100]))), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Nhwc", Refusal("yolo", Signature([1, 64, 64, 3], G.Float, ("output0", [1, 7, 100]))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_labels_file_disagreeing_with_the_yolo_output_is_refused()
    {
        string message = Refusal("yolo", Signature([1, 3, 64, 64], G.Float, ("output0", [1, 84, 100])), ["person", "car", "dog"]);
        Assert.Contains("labels file names 3 classes", message, StringComparison.Ordinal);
        Assert.Contains("output0 [1,84,100]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_metadata_disagreeing_with_the_yolo_output_is_refused()
    {
        byte[] model = new G()
            .Input("images", G.Float, 1, 3, 64, 64)
            .ConstantOutput("output0", [1, 7, 10], new float[70])
            .Metadata("names", "{0: 'person', 1: 'car'}")
            .Build();
        string message = Refusal("yolo", OnnxTestSession.SignatureOf(model));
        Assert.Contains("names metadata names 2 classes", message, StringComparison.Ordinal);
        Assert.Contains("output0 [1,7,10]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ssd_model_without_boxes_is_refused()
    {
        string message = Refusal("ssd", Signature([1, 300, 300, 3], G.UInt8,
            ("detection_classes:0", [1, 10]), ("detection_scores:0", [1, 10]), ("num_detections:0", [1])));
        Assert.Contains("no boxes [1,N,4]", message, StringComparison.Ordinal);
        Assert.Contains("detection_scores:0 [1,10]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ssd_model_without_scores_is_refused()
    {
        string message = Refusal("ssd", Signature([1, 300, 300, 3], G.UInt8, ("detection_boxes:0", [1, 10, 4])));
        Assert.Contains("no classes [1,N], scores [1,N]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ssd_model_taking_nchw_is_refused()
    {
        string message = Refusal("ssd", Signature([1, 3, 300, 300], G.Float, ("detection_boxes", [1, 10, 4])));
        Assert.Contains("images [1,3,300,300]", message, StringComparison.Ordinal);
        Assert.Contains("Nchw", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_adapter_is_refused_listing_the_known_ones() =>
        Assert.Contains("blazeface, yolo, ssd", Refusal("detr", Signature([1, 3, 64, 64], G.Float, ("out", [1, 7, 10]))), StringComparison.Ordinal);
}
