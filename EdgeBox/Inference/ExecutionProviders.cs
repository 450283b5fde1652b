using EdgeBox.Configuration;

namespace EdgeBox.Inference;

/// <summary>
/// Chooses ONNX Runtime execution providers. <c>auto</c> takes every accelerator the native library
/// was built with (TensorRT, CUDA, ROCm, OpenVINO, in that order), then the CPU; a provider asked for
/// by name is tried first and the CPU is its fallback. Whether a provider listed by the library really
/// works (drivers, a GPU) is only known when a session is made: the runner tries them in this order.
/// </summary>
internal static class ExecutionProviders
{
    public const string Cpu = "CPUExecutionProvider";

    private static readonly (ExecutionProviderSetting Setting, string Name)[] Accelerators =
    [
        (ExecutionProviderSetting.TensorRt, "TensorrtExecutionProvider"),
        (ExecutionProviderSetting.Cuda, "CUDAExecutionProvider"),
        (ExecutionProviderSetting.Rocm, "ROCMExecutionProvider"),
        (ExecutionProviderSetting.OpenVino, "OpenVINOExecutionProvider"),
    ];

    /// <summary>ONNX Runtime's name of a provider setting.</summary>
    public static string NameOf(ExecutionProviderSetting setting) =>
        setting == ExecutionProviderSetting.Cpu ? Cpu : Accelerators.First(a => a.Setting == setting).Name;

    /// <summary>The setting of an ONNX Runtime provider name, or null for one EdgeBox does not drive.</summary>
    public static ExecutionProviderSetting? SettingOf(string name) =>
        name == Cpu ? ExecutionProviderSetting.Cpu : Accelerators.FirstOrDefault(a => a.Name == name) is { Name: not null } found ? found.Setting : null;

    /// <summary>The providers to try, in order, and why (a warning when a named one is not in the library).</summary>
    public static ProviderPlan Plan(ExecutionProviderSetting setting, IReadOnlyList<string> available)
    {
        if (setting == ExecutionProviderSetting.Cpu)
        {
            return new ProviderPlan([ExecutionProviderSetting.Cpu], "the CPU, as configured", Warning: false);
        }

        if (setting == ExecutionProviderSetting.Auto)
        {
            var found = Accelerators.Where(a => available.Contains(a.Name, StringComparer.Ordinal)).Select(a => a.Setting).ToList();
            string reason = found.Count == 0
                ? $"the CPU: this ONNX Runtime library has no GPU/NPU provider (it offers {string.Join(", ", available)})"
                : $"{string.Join(", then ", found.Select(Lower))}, then the CPU";
            return new ProviderPlan([.. found, ExecutionProviderSetting.Cpu], reason, Warning: false);
        }

        string name = NameOf(setting);
        if (!available.Contains(name, StringComparer.Ordinal))
        {
            return new ProviderPlan([ExecutionProviderSetting.Cpu],
                $"the CPU: {Lower(setting)} was asked for, but this ONNX Runtime library does not have {name} (it offers {string.Join(", ", available)}); put a GPU build of libonnxruntime beside the binary or set inference.runtimeLibrary",
                Warning: true);
        }

        return new ProviderPlan([setting, ExecutionProviderSetting.Cpu], $"{Lower(setting)}, then the CPU", Warning: false);
    }

    public static string Lower(ExecutionProviderSetting setting) => setting.ToString().ToLowerInvariant();
}

/// <summary>Providers to try in order; <see cref="Warning"/> when the configured one cannot be used.</summary>
internal sealed record ProviderPlan(IReadOnlyList<ExecutionProviderSetting> Order, string Reason, bool Warning);
