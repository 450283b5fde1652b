using EdgeBox.Configuration;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeBox.Codecs;
using EdgeBox.Inference;
using Microsoft.Extensions.Hosting;

namespace EdgeBox.Hosting;

/// <summary>What FFmpeg and ONNX Runtime offer on this machine.</summary>
internal sealed record NativeProbeResult(FfmpegInfo Ffmpeg, OnnxRuntimeInfo OnnxRuntime)
{
    /// <summary>The hardware codec APIs and whether each opened here.</summary>
    public IReadOnlyList<HardwareApiStatus> Hardware { get; init; } = [];
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NativeProbeResult))]
internal sealed partial class NativeProbeJsonContext : JsonSerializerContext;

/// <summary>
/// Finds out what the native libraries offer without loading them into the service: a child process
/// (<c>edgebox probe-native</c>, the same binary) loads FFmpeg and ONNX Runtime, prints what it found
/// as JSON and exits. Why: mapping libav* and its ~100 dependencies costs ~25 MB of RSS and ~100 ms of
/// start-up, and ONNX Runtime's environment ~20 MB more, which an idle box should not pay before a
/// stream needs decoding; and a broken driver that crashes while being probed takes down only the
/// probe, never the service. The probe runs in the background after the HTTP port is open.
/// </summary>
internal sealed partial class NativeCapabilities(IHostApplicationLifetime lifetime, CodecsConfig codecs, ILogger<NativeCapabilities> logger) : BackgroundService
{
    /// <summary>The hidden command the child runs.</summary>
    public const string ProbeCommand = "probe-native";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource<NativeProbeResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NativeProbeResult? _current;

    private HardwareSelection? _selection;

    /// <summary>The hardware acceleration chosen for <c>codecs.hwaccel</c> once the probe finished; null before.</summary>
    public HardwareSelection? Selection => Volatile.Read(ref _selection);

    /// <summary>
    /// The hardware API for a path's setting (its own <c>hwaccel</c>, else the global one). <c>codecs</c> is
    /// read at start-up: a change of it applies at the next start (the probe runs once).
    /// </summary>
    public HardwareSelection Resolve(HwAccelSetting? pathSetting)
    {
        var global = codecs.Hwaccel;
        var setting = pathSetting ?? global;
        var probe = Current?.Hardware ?? [];
        return setting == global && Selection is { } selected ? selected : HardwareSelector.Select(setting, probe);
    }

    /// <summary>The probe's result, or null while it runs.</summary>
    public NativeProbeResult? Current => Volatile.Read(ref _current);

    public async Task<NativeProbeResult?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await _result.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Loads the libraries in this process and reports what they offer (the child's side).</summary>
    public static NativeProbeResult ProbeInProcess(string? hwaccelDevice = null)
    {
        var ffmpeg = FfmpegInfo.Probe();
        return new NativeProbeResult(ffmpeg, OnnxRuntimeInfo.Probe()) { Hardware = ffmpeg.Available ? HardwareProbe.Probe(hwaccelDevice) : [] };
    }

    public static string Serialize(NativeProbeResult result) => JsonSerializer.Serialize(result, NativeProbeJsonContext.Default.NativeProbeResult);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start probing once the HTTP port is open, so the probe never delays start-up.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // stopped (or failed to start) before it ever served: nothing to probe for
            }
        }

        NativeProbeResult result;
        try
        {
            result = await ProbeInChildAsync(codecs.HwaccelDevice, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever happened, the answer is "unavailable", never a stopped service or a hung /info.
            result = Failed(ex.Message);
        }

        if (result.Ffmpeg.Available)
        {
            string hardware = string.Join(", ", result.Ffmpeg.HardwareDeviceTypes);
            Log.FfmpegFound(logger, result.Ffmpeg.FfmpegVersion, result.Ffmpeg.Codecs.Count, hardware);
        }
        else
        {
            Log.Unavailable(logger, "FFmpeg", result.Ffmpeg.Error ?? "unknown error");
        }

        if (result.OnnxRuntime.Available)
        {
            string providers = string.Join(", ", result.OnnxRuntime.Providers);
            Log.OnnxRuntimeFound(logger, result.OnnxRuntime.Version, providers);
        }
        else
        {
            Log.Unavailable(logger, "ONNX Runtime", result.OnnxRuntime.Error ?? "unknown error");
        }

        var selection = HardwareSelector.Select(codecs.Hwaccel, result.Hardware);
        if (selection.Warning)
        {
            Log.HardwareWarning(logger, selection.Reason);
        }
        else
        {
            Log.HardwareSelected(logger, selection.Reason);
        }

        Volatile.Write(ref _selection, selection);
        Volatile.Write(ref _current, result);
        _result.TrySetResult(result);
    }

    private static async Task<NativeProbeResult> ProbeInChildAsync(string? hwaccelDevice, CancellationToken cancellationToken)
    {
        string? self = Environment.ProcessPath;
        if (self is null)
        {
            return Failed("the path of the edgebox executable is unknown");
        }

        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ProbeCommand);
        if (!string.IsNullOrEmpty(hwaccelDevice))
        {
            info.ArgumentList.Add(hwaccelDevice);
        }

        try
        {
            using var child = Process.Start(info);
            if (child is null)
            {
                return Failed("could not start the probe process");
            }

            // The probe is background work: it must not slow the service's first requests on a small box.
            child.PriorityClass = ProcessPriorityClass.BelowNormal;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            // No token on the reads: they end when the child exits or is killed (its pipes close).
            var stdout = child.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = child.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await child.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Timed out, or the service is stopping: the probe must not outlive either.
                child.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                return Failed($"the probe did not finish within {ProbeTimeout.TotalSeconds:0} s (a hung driver?)");
            }

            string output = await stdout.ConfigureAwait(false);
            if (child.ExitCode != 0)
            {
                // 128+N: the probe died from signal N, e.g. a crash inside a driver.
                string error = (await stderr.ConfigureAwait(false)).Trim();
                return Failed($"the probe exited with code {child.ExitCode}{(error.Length > 0 ? ": " + error : "")}");
            }

            return JsonSerializer.Deserialize(output, NativeProbeJsonContext.Default.NativeProbeResult)
                ?? Failed("the probe printed nothing");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or JsonException or InvalidOperationException or NotSupportedException)
        {
            return Failed(ex.Message);
        }
    }

    private static NativeProbeResult Failed(string reason) => new(
        new FfmpegInfo { Available = false, Error = "probing FFmpeg failed: " + reason },
        new OnnxRuntimeInfo(false, "", [], "probing ONNX Runtime failed: " + reason));

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.HardwareSelected, EventName = "HardwareSelected", Level = LogLevel.Information, Message = "{Selection}")]
        public static partial void HardwareSelected(ILogger logger, string selection);

        [LoggerMessage(EventId = Infrastructure.EventIds.HardwareFallback, EventName = "HardwareUnavailable", Level = LogLevel.Warning, Message = "{Selection}")]
        public static partial void HardwareWarning(ILogger logger, string selection);

        [LoggerMessage(EventId = Infrastructure.EventIds.FfmpegLoaded, EventName = "FfmpegFound", Level = LogLevel.Information,
            Message = "FFmpeg {Version}: {CodecCount} codecs; hardware device types: {HardwareTypes}")]
        public static partial void FfmpegFound(ILogger logger, string version, int codecCount, string hardwareTypes);

        [LoggerMessage(EventId = Infrastructure.EventIds.OnnxRuntimeLoaded, EventName = "OnnxRuntimeFound", Level = LogLevel.Information,
            Message = "ONNX Runtime {Version}; execution providers: {Providers}")]
        public static partial void OnnxRuntimeFound(ILogger logger, string version, string providers);

        [LoggerMessage(EventId = Infrastructure.EventIds.ComponentUnavailable, EventName = "ComponentUnavailable", Level = LogLevel.Error,
            Message = "{Component} is unavailable: {Reason}. EdgeBox runs without the features that need it")]
        public static partial void Unavailable(ILogger logger, string component, string reason);
    }
}

