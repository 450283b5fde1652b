using EdgeBox.Storage;

namespace EdgeBox.Hosting;

internal enum ComponentStatus
{
    Ok,
    Starting,
    Degraded,
    Unavailable,
    Failed,
}

/// <summary>One component's state. <see cref="Required"/> components that fail make the service unhealthy (503).</summary>
internal sealed record ComponentHealth(string Name, ComponentStatus Status, bool Required, string? Message);

/// <summary>
/// Health of the service's components. Storage is required (nothing can be recorded or configured
/// without it); FFmpeg and ONNX Runtime are optional: without them EdgeBox still routes streams and
/// serves its API, and says which features are unavailable.
/// </summary>
internal sealed class HealthService(EdgeBoxDatabase database, NativeCapabilities native)
{
    public IReadOnlyList<ComponentHealth> Check()
    {
        if (native.Current is not { } probe)
        {
            return
            [
                new ComponentHealth("config", ComponentStatus.Ok, true, null),
                Storage(),
                new ComponentHealth("ffmpeg", ComponentStatus.Starting, false, "probing the FFmpeg libraries"),
                new ComponentHealth("onnxruntime", ComponentStatus.Starting, false, "probing ONNX Runtime"),
            ];
        }

        var (ffmpeg, onnx) = (probe.Ffmpeg, probe.OnnxRuntime);
        return
        [
            new ComponentHealth("config", ComponentStatus.Ok, true, null),
            Storage(),
            ffmpeg.Available
                ? new ComponentHealth("ffmpeg", ComponentStatus.Ok, false, $"FFmpeg {ffmpeg.FfmpegVersion}")
                : new ComponentHealth("ffmpeg", ComponentStatus.Unavailable, false, ffmpeg.Error + "; transcoding, snapshots and analytics are unavailable"),
            onnx.Available
                ? new ComponentHealth("onnxruntime", ComponentStatus.Ok, false, $"ONNX Runtime {onnx.Version}")
                : new ComponentHealth("onnxruntime", ComponentStatus.Unavailable, false, onnx.Error + "; analytics are unavailable"),
        ];
    }

    public static bool IsHealthy(IReadOnlyList<ComponentHealth> components) =>
        !components.Any(c => c.Required && c.Status is ComponentStatus.Failed or ComponentStatus.Unavailable);

    private ComponentHealth Storage()
    {
        try
        {
            _ = database.Collection("meta").FindById("schema");
        }
        catch (Exception ex) when (ex is LiteDB.LiteException or IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            return new ComponentHealth("storage", ComponentStatus.Failed, true, ex.Message);
        }

        return database.MovedAside is { } aside
            ? new ComponentHealth("storage", ComponentStatus.Degraded, true, $"the database could not be read at start-up and was moved to {aside}; a new one was created")
            : new ComponentHealth("storage", ComponentStatus.Ok, true, null);
    }
}
