using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeBox.Infrastructure;

/// <summary>Version and runtime facts shown by <c>edgebox version</c> and <c>/api/v1/info</c>.</summary>
internal static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string Runtime => RuntimeInformation.FrameworkDescription;

    public static string Platform => RuntimeInformation.RuntimeIdentifier;

    /// <summary>True in the Native AOT binary (no JIT, no dynamic code).</summary>
    public static bool IsNativeAot => System.Runtime.JitInfo.GetCompiledMethodCount() == 0;
}
