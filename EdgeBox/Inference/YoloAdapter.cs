namespace EdgeBox.Inference;

/// <summary>
/// Ultralytics YOLO detection exports (YOLOv5, YOLOv8, YOLO11): NCHW float RGB in [0, 1], letterboxed
/// with grey (114) like Ultralytics' own pre-processing, and one 3-D output of rows of attributes per
/// anchor, box centre and size in input pixels first:
/// <list type="bullet">
/// <item>v8/v11: <c>[1, 4+nc, N]</c> — cx, cy, w, h, then nc class scores (no objectness);</item>
/// <item>v5: <c>[1, N, 5+nc]</c> — cx, cy, w, h, objectness, then nc class scores; score = objectness x class.</item>
/// </list>
/// Which dimension holds the attributes and which layout it is: when the number of classes is known
/// (labels file, else the export's <c>names</c> metadata), the dimension that is 4 + nc (v8, either
/// dimension, so a v8 export transposed to <c>[1, N, 4+nc]</c> also fits) or the last one when it is
/// 5 + nc (v5); no match is refused, since the labels would name the wrong classes. Without a class
/// count the smaller static dimension holds the attributes (anchors are many: 8400 at 640x640 for v8,
/// 25200 for v5); in the middle it is v8, last it is v5 (Ultralytics' own orientations), except 5
/// attributes last, which can only be a one-class v8. A dynamic dimension is the anchors.
/// </summary>
internal sealed class YoloAdapter : ModelAdapter
{
    private const float NmsIou = 0.45f;
    private const int DefaultSize = 640;

    private readonly int _output;
    private readonly int _attributeDimension;
    private readonly int _attributes;
    private readonly bool _objectness;
    private readonly List<Detection> _candidates = [];

    private YoloAdapter(ModelInput input, IReadOnlyList<string> labels, int output, int attributeDimension, int attributes, bool objectness)
        : base(input, labels)
    {
        _output = output;
        _attributeDimension = attributeDimension;
        _attributes = attributes;
        _objectness = objectness;
    }

    public override string Kind => "yolo";

    /// <summary>Number of classes the output scores.</summary>
    public int ClassCount => _attributes - (_objectness ? 5 : 4);

    /// <summary>The output dimension holding the attributes: 1 (v8 as exported) or 2 (v5, or v8 transposed).</summary>
    public int AttributeDimension => _attributeDimension;

    /// <summary>True for the v5 layout (objectness before the class scores).</summary>
    public bool HasObjectness => _objectness;

    public static YoloAdapter Create(ModelSignature signature, IReadOnlyList<string>? labels)
    {
        var (input, layout, width, height, maxBatch) = ImageInput(signature, "yolo", DefaultSize, DefaultSize);
        if (layout != TensorLayout.Nchw || input.Element != TensorElement.Float32)
        {
            throw new ModelFormatException($"a yolo model takes a float NCHW picture; {input} is {input.Element?.ToString() ?? "of another element type (float16 exports are not taken)"} {layout}");
        }

        int output = -1;
        for (int i = 0; i < signature.Outputs.Count; i++)
        {
            if (signature.Outputs[i].Shape.Length != 3)
            {
                continue;
            }

            if (output >= 0)
            {
                throw new ModelFormatException($"a yolo model has one 3-D detection output; this one has several ({string.Join(", ", signature.Outputs)})");
            }

            output = i;
        }

        if (output < 0)
        {
            throw new ModelFormatException($"a yolo model has a 3-D detection output [1, 4+classes, anchors] or [1, anchors, 5+classes]; this one has {string.Join(", ", signature.Outputs)}");
        }

        var tensor = signature.Outputs[output];
        IReadOnlyList<string>? names = labels is { Count: > 0 } ? labels
            : signature.Metadata.TryGetValue("names", out string? literal) ? ClassNamesLiteral.Parse(literal)
            : null;
        string namesSource = labels is { Count: > 0 } ? "the labels file" : "the model's names metadata";

        var (dimension, attributes, objectness) = Layout(tensor, names?.Count, namesSource);
        int classes = attributes - (objectness ? 5 : 4);
        names ??= [.. Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

        var modelInput = new ModelInput(input.Name, width, height, TensorLayout.Nchw, TensorElement.Float32, 1f / 255f, 0f, KeepAspect: true, PadValue: 114, maxBatch);
        return new YoloAdapter(modelInput, names, output, dimension, attributes, objectness);
    }

    /// <summary>Which dimension of <paramref name="output"/> (1 or 2) holds the attributes, how many, and whether it is the v5 layout.</summary>
    private static (int Dimension, int Attributes, bool Objectness) Layout(TensorSignature output, int? classCount, string namesSource)
    {
        long a = output.Shape[1], b = output.Shape[2];
        if (classCount is int nc)
        {
            // Smaller attribute dimension first: a square [1, 84, 84] is v8 as Ultralytics writes it.
            (int, int, bool)? found = null;
            if (a == nc + 4)
            {
                found = (1, nc + 4, false);
            }

            if (b == nc + 5 && (found is null || b < a))
            {
                found = (2, nc + 5, true);
            }

            if (b == nc + 4 && (found is null || b < a))
            {
                found = (2, nc + 4, false);
            }

            return found ?? throw new ModelFormatException(
                $"{namesSource} names {nc} classes but the yolo output {output} has room for neither {nc}+4 attributes (v8/v11) nor {nc}+5 last (v5)");
        }

        int dimension;
        if (a > 0 && (b <= 0 || a < b))
        {
            dimension = 1;
        }
        else if (b > 0 && (a <= 0 || b < a))
        {
            dimension = 2;
        }
        else
        {
            throw new ModelFormatException(
                $"the yolo output {output} does not say which dimension holds the attributes (both dynamic or equal); give a labels file so the class count tells");
        }

        long attributes = output.Shape[dimension];
        if (attributes < 5 || attributes > ClassNamesLiteral.MaxClasses + 5)
        {
            throw new ModelFormatException($"the yolo output {output} has {attributes} attributes per anchor; a box and a class score take at least 5");
        }

        return (dimension, (int)attributes, dimension == 2 && attributes > 5);
    }

    public override void Decode(IModelOutputs outputs, int batchIndex, Letterbox letterbox, float threshold, int maxDetections, List<Detection> results)
    {
        var shape = outputs.Shape(_output);
        if (shape.Length != 3 || shape[_attributeDimension] != _attributes)
        {
            throw new ModelFormatException($"the yolo output has shape [{string.Join(",", shape.ToArray())}] in this run, not {_attributes} attributes in dimension {_attributeDimension}");
        }

        int anchors = checked((int)shape[3 - _attributeDimension]);
        int itemSize = ItemSize(outputs, _output);
        var data = outputs.Data(_output).Slice(batchIndex * itemSize, itemSize);

        // Attribute k of anchor i is at k * attributeStride + i * anchorStride.
        int attributeStride = _attributeDimension == 1 ? anchors : 1;
        int anchorStride = _attributeDimension == 1 ? 1 : _attributes;
        int firstClass = _objectness ? 5 : 4;

        _candidates.Clear();
        for (int i = 0; i < anchors; i++)
        {
            int at = i * anchorStride;
            float objectness = _objectness ? data[at + (4 * attributeStride)] : 1f;
            if (objectness < threshold)
            {
                continue;
            }

            int best = -1;
            float bestScore = float.MinValue;
            for (int k = firstClass; k < _attributes; k++)
            {
                float score = data[at + (k * attributeStride)];
                if (score > bestScore)
                {
                    (best, bestScore) = (k - firstClass, score);
                }
            }

            float confidence = objectness * bestScore;
            if (!(confidence >= threshold))
            {
                continue;
            }

            var box = BoundingBox.FromCenter(data[at], data[at + attributeStride], data[at + (2 * attributeStride)], data[at + (3 * attributeStride)]);
            _candidates.Add(new Detection(best, confidence, letterbox.ToSource(box)));
        }

        Nms.Hard(_candidates, NmsIou, maxDetections, results);
    }
}
