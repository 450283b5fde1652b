using EdgeBox.Inference;
using EdgeBox.Tests.Infrastructure;
using Microsoft.ML.OnnxRuntime;
using G = EdgeBox.Tests.Infrastructure.OnnxGraphBuilder;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class YoloAdapterTests
{
    private const float Tolerance = 1e-3f;

    /// <summary>
    /// Ten anchors of a 3-class v8 head, as rows (cx, cy, w, h, person, car, dog) in input pixels: a person,
    /// its duplicate one pixel right, a car, a dog on the car's box, low-score noise and empty anchors (more anchors than attributes, as in any real export).
    /// </summary>
    private static readonly float[][] V8Anchors =
    [
        [16, 24, 16, 8, 0.9f, 0.1f, 0.05f],
        [17, 24, 16, 8, 0.8f, 0.1f, 0.05f],
        [44, 36, 24, 12, 0.02f, 0.7f, 0.1f],
        [44, 36, 24, 12, 0f, 0f, 0.6f],
        [30, 30, 10, 10, 0.1f, 0.2f, 0.1f],
        [0, 0, 0, 0, 0f, 0f, 0f],
        [0, 0, 0, 0, 0f, 0f, 0f],
        [0, 0, 0, 0, 0f, 0f, 0f],
        [0, 0, 0, 0, 0f, 0f, 0f],
        [0, 0, 0, 0, 0f, 0f, 0f],
    ];

    /// <summary>The v8 output [1, 7, 10]: attribute-major, so each anchor is a column.</summary>
    private static float[] Transposed(float[][] anchors)
    {
        int n = anchors.Length, attributes = anchors[0].Length;
        var data = new float[n * attributes];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < attributes; k++)
            {
                data[(k * n) + i] = anchors[i][k];
            }
        }

        return data;
    }

    [Fact]
    public void A_v8_export_decodes_to_source_boxes_with_its_metadata_names_and_nms_drops_the_duplicate()
    {
        byte[] model = new G()
            .Input("images", G.Float, 1, 3, 64, 64)
            .ConstantOutput("output0", [1, 7, 10], Transposed(V8Anchors))
            .Metadata("names", "{0: 'person', 1: 'car', 2: 'dog'}")
            .Build();
        using var session = new InferenceSession(model);
        var adapter = (YoloAdapter)ModelAdapter.Create("yolo", OnnxTestSession.SignatureOf(session), null);

        Assert.Equal(new ModelInput("images", 64, 64, TensorLayout.Nchw, TensorElement.Float32, 1f / 255f, 0f, true, 114, 1), adapter.Input);
        Assert.Equal(["person", "car", "dog"], adapter.Labels);
        Assert.False(adapter.HasObjectness);

        // A 128x64 source fills 64x32 of the input, 16 pixels of padding above and below.
        var letterbox = Letterbox.Fit(128, 64, 64, 64, keepAspect: true);
        var results = new List<Detection>();
        adapter.Decode(OnnxTestSession.Run(session, adapter), 0, letterbox, 0.25f, 10, results);

        Assert.Equal(3, results.Count);
        AssertDetection(results[0], 0, 0.9f, new BoundingBox(0.125f, 0.125f, 0.375f, 0.375f));
        AssertDetection(results[1], 1, 0.7f, new BoundingBox(0.5f, 0.4375f, 0.875f, 0.8125f));
        AssertDetection(results[2], 2, 0.6f, new BoundingBox(0.5f, 0.4375f, 0.875f, 0.8125f)); // another class: NMS is per class
        Assert.Equal("car", adapter.Label(results[1].Class));
    }

    [Fact]
    public void Max_detections_keeps_the_best_and_results_are_appended()
    {
        byte[] model = new G()
            .Input("images", G.Float, 1, 3, 64, 64)
            .ConstantOutput("output0", [1, 7, 10], Transposed(V8Anchors))
            .Build();
        using var session = new InferenceSession(model);
        var adapter = ModelAdapter.Create("yolo", OnnxTestSession.SignatureOf(session), null);
        var outputs = OnnxTestSession.Run(session, adapter);
        var letterbox = Letterbox.Fit(64, 64, 64, 64, keepAspect: true);
        var results = new List<Detection> { new(7, 1f, default) };

        adapter.Decode(outputs, 0, letterbox, 0.25f, 2, results);
        Assert.Equal([7, 0, 1], results.Select(d => d.Class));
        Assert.Equal(["0", "1", "2"], adapter.Labels); // no names anywhere: numbers

        // The adapter's candidate list is reused: a second decode gives the same.
        adapter.Decode(outputs, 0, letterbox, 0.25f, 2, results);
        Assert.Equal([7, 0, 1, 0, 1], results.Select(d => d.Class));
    }

    [Fact]
    public void A_v5_export_scores_objectness_times_class_and_decodes_the_asked_batch_item()
    {
        float[][] item0 = [[32, 32, 64, 64, 1f, 1f, 0f, 0f], .. Enumerable.Repeat(new float[8], 4)];
        float[][] item1 =
        [
            [32, 32, 32, 16, 0.8f, 0.1f, 0.9f, 0.2f],
            [33, 32, 32, 16, 0.7f, 0.1f, 0.9f, 0.2f], // duplicate
            [20, 50, 8, 8, 0.9f, 0.2f, 0.2f, 0.2f],   // confident box, no class: 0.18
            [40, 10, 8, 8, 0.2f, 1f, 0f, 0f],         // sure class, unlikely object: 0.2
            [24, 20, 4, 4, 1f, 0.5f, 0f, 0f],
        ];
        byte[] model = new G()
            .Input("images", G.Float, -1, 3, 64, 64)
            .ConstantOutput("output0", [2, 5, 8], [.. item0.SelectMany(r => r), .. item1.SelectMany(r => r)])
            .Build();
        using var session = new InferenceSession(model);
        var signature = OnnxTestSession.SignatureOf(session);
        Assert.Equal([2, 5, 8], signature.Outputs[0].Shape); // what ORT infers, not the declared [-1, 5, 8]
        var adapter = (YoloAdapter)ModelAdapter.Create("yolo", signature, ["cat", "bird", "fish"]);
        Assert.True(adapter.HasObjectness);
        Assert.Equal(ModelAdapter.DynamicBatch, adapter.Input.MaxBatch);

        // A 64x128 source fills 32x64 of the input, 16 pixels of padding left and right.
        var letterbox = Letterbox.Fit(64, 128, 64, 64, keepAspect: true);
        var results = new List<Detection>();
        adapter.Decode(OnnxTestSession.Run(session, adapter, batch: 2), 1, letterbox, 0.25f, 10, results);

        Assert.Equal(2, results.Count);
        AssertDetection(results[0], 1, 0.72f, new BoundingBox(0f, 0.375f, 1f, 0.625f));
        AssertDetection(results[1], 0, 0.5f, new BoundingBox(0.1875f, 0.28125f, 0.3125f, 0.34375f));
        Assert.Equal("bird", adapter.Label(results[0].Class));
    }

    [Theory]
    [InlineData(85, 8400, null, 1, 81, false)]   // v8 orientation, no class count: middle is v8
    [InlineData(8400, 85, null, 2, 80, true)]    // attributes last: v5
    [InlineData(8400, 85, 81, 2, 81, false)]     // a v8 export transposed: the class count tells
    [InlineData(25200, 85, 80, 2, 80, true)]
    [InlineData(84, 8400, 80, 1, 80, false)]
    [InlineData(84, -1, null, 1, 80, false)]     // dynamic anchors
    [InlineData(-1, 6, null, 2, 1, true)]
    [InlineData(8400, 5, null, 2, 1, false)]     // 5 last can only be one-class v8
    [InlineData(5, 8400, null, 1, 1, false)]
    public void The_attribute_dimension_and_layout_follow_the_documented_rule(long a, long b, int? classes, int dimension, int classCount, bool objectness)
    {
        var signature = new ModelSignature(
            [new TensorSignature("images", TensorElement.Float32, [1, 3, 640, 640])],
            [new TensorSignature("output0", TensorElement.Float32, [1, a, b])],
            new Dictionary<string, string>());
        var labels = classes is int n ? Enumerable.Range(0, n).Select(i => $"c{i}").ToList() : null;
        var adapter = YoloAdapter.Create(signature, labels);
        Assert.Equal(classCount, adapter.ClassCount);
        Assert.Equal(objectness, adapter.HasObjectness);
        Assert.Equal(classCount, adapter.Labels.Count);
        Assert.Equal(dimension, adapter.AttributeDimension);
    }

    [Fact]
    public void Dynamic_picture_dimensions_default_to_640_and_dynamic_anchors_are_counted_per_run()
    {
        // [1, 6, W]: every anchor the same box of class 1, so NMS leaves one.
        byte[] model = new G()
            .Input("images", G.Float, -1, 3, -1, -1)
            .ColumnsOutput("output0", [320, 320, 64, 64, 0.1f, 0.8f])
            .Build();
        using var session = new InferenceSession(model);
        var signature = OnnxTestSession.SignatureOf(session);
        Assert.Equal([1, 6, -1], signature.Outputs[0].Shape);
        var adapter = ModelAdapter.Create("yolo", signature, null);
        Assert.Equal((640, 640, ModelAdapter.DynamicBatch), (adapter.Input.Width, adapter.Input.Height, adapter.Input.MaxBatch));
        Assert.Equal(["0", "1"], adapter.Labels);

        var outputs = OnnxTestSession.Run(session, adapter);
        Assert.Equal([1, 6, 640], outputs.Shape(0).ToArray());
        var results = new List<Detection>();
        adapter.Decode(outputs, 0, Letterbox.Fit(640, 640, 640, 640, true), 0.5f, 10, results);
        AssertDetection(Assert.Single(results), 1, 0.8f, new BoundingBox(0.45f, 0.45f, 0.55f, 0.55f));
    }

    internal static void AssertDetection(Detection actual, int expectedClass, float expectedScore, BoundingBox expectedBox)
    {
        Assert.Equal(expectedClass, actual.Class);
        Assert.Equal(expectedScore, actual.Score, Tolerance);
        Assert.Equal(expectedBox.X1, actual.Box.X1, Tolerance);
        Assert.Equal(expectedBox.Y1, actual.Box.Y1, Tolerance);
        Assert.Equal(expectedBox.X2, actual.Box.X2, Tolerance);
        Assert.Equal(expectedBox.Y2, actual.Box.Y2, Tolerance);
    }
}
