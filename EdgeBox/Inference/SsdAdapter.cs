namespace EdgeBox.Inference;

/// <summary>
/// SSD exports of the TensorFlow object detection API converted by tf2onnx (SSD MobileNet v1/v2 and the
/// like): an NHWC picture, uint8 (<c>image_tensor</c>, the usual export) or float in [-1, 1] (the
/// MobileNet pre-processing), stretched to the input without keeping the aspect, as TF's resizer does;
/// the default 300x300 when height and width are dynamic. The model does its own decoding and NMS and
/// gives <c>detection_boxes</c> [1,N,4] (ymin, xmin, ymax, xmax normalized to the input picture),
/// <c>detection_classes</c> [1,N] (class ids as floats), <c>detection_scores</c> [1,N] and optionally
/// <c>num_detections</c> [1] (rows past it are padding).
/// <para>
/// Outputs are found by name (<c>detection_boxes:0</c>..., then any name holding boxes/classes/scores/
/// num_detections, leaving TF2's <c>raw_detection_*</c> and <c>detection_multiclass_scores</c> aside),
/// else by shape: boxes the [1,N,4] output, num the 1-D one, and two unnamed [1,N] outputs taken as
/// classes then scores, the order TF lists a signature's outputs in (alphabetical).
/// </para>
/// <para>
/// Class ids are 1-based (TF label maps start at 1; 0 is the background, which exports drop):
/// a detection's class index is id - 1, so line k of a labels file names id k. Without a labels file
/// the names are COCO's 90 ids as the TF model zoo uses them (ids COCO left unused are named by number).
/// </para>
/// </summary>
internal sealed class SsdAdapter : ModelAdapter
{
    /// <summary>The exports already ran NMS; this pass only guards against a model that did not.</summary>
    private const float NmsIou = 0.5f;
    private const int DefaultSize = 300;

    private readonly int _boxes, _classes, _scores, _count;
    private readonly List<Detection> _candidates = [];

    private SsdAdapter(ModelInput input, IReadOnlyList<string> labels, int boxes, int classes, int scores, int count)
        : base(input, labels) => (_boxes, _classes, _scores, _count) = (boxes, classes, scores, count);

    public override string Kind => "ssd";

    public static SsdAdapter Create(ModelSignature signature, IReadOnlyList<string>? labels)
    {
        var (input, layout, width, height, maxBatch) = ImageInput(signature, "ssd", DefaultSize, DefaultSize);
        if (layout != TensorLayout.Nhwc || input.Element is null)
        {
            throw new ModelFormatException($"an ssd model takes a uint8 or float NHWC picture; {input} is {input.Element?.ToString() ?? "of another element type"} {layout}");
        }

        var outputs = signature.Outputs;
        int boxes = Find(outputs, "detection_boxes", "boxes", static s => s is [_, _, 4]);
        int classes = Find(outputs, "detection_classes", "classes", static s => s.Length == 2);
        int scores = Find(outputs, "detection_scores", "scores", static s => s.Length == 2);
        int count = Find(outputs, "num_detections", "num_detections", static s => s.Length == 1);

        boxes = boxes >= 0 ? boxes : Only(outputs, static s => s is [_, _, 4]);
        count = count >= 0 ? count : Only(outputs, static s => s.Length == 1);
        if (classes < 0 || scores < 0)
        {
            var unnamed = Enumerable.Range(0, outputs.Count).Where(i => outputs[i].Shape.Length == 2 && i != classes && i != scores).ToList();
            if (classes < 0 && scores < 0 && unnamed.Count == 2)
            {
                (classes, scores) = (unnamed[0], unnamed[1]);
            }
            else if (unnamed.Count == 1)
            {
                (classes, scores) = classes < 0 ? (unnamed[0], scores) : (classes, unnamed[0]);
            }
        }

        if (boxes < 0 || classes < 0 || scores < 0)
        {
            string missing = string.Join(", ", new[] { (boxes, "boxes [1,N,4]"), (classes, "classes [1,N]"), (scores, "scores [1,N]") }.Where(m => m.Item1 < 0).Select(m => m.Item2));
            throw new ModelFormatException($"an ssd model has detection_boxes, detection_classes and detection_scores outputs; found no {missing} among {string.Join(", ", outputs)}");
        }

        var modelInput = input.Element == TensorElement.UInt8
            ? new ModelInput(input.Name, width, height, TensorLayout.Nhwc, TensorElement.UInt8, 1f, 0f, KeepAspect: false, PadValue: 0, maxBatch)
            : new ModelInput(input.Name, width, height, TensorLayout.Nhwc, TensorElement.Float32, 2f / 255f, -1f, KeepAspect: false, PadValue: 0, maxBatch);
        return new SsdAdapter(modelInput, labels is { Count: > 0 } ? labels : CocoLabels, boxes, classes, scores, count);
    }

    /// <summary>The output named <paramref name="exact"/> (tf2onnx adds <c>:0</c>, a scope may prefix it), else one whose name holds <paramref name="part"/>; -1 if none fits <paramref name="shape"/>.</summary>
    private static int Find(IReadOnlyList<TensorSignature> outputs, string exact, string part, Func<long[], bool> shape)
    {
        int partial = -1;
        for (int i = 0; i < outputs.Count; i++)
        {
            if (!shape(outputs[i].Shape))
            {
                continue;
            }

            string name = outputs[i].Name;
            int colon = name.LastIndexOf(':');
            name = colon > 0 ? name[..colon] : name;
            name = name[(name.LastIndexOf('/') + 1)..];
            if (name.Equals(exact, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }

            if (partial < 0 && name.Contains(part, StringComparison.OrdinalIgnoreCase)
                && !name.Contains("raw", StringComparison.OrdinalIgnoreCase) && !name.Contains("multiclass", StringComparison.OrdinalIgnoreCase))
            {
                partial = i;
            }
        }

        return partial;
    }

    private static int Only(IReadOnlyList<TensorSignature> outputs, Func<long[], bool> shape)
    {
        int found = -1;
        for (int i = 0; i < outputs.Count; i++)
        {
            if (shape(outputs[i].Shape))
            {
                if (found >= 0)
                {
                    return -1;
                }

                found = i;
            }
        }

        return found;
    }

    public override void Decode(IModelOutputs outputs, int batchIndex, Letterbox letterbox, float threshold, int maxDetections, List<Detection> results)
    {
        int rows = checked((int)outputs.Shape(_scores)[^1]);
        var boxes = outputs.Data(_boxes).Slice(batchIndex * ItemSize(outputs, _boxes), rows * 4);
        var classes = outputs.Data(_classes).Slice(batchIndex * ItemSize(outputs, _classes), rows);
        var scores = outputs.Data(_scores).Slice(batchIndex * ItemSize(outputs, _scores), rows);
        if (_count >= 0)
        {
            var count = outputs.Data(_count);
            float n = count.Length > batchIndex ? count[batchIndex] : rows;
            rows = n >= 0 && n < rows ? (int)n : rows;
        }

        float w = letterbox.InputWidth, h = letterbox.InputHeight;
        _candidates.Clear();
        for (int i = 0; i < rows; i++)
        {
            float score = scores[i];
            int id = (int)MathF.Round(classes[i]);
            if (!(score >= threshold) || id < 1)
            {
                continue;
            }

            var b = boxes.Slice(i * 4, 4);
            var box = new BoundingBox(b[1] * w, b[0] * h, b[3] * w, b[2] * h);
            _candidates.Add(new Detection(id - 1, score, letterbox.ToSource(box)));
        }

        Nms.Hard(_candidates, NmsIou, maxDetections, results);
    }

    /// <summary>COCO names by id - 1, as in the TF model zoo's <c>mscoco_label_map.pbtxt</c>; the 10 ids it skips are named by number.</summary>
    internal static readonly IReadOnlyList<string> CocoLabels =
    [
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", "12", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep",
        "cow", "elephant", "bear", "zebra", "giraffe", "26", "backpack", "umbrella", "29", "30",
        "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
        "skateboard", "surfboard", "tennis racket", "bottle", "45", "wine glass", "cup", "fork", "knife", "spoon",
        "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
        "cake", "chair", "couch", "potted plant", "bed", "66", "dining table", "68", "69", "toilet",
        "71", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster",
        "sink", "refrigerator", "83", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
    ];
}
