using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBox.Inference;

/// <summary>
/// Where the ONNX Runtime native library comes from. By default <c>libonnxruntime.so</c> beside the
/// binary (the published folder ships it; a GPU build copied over it is picked up at the next start).
/// <c>inference.runtimeLibrary</c> (or the variable <see cref="Variable"/>, which child processes
/// inherit) names another one. Must be set before anything touches ONNX Runtime.
/// </summary>
internal static class OnnxRuntimeLoader
{
    public const string Variable = "EDGEBOX_INFERENCE_RUNTIMELIBRARY";

    private static int _installed;

    /// <summary>Uses <paramref name="library"/> (when not empty) for ONNX Runtime; also for the native probe child.</summary>
    public static void Configure(string? library)
    {
        if (!string.IsNullOrWhiteSpace(library))
        {
            Environment.SetEnvironmentVariable(Variable, Path.GetFullPath(library));
        }

        Install();
    }

    /// <summary>Registers the resolver once; it reads <see cref="Variable"/> when ONNX Runtime is first loaded.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) != 0)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, Resolve);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!name.Contains("onnxruntime", StringComparison.Ordinal) || Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } library)
        {
            return 0;
        }

        // Throws DllNotFoundException with dlopen's message when the file is missing or not a library.
        return NativeLibrary.Load(library);
    }

    /// <summary>The file the ONNX Runtime library was loaded from (from the process's memory map), if loaded.</summary>
    public static string? LoadedPath()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && line.Contains("libonnxruntime.so", StringComparison.Ordinal)
                    && !line.Contains("providers", StringComparison.Ordinal))
                {
                    return line[slash..];
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
