using Microsoft.ML.OnnxRuntime;

namespace EdgeBox.Inference;

/// <summary>
/// The ONNX Runtime native library in use: its version and the execution providers it was built with
/// (a GPU build dropped in beside the binary lists CUDA/TensorRT here without rebuilding EdgeBox).
/// </summary>
internal sealed record OnnxRuntimeInfo(bool Available, string Version, IReadOnlyList<string> Providers, string? Error)
{
    /// <summary>The native library file in use (a configured one, or the one beside the binary).</summary>
    public string? Library { get; init; }

    public static OnnxRuntimeInfo Probe()
    {
        try
        {
            var env = OrtEnv.Instance();
            return new OnnxRuntimeInfo(true, env.GetVersionString(), env.GetAvailableProviders(), null) { Library = OnnxRuntimeLoader.LoadedPath() };
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or OnnxRuntimeException)
        {
            string message = (ex.InnerException ?? ex).Message;
            int cut = message.IndexOf('\n', StringComparison.Ordinal);
            return new OnnxRuntimeInfo(false, "", [], "ONNX Runtime could not be loaded: " + (cut < 0 ? message : message[..cut]));
        }
    }
}
