using EdgeBox.Codecs;
using EdgeBox.Configuration;
using EdgeBox.Events;
using EdgeBox.Inference;
using EdgeBox.Storage;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using G = EdgeBox.Tests.Infrastructure.OnnxGraphBuilder;

namespace EdgeBox.Tests.Unit.Inference;

/// <summary>The runtime around the adapters: batches through ONNX Runtime, BlazeFace's anchors and merging, and the per-path picture mailbox.</summary>
public sealed class ModelRuntimeTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_model_with_a_dynamic_batch_runs_several_pictures_in_one_call_from_either_input_slot()
    {
        float[][] item0 = [[32, 32, 64, 64, 1f, 1f, 0f, 0f], .. Enumerable.Repeat(new float[8], 4)];
        float[][] item1 = [[32, 32, 32, 16, 0.8f, 0.1f, 0.9f, 0.2f], .. Enumerable.Repeat(new float[8], 4)];
        string file = _dir.File("v5.onnx");
        File.WriteAllBytes(file, new G()
            .Input("images", G.Float, -1, 3, 64, 64)
            .ConstantOutput("output0", [2, 5, 8], [.. item0.SelectMany(r => r), .. item1.SelectMany(r => r)])
            .Build());

        var plan = ExecutionProviders.Plan(ExecutionProviderSetting.Cpu, ["CPUExecutionProvider"]);
        using var session = ModelSession.Open(file, "yolo", ["cat", "bird", "fish"], plan, deviceId: 0, threads: 1);
        Assert.Equal(("cpu", ModelAdapter.DynamicBatch), (session.Provider, session.Adapter.Input.MaxBatch));

        var rgb = new byte[64 * 64 * 3];
        for (int slot = 0; slot < ModelSession.Slots; slot++)
        {
            session.Writer(slot, 0).Write(rgb);
            session.Writer(slot, 1).Write(rgb);
            var outputs = session.Run(slot, 2);
            Assert.Equal([2, 5, 8], outputs.Shape(0).ToArray());
            var square = Letterbox.Fit(64, 64, 64, 64, keepAspect: true);
            var first = new List<Detection>();
            session.Adapter.Decode(outputs, 0, square, 0.25f, 10, first);
            var second = new List<Detection>();
            session.Adapter.Decode(outputs, 1, square, 0.25f, 10, second);
            Assert.Equal((0, 1), (Assert.Single(first).Class, Assert.Single(second).Class));
        }
    }

    /// <summary>Outputs given as arrays, in the BlazeFace order: scores 512, scores 384, regressors 512, regressors 384.</summary>
    private sealed class ArrayOutputs(float[][] data, long[][] shapes) : IModelOutputs
    {
        public ReadOnlySpan<float> Data(int index) => data[index];

        public ReadOnlySpan<long> Shape(int index) => shapes[index];
    }

    private static ModelSignature BlazeFaceSignature(int size) => new(
        [new TensorSignature("input:0", TensorElement.Float32, [1, size, size, 3])],
        [
            new TensorSignature("Identity:0", TensorElement.Float32, [1, 512, 1]),
            new TensorSignature("Identity_1:0", TensorElement.Float32, [1, 384, 1]),
            new TensorSignature("Identity_2:0", TensorElement.Float32, [1, 512, 16]),
            new TensorSignature("Identity_3:0", TensorElement.Float32, [1, 384, 16]),
        ],
        new Dictionary<string, string>());

    [Fact]
    public void Blazeface_anchors_follow_mediapipe_and_overlapping_boxes_merge_by_score()
    {
        var anchors = BlazeFaceAdapter.Anchors(896);
        Assert.Equal(896 * 2, anchors.Length);
        Assert.Equal((0.5f / 16, 0.5f / 16), (anchors[0], anchors[1]));             // first cell of the 16x16 grid, 2 anchors
        Assert.Equal((anchors[0], anchors[1]), (anchors[2], anchors[3]));
        Assert.Equal((1.5f / 16, 0.5f / 16), (anchors[4], anchors[5]));             // next column
        Assert.Equal((0.5f / 8, 0.5f / 8), (anchors[1024], anchors[1025]));        // the 8x8 grid starts at anchor 512
        Assert.Equal((7.5f / 8, 7.5f / 8), (anchors[^2], anchors[^1]));

        var adapter = (BlazeFaceAdapter)ModelAdapter.Create("blazeface", BlazeFaceSignature(128), null);
        Assert.Equal(("face", 128, 2f / 255, -1f), (adapter.Label(0), adapter.Input.Width, adapter.Input.Scale, adapter.Input.Offset));

        float[] scores = Enumerable.Repeat(-10f, 512).ToArray(), scores2 = Enumerable.Repeat(-10f, 384).ToArray();
        float[] regressors = new float[512 * 16], regressors2 = new float[384 * 16];
        // Cell (x 5, y 3) of the 16x16 grid: anchors 106 and 107, centre (44, 28) in input pixels.
        void Set(int anchor, float logit, float dx, float dy, float w, float h)
        {
            scores[anchor] = logit;
            float[] r = [dx, dy, w, h, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
            r.CopyTo(regressors, anchor * 16);
        }

        Set(106, 5f, 2, -1, 20, 24);
        Set(107, 3f, 4, -1, 20, 24);
        scores[300] = -1f; // sigmoid 0.27: under the threshold
        var outputs = new ArrayOutputs([scores, scores2, regressors, regressors2], [[1, 512, 1], [1, 384, 1], [1, 512, 16], [1, 384, 16]]);

        var results = new List<Detection>();
        adapter.Decode(outputs, 0, Letterbox.Fit(256, 256, 128, 128, keepAspect: true), 0.5f, 10, results);

        var face = Assert.Single(results);
        float w1 = 1 / (1 + MathF.Exp(-5f)), w2 = 1 / (1 + MathF.Exp(-3f));
        Assert.Equal(w1, face.Score, 5);
        // Box 1: centre (46, 27), 20x24 -> (36, 15)-(56, 39); box 2 is 2 px to the right; weighted by score.
        float x1 = ((36 * w1) + (38 * w2)) / (w1 + w2);
        Assert.Equal(x1 / 128, face.Box.X1, 4);
        Assert.Equal(15f / 128, face.Box.Y1, 4);
        Assert.Equal((x1 + 20) / 128, face.Box.X2, 4);
        Assert.Equal(39f / 128, face.Box.Y2, 4);
        Assert.Equal(12, face.Keypoints!.Length);
        Assert.Equal((44 + 1f) / 128, face.Keypoints[0], 4); // keypoints are offsets from the anchor too
    }

    [Fact]
    public void A_picture_the_model_has_not_taken_is_replaced_by_the_next_and_counted_as_skipped()
    {
        var time = new FakeTimeProvider();
        using var db = EdgeBoxDatabase.Open(_dir.Path, time, NullLogger.Instance);
        var events = new EventBus(db, time, NullLogger<EventBus>.Instance);
        var snapshots = new DetectionSnapshots(_dir.Path, NullLogger<DetectionSnapshots>.Instance);
        using var detector = new PathDetector("cam1", new DetectConfig { Model = "m", Fps = 10 }, time, events, snapshots,
            (_, _, _) => Task.FromResult<long?>(null), NullLogger.Instance);
        int wakes = 0;
        detector.Wake = () => wakes++;

        MediaFrame Picture(long pts)
        {
            var frame = new MediaFrame();
            frame.AllocateVideo(64, 64, PixelFormat.Yuv420P);
            frame.Pts = pts;
            return frame;
        }

        // 30 pictures a second for a tenth of a second each taken at 10 per second: one in three is sampled.
        for (int i = 0; i < 9; i++)
        {
            using var picture = Picture(i);
            detector.OnFrame(picture, live: true);
            time.Advance(TimeSpan.FromMilliseconds(1000.0 / 30));
        }

        var status = detector.Status("running", null, "cpu");
        Assert.Equal((3L, 2L, 3), (status.Sampled, status.Skipped, wakes));
        using (var newest = detector.Take())
        {
            Assert.Equal(6, newest!.Pts); // the newest sampled picture waits; the older ones were let go
        }

        Assert.Null(detector.Take());
    }

    [Fact]
    public void A_dynamic_batch_is_capped_by_input_memory_and_a_picture_too_big_for_it_is_refused()
    {
        ModelSignature Yolo(long batch, long size) => new(
            [new TensorSignature("images", TensorElement.Float32, [batch, 3, size, size])],
            [new TensorSignature("output0", TensorElement.Float32, [1, 84, 8400])],
            new Dictionary<string, string>());

        Assert.Equal(ModelAdapter.DynamicBatch, ModelAdapter.Create("yolo", Yolo(-1, 640), null).Input.MaxBatch);
        Assert.Equal(2, ModelAdapter.Create("yolo", Yolo(-1, 2048), null).Input.MaxBatch); // 48 MiB a picture, two slots
        var refused = Assert.Throws<ModelFormatException>(() => ModelAdapter.Create("yolo", Yolo(1, 4096), null));
        Assert.Contains("needs more than 256 MiB of input memory", refused.Message, StringComparison.Ordinal);
    }
}
