namespace EdgeBox.Inference;

/// <summary>
/// MediaPipe BlazeFace (front 128x128 and back 256x256 exports): NHWC float RGB in [-1, 1]; raw scores
/// (sigmoid) and 16 regressors per anchor (box centre and size, then 6 keypoints) for a fixed anchor
/// grid: 512 anchors on a 16x16 grid (2 per cell) and 384 on an 8x8 grid (6 per cell), in cell-row,
/// cell-column, anchor order. Overlapping boxes are merged by weighted NMS (MediaPipe's setting).
/// </summary>
internal sealed class BlazeFaceAdapter : ModelAdapter
{
    private const float NmsIou = 0.3f;
    private const int Regressors = 16;

    private readonly Head[] _heads;
    private readonly List<Detection> _candidates = [];

    /// <summary>A pair of outputs: scores [1,N,1] and regressors [1,N,16] for <see cref="Anchors"/> (x, y pairs, normalized).</summary>
    private sealed record Head(int ScoreOutput, int RegressorOutput, float[] Anchors);

    private BlazeFaceAdapter(ModelInput input, IReadOnlyList<string> labels, Head[] heads)
        : base(input, labels) => _heads = heads;

    public override string Kind => "blazeface";

    public static BlazeFaceAdapter Create(ModelSignature signature, IReadOnlyList<string>? labels)
    {
        var (input, layout, width, height, maxBatch) = ImageInput(signature, "blazeface", 128, 128);
        if (layout != TensorLayout.Nhwc || input.Element != TensorElement.Float32)
        {
            throw new ModelFormatException($"a blazeface model takes a float NHWC picture; {input} is {input.Element?.ToString() ?? "of another type"} {layout}");
        }

        var heads = new List<Head>();
        for (int i = 0; i < signature.Outputs.Count; i++)
        {
            var scores = signature.Outputs[i];
            if (scores.Shape is not [_, var n, 1] || n <= 0)
            {
                continue;
            }

            int regressors = -1;
            for (int j = 0; j < signature.Outputs.Count; j++)
            {
                if (signature.Outputs[j].Shape is [_, var m, Regressors] && m == n)
                {
                    regressors = j;
                }
            }

            if (regressors < 0)
            {
                throw new ModelFormatException($"blazeface: the scores output {scores} has no regressors output [1,{n},{Regressors}] beside it");
            }

            heads.Add(new Head(i, regressors, Anchors((int)n)));
        }

        if (heads.Count == 0 || heads.Sum(h => h.Anchors.Length / 2) != 896)
        {
            throw new ModelFormatException(
                $"a blazeface model has outputs of scores [1,N,1] and regressors [1,N,16] for 896 anchors (512 + 384); this one has {string.Join(", ", signature.Outputs)}");
        }

        var modelInput = new ModelInput(input.Name, width, height, TensorLayout.Nhwc, TensorElement.Float32, 2f / 255f, -1f, KeepAspect: true, PadValue: 0, maxBatch);
        return new BlazeFaceAdapter(modelInput, labels is { Count: > 0 } ? labels : ["face"], [.. heads]);
    }

    /// <summary>Anchor centres for a head of <paramref name="count"/> anchors: 512 = 16x16x2, 384 = 8x8x6, 896 = both.</summary>
    internal static float[] Anchors(int count) => count switch
    {
        512 => Grid(16, 2),
        384 => Grid(8, 6),
        896 => [.. Grid(16, 2), .. Grid(8, 6)],
        _ => throw new ModelFormatException($"blazeface: {count} anchors in one output is not a BlazeFace layout (512, 384 or 896)"),
    };

    private static float[] Grid(int size, int perCell)
    {
        var anchors = new float[size * size * perCell * 2];
        int k = 0;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                for (int a = 0; a < perCell; a++)
                {
                    anchors[k++] = (x + 0.5f) / size;
                    anchors[k++] = (y + 0.5f) / size;
                }
            }
        }

        return anchors;
    }

    public override void Decode(IModelOutputs outputs, int batchIndex, Letterbox letterbox, float threshold, int maxDetections, List<Detection> results)
    {
        _candidates.Clear();
        float w = Input.Width, h = Input.Height;
        foreach (var head in _heads)
        {
            int count = head.Anchors.Length / 2;
            var scores = outputs.Data(head.ScoreOutput).Slice(batchIndex * count, count);
            var regressors = outputs.Data(head.RegressorOutput).Slice(batchIndex * count * Regressors, count * Regressors);
            for (int i = 0; i < count; i++)
            {
                float score = Sigmoid(Math.Clamp(scores[i], -100f, 100f));
                if (score < threshold)
                {
                    continue;
                }

                var r = regressors.Slice(i * Regressors, Regressors);
                float ax = head.Anchors[2 * i] * w, ay = head.Anchors[(2 * i) + 1] * h;
                var box = BoundingBox.FromCenter(ax + r[0], ay + r[1], r[2], r[3]);
                var keypoints = new float[12];
                for (int k = 0; k < 6; k++)
                {
                    keypoints[2 * k] = letterbox.SourceX(ax + r[4 + (2 * k)]);
                    keypoints[(2 * k) + 1] = letterbox.SourceY(ay + r[5 + (2 * k)]);
                }

                _candidates.Add(new Detection(0, score, letterbox.ToSource(box)) { Keypoints = keypoints });
            }
        }

        Nms.Weighted(_candidates, NmsIou, maxDetections, results);
    }
}
