using EdgeBox.Configuration;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace EdgeBox.Inference;

/// <summary>
/// One loaded model: an ONNX Runtime session on the first execution provider that works, its adapter,
/// and input staging memory for up to <see cref="ModelInput.MaxBatch"/> pictures that is allocated
/// once (pictures are written into it in place, see <see cref="TensorWriter"/>). Not thread-safe: one
/// worker runs it.
/// </summary>
internal sealed class ModelSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    /// <summary>Input staging per slot: the worker fills one slot while the model runs on the other.</summary>
    public const int Slots = 2;

    private readonly float[]?[] _floatInputs = new float[]?[Slots];
    private readonly byte[]?[] _byteInputs = new byte[]?[Slots];
    private readonly OrtValue?[,] _inputs;
    private readonly SessionOutputs _outputs;
    private readonly RunOptions _runOptions = new();

    private ModelSession(InferenceSession session, ModelAdapter adapter, string provider)
    {
        _session = session;
        Adapter = adapter;
        Provider = provider;
        var input = adapter.Input;
        _inputNames = [input.Name];
        _outputNames = [.. session.OutputNames];
        int pictureSize = input.Width * input.Height * 3;
        for (int slot = 0; slot < Slots; slot++)
        {
            if (input.Element == TensorElement.Float32)
            {
                _floatInputs[slot] = new float[pictureSize * input.MaxBatch];
            }
            else
            {
                _byteInputs[slot] = new byte[pictureSize * input.MaxBatch];
            }
        }

        _inputs = new OrtValue?[Slots, input.MaxBatch + 1];
        _outputs = new SessionOutputs(_outputNames.Length);
    }

    public ModelAdapter Adapter { get; }

    /// <summary>The execution provider the session runs on (<c>cpu</c>, <c>cuda</c>...).</summary>
    public string Provider { get; }

    /// <summary>Reads a model's declared inputs, outputs and metadata.</summary>
    public static ModelSignature SignatureOf(InferenceSession session)
    {
        static TensorSignature Describe(string name, NodeMetadata metadata) => new(
            name,
            metadata.IsTensor ? metadata.ElementDataType switch
            {
                TensorElementType.Float => TensorElement.Float32,
                TensorElementType.UInt8 => TensorElement.UInt8,
                _ => null,
            } : null,
            metadata.IsTensor ? [.. metadata.Dimensions.Select(d => (long)d)] : []);

        var inputs = session.InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToList();
        var outputs = session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n])).ToList();
        var metadata = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap, StringComparer.Ordinal);
        return new ModelSignature(inputs, outputs, metadata);
    }

    /// <summary>
    /// Opens <paramref name="modelFile"/> on the first provider of <paramref name="plan"/> that works;
    /// <paramref name="fallbacks"/> hears of every provider that failed and why.
    /// </summary>
    public static ModelSession Open(string modelFile, string adapterKind, IReadOnlyList<string>? labels, ProviderPlan plan, int deviceId, int threads,
        Action<ExecutionProviderSetting, string>? fallbacks = null)
    {
        foreach (var provider in plan.Order)
        {
            var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            // ONNX Runtime's pool threads spin between runs by default: on a box whose cores also decode
            // video, that spinning takes the decoders' time. Idle threads sleep instead.
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            try
            {
                Append(options, provider, deviceId);
                var session = new InferenceSession(modelFile, options);
                try
                {
                    var adapter = ModelAdapter.Create(adapterKind, SignatureOf(session), labels);
                    return new ModelSession(session, adapter, ExecutionProviders.Lower(provider));
                }
                catch
                {
                    session.Dispose();
                    throw;
                }
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException && provider != ExecutionProviderSetting.Cpu)
            {
                fallbacks?.Invoke(provider, FirstLine(ex.Message));
            }
            finally
            {
                options.Dispose();
            }
        }

        // The CPU comes last in every plan and its failure is thrown above.
        throw new InvalidOperationException("no execution provider to try");
    }

    private static void Append(SessionOptions options, ExecutionProviderSetting provider, int deviceId)
    {
        switch (provider)
        {
            case ExecutionProviderSetting.Cuda: options.AppendExecutionProvider_CUDA(deviceId); break;
            case ExecutionProviderSetting.TensorRt: options.AppendExecutionProvider_Tensorrt(deviceId); break;
            case ExecutionProviderSetting.Rocm: options.AppendExecutionProvider_ROCm(deviceId); break;
            case ExecutionProviderSetting.OpenVino: options.AppendExecutionProvider_OpenVINO(deviceId == 0 ? "" : deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            default: break; // the CPU provider is always there
        }
    }

    public static string FirstLine(string message)
    {
        int cut = message.IndexOf('\n', StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).Trim();
    }

    /// <summary>Where picture <paramref name="index"/> of the batch in <paramref name="slot"/> is written.</summary>
    public TensorWriter Writer(int slot, int index)
    {
        var input = Adapter.Input;
        int size = input.Width * input.Height * 3;
        return _floatInputs[slot] is { } floats
            ? new TensorWriter(input, floats.AsMemory(index * size, size), default)
            : new TensorWriter(input, default, _byteInputs[slot]!.AsMemory(index * size, size));
    }

    /// <summary>
    /// Runs the model on the first <paramref name="count"/> pictures written to <paramref name="slot"/>;
    /// the outputs stay valid until the next run (a run may go on while the other slot is written).
    /// </summary>
    public IModelOutputs Run(int slot, int count)
    {
        var input = Adapter.Input;
        if (count < 1 || count > input.MaxBatch || slot is < 0 or >= Slots)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        var value = _inputs[slot, count] ??= CreateInput(slot, count);
        _outputs.Replace(_session.Run(_runOptions, _inputNames, [value], _outputNames));
        return _outputs;
    }

    private OrtValue CreateInput(int slot, int count)
    {
        var input = Adapter.Input;
        long[] shape = input.Layout == TensorLayout.Nhwc ? [count, input.Height, input.Width, 3] : [count, 3, input.Height, input.Width];
        int size = count * input.Width * input.Height * 3;
        return _floatInputs[slot] is { } floats
            ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, floats.AsMemory(0, size), shape)
            : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _byteInputs[slot]!.AsMemory(0, size), shape);
    }

    public void Dispose()
    {
        _outputs.Dispose();
        foreach (var value in _inputs)
        {
            value?.Dispose();
        }


        _runOptions.Dispose();
        _session.Dispose();
    }

    /// <summary>The outputs of the last run; non-float outputs are converted into reused float buffers.</summary>
    private sealed class SessionOutputs(int count) : IModelOutputs, IDisposable
    {
        private readonly float[]?[] _converted = new float[]?[count];
        private readonly long[][] _shapes = new long[count][];
        private readonly bool[] _float = new bool[count];
        private readonly int[] _lengths = new int[count];
        private IDisposableReadOnlyCollection<OrtValue>? _values;

        public void Replace(IDisposableReadOnlyCollection<OrtValue> values)
        {
            _values?.Dispose();
            _values = values;
            for (int i = 0; i < count; i++)
            {
                var info = values[i].GetTensorTypeAndShape();
                _shapes[i] = info.Shape;
                _float[i] = info.ElementDataType == TensorElementType.Float;
                _lengths[i] = checked((int)info.ElementCount);
                if (!_float[i])
                {
                    Convert(i, values[i], info.ElementDataType, checked((int)info.ElementCount));
                }
            }
        }

        private void Convert(int index, OrtValue value, TensorElementType type, int length)
        {
            var target = _converted[index] is { } existing && existing.Length >= length ? existing : _converted[index] = new float[length];
            switch (type)
            {
                case TensorElementType.Int64: Copy(value.GetTensorDataAsSpan<long>(), target); break;
                case TensorElementType.Int32: Copy(value.GetTensorDataAsSpan<int>(), target); break;
                case TensorElementType.UInt8: Copy(value.GetTensorDataAsSpan<byte>(), target); break;
                case TensorElementType.Double: Copy(value.GetTensorDataAsSpan<double>(), target); break;
                default: throw new ModelFormatException($"output {index} is of type {type}, which no adapter reads");
            }
        }

        private static void Copy<T>(ReadOnlySpan<T> source, float[] target)
            where T : unmanaged, System.Numerics.INumberBase<T>
        {
            for (int i = 0; i < source.Length; i++)
            {
                target[i] = float.CreateTruncating(source[i]);
            }
        }

        public ReadOnlySpan<float> Data(int index) =>
            _float[index] ? _values![index].GetTensorDataAsSpan<float>() : _converted[index].AsSpan(0, _lengths[index]);

        public ReadOnlySpan<long> Shape(int index) => _shapes[index];

        public void Dispose() => _values?.Dispose();
    }
}
