using EdgeBox.Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// Runs a model built by <see cref="OnnxGraphBuilder"/> in ONNX Runtime the way the service does:
/// the signature comes from the session's metadata, the outputs are read back as floats.
/// </summary>
internal static class OnnxTestSession
{
    /// <summary>A <see cref="ModelSignature"/> from what ONNX Runtime reports: inputs and outputs in declared order, -1 for dynamic dimensions.</summary>
    public static ModelSignature SignatureOf(InferenceSession session) => new(
        [.. session.InputNames.Select(name => Tensor(name, session.InputMetadata[name]))],
        [.. session.OutputNames.Select(name => Tensor(name, session.OutputMetadata[name]))],
        new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap));

    public static ModelSignature SignatureOf(byte[] model)
    {
        using var session = new InferenceSession(model);
        return SignatureOf(session);
    }

    private static TensorSignature Tensor(string name, NodeMetadata metadata) => new(
        name,
        metadata.ElementDataType switch
        {
            TensorElementType.Float => TensorElement.Float32,
            TensorElementType.UInt8 => TensorElement.UInt8,
            _ => null,
        },
        [.. metadata.Dimensions.Select(d => (long)d)]);

    /// <summary>Runs <paramref name="session"/> on a zero picture of <paramref name="batch"/> items in the adapter's input size.</summary>
    public static FloatOutputs Run(InferenceSession session, ModelAdapter adapter, int batch = 1)
    {
        var input = adapter.Input;
        long[] shape = input.Layout == TensorLayout.Nchw
            ? [batch, 3, input.Height, input.Width]
            : [batch, input.Height, input.Width, 3];
        int length = (int)(shape[0] * shape[1] * shape[2] * shape[3]);
        using var value = input.Element == TensorElement.UInt8
            ? OrtValue.CreateTensorValueFromMemory(new byte[length], shape)
            : OrtValue.CreateTensorValueFromMemory(new float[length], shape);
        using var options = new RunOptions();
        using var results = session.Run(options, [input.Name], [value], session.OutputNames);
        return new FloatOutputs(
            [.. results.Select(r => r.GetTensorDataAsSpan<float>().ToArray())],
            [.. results.Select(r => r.GetTensorTypeAndShape().Shape)]);
    }
}

/// <summary><see cref="IModelOutputs"/> over arrays.</summary>
internal sealed class FloatOutputs(float[][] data, long[][] shapes) : IModelOutputs
{
    public ReadOnlySpan<float> Data(int index) => data[index];

    public ReadOnlySpan<long> Shape(int index) => shapes[index];
}
