namespace EdgeBox.Inference;

internal enum TensorLayout
{
    /// <summary>[batch, height, width, channels] (TensorFlow exports: BlazeFace, SSD).</summary>
    Nhwc,

    /// <summary>[batch, channels, height, width] (PyTorch exports: YOLO).</summary>
    Nchw,
}

internal enum TensorElement
{
    Float32,
    UInt8,
}

/// <summary>One input or output of a model as ONNX Runtime describes it; -1 marks a dynamic dimension.</summary>
internal sealed record TensorSignature(string Name, TensorElement? Element, long[] Shape)
{
    public override string ToString() => $"{Name} [{string.Join(",", Shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
}

/// <summary>What a model file declares: its inputs, outputs and custom metadata (YOLO exports keep class names there).</summary>
internal sealed record ModelSignature(IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The picture a model takes: an RGB tensor of <see cref="Width"/> x <see cref="Height"/> in
/// <see cref="Layout"/>; float inputs hold <c>pixel * Scale + Offset</c>, uint8 inputs the pixel.
/// The source is letterboxed (aspect kept, the rest filled with <see cref="PadValue"/>) or stretched.
/// <see cref="MaxBatch"/> is 1 unless the model's batch dimension is dynamic.
/// </summary>
internal sealed record ModelInput(string Name, int Width, int Height, TensorLayout Layout, TensorElement Element, float Scale, float Offset, bool KeepAspect, byte PadValue, int MaxBatch);

/// <summary>The output tensors of one run, in the order of <see cref="ModelSignature.Outputs"/>.</summary>
internal interface IModelOutputs
{
    /// <summary>The values of output <paramref name="index"/> as float (the whole batch).</summary>
    ReadOnlySpan<float> Data(int index);

    /// <summary>The actual shape of output <paramref name="index"/> in this run.</summary>
    ReadOnlySpan<long> Shape(int index);
}

/// <summary>A model file that does not fit what its adapter expects: refused at <c>models add</c> with this message.</summary>
internal sealed class ModelFormatException(string message) : Exception(message);

/// <summary>
/// Knows one family of detection models: checks a model's signature, says what input it wants, and
/// decodes its outputs into <see cref="Detection"/>s in normalized source coordinates.
/// </summary>
internal abstract class ModelAdapter
{
    /// <summary>Adapter names accepted by <c>models add --adapter</c>.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["blazeface", "yolo", "ssd"];

    protected ModelAdapter(ModelInput input, IReadOnlyList<string> labels)
    {
        Input = input;
        Labels = labels;
    }

    public abstract string Kind { get; }

    public ModelInput Input { get; }

    /// <summary>Class names by class index.</summary>
    public IReadOnlyList<string> Labels { get; }

    public string Label(int index) => index >= 0 && index < Labels.Count ? Labels[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Appends the detections of batch item <paramref name="batchIndex"/> scoring at least
    /// <paramref name="threshold"/>, after NMS, at most <paramref name="maxDetections"/>.
    /// </summary>
    public abstract void Decode(IModelOutputs outputs, int batchIndex, Letterbox letterbox, float threshold, int maxDetections, List<Detection> results);

    /// <summary>The adapter <paramref name="kind"/> for a model; throws <see cref="ModelFormatException"/> when the model does not fit it.</summary>
    /// <param name="labels">Class names from a labels file; null to take them from the model (YOLO) or the adapter's default.</param>
    public static ModelAdapter Create(string kind, ModelSignature signature, IReadOnlyList<string>? labels) => kind switch
    {
        "blazeface" => BlazeFaceAdapter.Create(signature, labels),
        "yolo" => YoloAdapter.Create(signature, labels),
        "ssd" => SsdAdapter.Create(signature, labels),
        _ => throw new ModelFormatException($"unknown adapter '{kind}' (expected one of: {string.Join(", ", Kinds)})"),
    };

    /// <summary>Reads a labels file: one name per line, blank lines and surrounding spaces ignored.</summary>
    public static IReadOnlyList<string> ReadLabels(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    /// <summary>The one image input of a model: 4 dimensions with 3 channels at the end (NHWC) or second (NCHW).</summary>
    protected static (TensorSignature Input, TensorLayout Layout, int Width, int Height, int MaxBatch) ImageInput(
        ModelSignature signature, string adapter, int defaultWidth, int defaultHeight)
    {
        if (signature.Inputs.Count != 1)
        {
            throw new ModelFormatException($"a {adapter} model has one image input; this one has {signature.Inputs.Count} ({string.Join(", ", signature.Inputs)})");
        }

        var input = signature.Inputs[0];
        var shape = input.Shape;
        if (shape.Length != 4)
        {
            throw new ModelFormatException($"a {adapter} model's input is an image tensor of 4 dimensions; {input} has {shape.Length}");
        }

        TensorLayout layout;
        long h, w;
        if (shape[3] == 3)
        {
            (layout, h, w) = (TensorLayout.Nhwc, shape[1], shape[2]);
        }
        else if (shape[1] == 3)
        {
            (layout, h, w) = (TensorLayout.Nchw, shape[2], shape[3]);
        }
        else
        {
            throw new ModelFormatException($"a {adapter} model's input has 3 colour channels (NHWC or NCHW); {input} has none");
        }

        int width = w > 0 ? checked((int)w) : defaultWidth;
        int height = h > 0 ? checked((int)h) : defaultHeight;
        if (width is < 8 or > 4096 || height is < 8 or > 4096)
        {
            throw new ModelFormatException($"{input}: an input of {width}x{height} is not a picture size this adapter takes");
        }

        // A dynamic batch runs several paths at once, but never more pictures than fit in MaxStagingBytes
        // (each of the worker's two input slots holds a whole batch).
        long pictureBytes = (long)width * height * 3 * (input.Element == TensorElement.UInt8 ? 1 : 4);
        int fits = (int)Math.Clamp(MaxStagingBytes / 2 / pictureBytes, 1, DynamicBatch);
        int maxBatch = shape[0] is > 1 ? (int)shape[0] : shape[0] < 0 ? fits : 1;
        if (maxBatch * pictureBytes * 2 > MaxStagingBytes)
        {
            throw new ModelFormatException($"{input}: a batch of {maxBatch} pictures of {width}x{height} needs more than {MaxStagingBytes >> 20} MiB of input memory");
        }

        return (input, layout, width, height, maxBatch);
    }

    /// <summary>Most pictures run at once when a model's batch dimension is dynamic.</summary>
    public const int DynamicBatch = 8;

    /// <summary>Most memory a model's input staging may take (both slots).</summary>
    public const long MaxStagingBytes = 256L << 20;

    /// <summary>Number of values per batch item of output <paramref name="index"/> in this run.</summary>
    protected static int ItemSize(IModelOutputs outputs, int index)
    {
        var shape = outputs.Shape(index);
        long size = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            size *= shape[i];
        }

        return checked((int)size);
    }

    protected static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
