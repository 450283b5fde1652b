using EdgeBox.Inference;
using EdgeBox.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using G = EdgeBox.Tests.Infrastructure.OnnxGraphBuilder;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class SsdAdapterTests
{
    /// <summary>Five rows of (ymin, xmin, ymax, xmax) normalized to the input; num_detections is 3.</summary>
    private static readonly float[] Boxes =
    [
        0.1f, 0.2f, 0.5f, 0.6f,   // person
        0.5f, 0.5f, 0.9f, 0.7f,   // car
        0.2f, 0.2f, 0.4f, 0.4f,   // dog, under the threshold
        0.0f, 0.0f, 1.0f, 1.0f,   // past num_detections: padding, whatever it holds
        0.0f, 0.0f, 0.0f, 0.0f,
    ];

    private static readonly float[] Classes = [1, 3, 18, 1, 0];
    private static readonly float[] Scores = [0.9f, 0.8f, 0.3f, 0.95f, 0f];

    /// <summary>
    /// An <c>image_tensor:0</c> export with dynamic picture size, named outputs in the ONNX model zoo's
    /// order; unnamed ones in TF's (alphabetical) order.
    /// </summary>
    private static byte[] Model(bool named = true)
    {
        var builder = new G().Input("image_tensor:0", G.UInt8, -1, -1, -1, 3);
        return named
            ? builder
                .ConstantOutput("num_detections:0", [1], [3])
                .ConstantOutput("detection_boxes:0", [1, 5, 4], Boxes)
                .ConstantOutput("detection_scores:0", [1, 5], Scores)
                .ConstantOutput("detection_classes:0", [1, 5], Classes)
                .Build()
            : builder
                .ConstantOutput("o0", [1, 5, 4], Boxes)
                .ConstantOutput("o1", [1, 5], Classes)
                .ConstantOutput("o2", [1, 5], Scores)
                .ConstantOutput("o3", [1], [3])
                .Build();
    }

    [Fact]
    public void A_tf_export_keeps_the_first_num_rows_above_the_threshold_with_one_based_coco_ids()
    {
        using var session = new InferenceSession(Model());
        var signature = OnnxTestSession.SignatureOf(session);
        Assert.Equal(TensorElement.UInt8, signature.Inputs[0].Element);
        var adapter = ModelAdapter.Create("ssd", signature, null);
        Assert.Equal(new ModelInput("image_tensor:0", 300, 300, TensorLayout.Nhwc, TensorElement.UInt8, 1f, 0f, false, 0, ModelAdapter.DynamicBatch), adapter.Input);

        // Stretched: normalized input coordinates are normalized source coordinates.
        var letterbox = Letterbox.Fit(640, 480, 300, 300, keepAspect: false);
        var results = new List<Detection>();
        adapter.Decode(OnnxTestSession.Run(session, adapter), 0, letterbox, 0.5f, 10, results);

        Assert.Equal(2, results.Count);
        YoloAdapterTests.AssertDetection(results[0], 0, 0.9f, new BoundingBox(0.2f, 0.1f, 0.6f, 0.5f));
        YoloAdapterTests.AssertDetection(results[1], 2, 0.8f, new BoundingBox(0.5f, 0.5f, 0.7f, 0.9f));
        Assert.Equal(["person", "car"], results.Select(d => adapter.Label(d.Class)));
    }

    [Fact]
    public void A_labels_file_names_id_k_by_its_line_k()
    {
        using var session = new InferenceSession(Model());
        var adapter = ModelAdapter.Create("ssd", OnnxTestSession.SignatureOf(session), ModelAdapter.ReadLabels("mouse\nkeyboard\nscreen\n"));
        var results = new List<Detection>();
        adapter.Decode(OnnxTestSession.Run(session, adapter), 0, Letterbox.Fit(300, 300, 300, 300, false), 0.5f, 10, results);
        Assert.Equal(["mouse", "screen"], results.Select(d => adapter.Label(d.Class)));
    }

    [Fact]
    public void Unnamed_outputs_are_found_by_shape_classes_before_scores()
    {
        using var session = new InferenceSession(Model(named: false));
        var adapter = ModelAdapter.Create("ssd", OnnxTestSession.SignatureOf(session), null);
        var results = new List<Detection>();
        adapter.Decode(OnnxTestSession.Run(session, adapter), 0, Letterbox.Fit(300, 300, 300, 300, false), 0.5f, 10, results);
        Assert.Equal([0, 2], results.Select(d => d.Class));
        Assert.Equal([0.9f, 0.8f], results.Select(d => d.Score));
    }

    [Fact]
    public void A_letterboxed_input_still_maps_boxes_to_the_source()
    {
        using var session = new InferenceSession(Model());
        var adapter = ModelAdapter.Create("ssd", OnnxTestSession.SignatureOf(session), null);
        var results = new List<Detection>();

        // 600x300 kept in aspect: 300x150 at y 75; the person's ymin 0.1 is input y 30, above the picture.
        adapter.Decode(OnnxTestSession.Run(session, adapter), 0, Letterbox.Fit(600, 300, 300, 300, true), 0.5f, 10, results);
        YoloAdapterTests.AssertDetection(results[0], 0, 0.9f, new BoundingBox(0.2f, -0.3f, 0.6f, 0.5f));
    }

    [Fact]
    public void A_float_input_takes_mobilenet_scaling_to_minus_one_one()
    {
        var signature = new ModelSignature(
            [new TensorSignature("normalized_input_image_tensor", TensorElement.Float32, [1, 300, 300, 3])],
            [
                new TensorSignature("detection_boxes", TensorElement.Float32, [1, 10, 4]),
                new TensorSignature("detection_classes", TensorElement.Float32, [1, 10]),
                new TensorSignature("detection_scores", TensorElement.Float32, [1, 10]),
            ],
            new Dictionary<string, string>());
        var input = SsdAdapter.Create(signature, null).Input;
        Assert.Equal((TensorElement.Float32, 2f / 255f, -1f, false), (input.Element, input.Scale, input.Offset, input.KeepAspect));
        Assert.Equal(1, input.MaxBatch);
    }

    [Fact]
    public void Tf2_raw_and_multiclass_outputs_are_not_taken_for_the_detections()
    {
        var signature = new ModelSignature(
            [new TensorSignature("input_tensor", TensorElement.UInt8, [1, 320, 320, 3])],
            [
                new TensorSignature("detection_anchor_indices", TensorElement.Float32, [1, 100]),
                new TensorSignature("detection_multiclass_scores", TensorElement.Float32, [1, 100, 91]),
                new TensorSignature("raw_detection_boxes", TensorElement.Float32, [1, 1917, 4]),
                new TensorSignature("raw_detection_scores", TensorElement.Float32, [1, 1917, 91]),
                new TensorSignature("detection_scores", TensorElement.Float32, [1, 100]),
                new TensorSignature("detection_classes", TensorElement.Float32, [1, 100]),
                new TensorSignature("detection_boxes", TensorElement.Float32, [1, 100, 4]),
                new TensorSignature("num_detections", TensorElement.Float32, [1]),
            ],
            new Dictionary<string, string>());
        var adapter = SsdAdapter.Create(signature, null);
        var outputs = new FloatOutputs(
            [new float[100], new float[100 * 91], new float[1917 * 4], new float[1917 * 91], [0.7f, .. new float[99]], [5f, .. new float[99]], [0.25f, 0.25f, 0.75f, 0.5f, .. new float[396]], [1]],
            [[1, 100], [1, 100, 91], [1, 1917, 4], [1, 1917, 91], [1, 100], [1, 100], [1, 100, 4], [1]]);
        var results = new List<Detection>();
        adapter.Decode(outputs, 0, Letterbox.Fit(320, 320, 320, 320, false), 0.5f, 10, results);
        YoloAdapterTests.AssertDetection(Assert.Single(results), 4, 0.7f, new BoundingBox(0.25f, 0.25f, 0.5f, 0.75f));
        Assert.Equal("airplane", adapter.Label(4));
    }
}
