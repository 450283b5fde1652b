using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using EdgeBox.Configuration;
using EdgeBox.Hosting;
using EdgeBox.Infrastructure;
using EdgeBox.Media;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Uplink;

/// <summary>
/// The running service as the fleet sees it: its state, telemetry, desired configs (through the same
/// config pipeline as every local edit) and commands.
/// </summary>
internal sealed partial class BoxDevice : IFleetDevice, IDisposable
{
    /// <summary>MQTT and HTTPS pull may both reconcile: one at a time, so neither builds on layers the other is replacing.</summary>
    private readonly SemaphoreSlim _reconcile = new(1, 1);
    private readonly UplinkServices _services;
    private readonly UplinkStatus _status;
    private readonly string _deviceId;
    private readonly UplinkConfig _settings;
    private readonly IReadOnlyList<FleetSignature> _keys;
    private readonly ILogger _logger;

    public BoxDevice(UplinkServices services, UplinkStatus status, string deviceId, UplinkConfig settings, IReadOnlyList<FleetSignature> keys, ILogger logger)
    {
        _services = services;
        _status = status;
        _deviceId = deviceId;
        _settings = settings;
        _keys = keys;
        _logger = logger;
    }

    public UplinkOutbox? Outbox => _services.Outbox;

    public void Dispose() => _reconcile.Dispose();

    public byte[] State(bool online, string? reason)
    {
        var message = new StateMessage(_deviceId, online ? "online" : "offline", _services.Time.GetUtcNow()) { Reason = reason };
        if (online)
        {
            var native = _services.Native.Current;
            var capabilities = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
            {
                ["ingest"] = ["rtsp", "rtmp", "srt", "whip"],
                ["serve"] = ["rtsp", "rtmp", "srt", "whep", "llhls"],
                ["hardware"] = [_services.Native.Selection?.Selected.ToString().ToLowerInvariant() ?? "unknown"],
                ["encoders"] = native?.Ffmpeg.Codecs.Where(c => c.IsEncoder).Select(c => c.Name).Order(StringComparer.Ordinal).ToList() ?? [],
                ["inference"] = native?.OnnxRuntime.Providers ?? [],
            };
            message = message with
            {
                Version = BuildInfo.Version,
                Groups = _settings.Groups,
                Capabilities = capabilities,
                Addresses = Addresses(_services.Config.Current.Config),
                ConfigVersion = _services.Config.Current.Fleet.Version,
            };
        }

        return JsonSerializer.SerializeToUtf8Bytes(message, UplinkJsonContext.Default.StateMessage);
    }

    /// <summary>The box's non-loopback addresses with the ports of its HTTP and RTSP listeners.</summary>
    private static List<string> Addresses(EdgeBoxConfig config)
    {
        var ports = new List<string>();
        foreach (var (scheme, address, enabled) in new[] { ("http", config.Http.Address, config.Http.Enabled), ("rtsp", config.Rtsp.Address, config.Rtsp.Enabled) })
        {
            int colon = address.LastIndexOf(':');
            if (enabled && colon > 0)
            {
                ports.Add($"{scheme}:{address[(colon + 1)..]}");
            }
        }

        var result = new List<string>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback))
            {
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses.Where(a => a.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 && !a.Address.IsIPv6LinkLocal))
                {
                    result.Add(unicast.Address.ToString());
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list (a restricted container): the ports still say something.
        }

        return [.. result, .. ports];
    }

    public byte[] Telemetry()
    {
        var s = _services;
        var host = s.HostStats.Sample(s.State.DataDirectory);
        var paths = Web.ApiEndpoints.PathList(_ => true, s.Config, s.Paths, s.Sources).Items;
        var alarms = new List<string>();
        foreach (var component in s.Health.Check().Where(c => c.Status is not (ComponentStatus.Ok or ComponentStatus.Starting)))
        {
            alarms.Add($"{component.Name}: {component.Message}");
        }

        foreach (var path in paths.Where(p => p.Pull?.LastError is not null))
        {
            alarms.Add($"path {path.Name}: {path.Pull!.LastError}");
        }

        var detectors = s.Detection.Statuses();
        alarms.AddRange(detectors.Where(d => d.Error is not null).Select(d => $"detection {d.Path}: {d.Error}"));
        var outbox = s.Outbox;
        var message = new TelemetryMessage(
            _deviceId,
            s.Time.GetUtcNow(),
            Math.Round((s.Time.GetUtcNow() - s.State.StartedAt).TotalSeconds, 1),
            new TelemetryHost(host.CpuPercent, host.MemoryTotalBytes, host.MemoryAvailableBytes, host.ProcessRssBytes, host.DiskTotalBytes, host.DiskFreeBytes,
                s.Native.Selection?.Selected.ToString().ToLowerInvariant() ?? "unknown"),
            paths,
            s.Recordings.Paths().Select(r => new TelemetryRecording(r.Path, r.Size, r.Segments, r.First, r.Last)).ToList(),
            detectors,
            alarms,
            new TelemetryOutbox(outbox.Count, outbox.Dropped, outbox.Acknowledged),
            s.Config.Current.Fleet.IsManaged ? s.Config.Current.Fleet.Version : null);
        return JsonSerializer.SerializeToUtf8Bytes(message, UplinkJsonContext.Default.TelemetryMessage);
    }

    public async Task<byte[]> ReconcileAsync(IReadOnlyDictionary<string, string?> desired, CancellationToken cancellationToken)
    {
        await _reconcile.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ReconcileOneAsync(desired, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reconcile.Release();
        }
    }

    private async Task<byte[]> ReconcileOneAsync(IReadOnlyDictionary<string, string?> desired, CancellationToken cancellationToken)
    {
        var config = _services.Config;
        var order = FleetReconciler.Order(_deviceId, _settings.Groups);
        var (next, layers) = FleetReconciler.Select(desired, config.Current.Fleet, order, _keys, _settings.RequireSignature);
        var result = await config.UpdateFleetAsync(next, _services.Store.Save, cancellationToken).ConfigureAwait(false);
        var errors = result.Errors.Select(e => e.ToString()).ToList();
        if (result.WriteError is not null)
        {
            errors.Add(result.WriteError);
        }

        bool refused = result.Status is ConfigUpdateStatus.Rejected or ConfigUpdateStatus.WriteFailed;
        bool someRejected = layers.Any(l => l.Status == "rejected");

        // Partial: some desired layers run and some were refused; none running is a rejection, not a partial success.
        bool someTaken = layers.Any(l => l.Status is "applied" or "removed");
        string outcome = refused || (someRejected && !someTaken) ? "rejected" : someRejected ? "partial" : "applied";
        if (refused)
        {
            // Nothing of it runs: the layers that were read anew (not kept as they run) are the ones refused.
            var running = config.Current.Fleet.Layers;
            bool New(string name) => next.Layers.FirstOrDefault(n => n.Name == name) is { } layer && !running.Contains(layer);
            layers = layers.Select(l => l.Status == "applied" && New(l.Layer)
                ? l with { Status = "rejected", Errors = ["the config with this layer does not validate (see errors)"] }
                : l).ToList();
            Log.Rejected(_logger, next.Version, string.Join("; ", errors));
        }
        else if (result.Status == ConfigUpdateStatus.Applied)
        {
            Log.Applied(_logger, next.Version, outcome);
        }

        var current = config.Current;
        var report = new ReportedMessage(
            _deviceId,
            _services.Time.GetUtcNow(),
            outcome,
            current.Fleet.Version,
            layers,
            [.. errors, .. layers.Where(l => l.Status == "rejected").SelectMany(l => l.Errors.Select(e => $"{l.Layer}: {e}"))],
            current.EffectiveHash,
            current.Version,
            current.Overridden,
            result.Changes.Where(c => c.RequiresRestart).Select(c => c.Key).ToList());
        string json = JsonSerializer.Serialize(report, UplinkJsonContext.Default.ReportedMessage);
        _status.SetReported(json);
        return System.Text.Encoding.UTF8.GetBytes(json);
    }

    public async Task<byte[]> CommandAsync(string name, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        CommandRequest request;
        try
        {
            request = payload.IsEmpty ? new CommandRequest(null, null, null, null) : CommandRequest.Parse(payload.Span);
        }
        catch (JsonException ex)
        {
            return Respond(new CommandResponse(false, null) { Error = "the command is not a JSON object: " + ex.Message });
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var response = name switch
        {
            "restart-path" => await RestartPathAsync(request).ConfigureAwait(false),
            "snapshot" => await SnapshotAsync(request, timeout.Token).ConfigureAwait(false),
            "clip" => await ClipAsync(request, timeout.Token).ConfigureAwait(false),
            "rotate-logs" => RotateLogs(request),
            _ => new CommandResponse(false, request.Id) { Error = $"unknown command '{name}' (restart-path, snapshot, clip, rotate-logs)" },
        };
        return Respond(response);
    }

    private static byte[] Respond(CommandResponse response) => JsonSerializer.SerializeToUtf8Bytes(response, UplinkJsonContext.Default.CommandResponse);

    private async Task<CommandResponse> RestartPathAsync(CommandRequest request)
    {
        if (request.Path is null)
        {
            return new CommandResponse(false, request.Id) { Error = "name the path: {\"path\": \"cam1\"}" };
        }

        return await _services.Sources.RestartAsync(request.Path).ConfigureAwait(false)
            ? new CommandResponse(true, request.Id) { Message = $"path {request.Path}: source reconnecting" }
            : new CommandResponse(false, request.Id) { Error = $"path {request.Path} has no running pulled source (a publisher reconnects on its own)" };
    }

    private async Task<CommandResponse> SnapshotAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        if (request.Path is null || _services.Paths.Find(request.Path) is not { } path)
        {
            return new CommandResponse(false, request.Id) { Error = $"no active path '{request.Path}'" };
        }

        var probe = await _services.Native.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        var (jpeg, failure) = await _services.Snapshots.TakeAsync(path, 640, probe?.Ffmpeg.Available == true, cancellationToken).ConfigureAwait(false);
        return jpeg is not null
            ? new CommandResponse(true, request.Id) { Jpeg = Convert.ToBase64String(jpeg) }
            : new CommandResponse(false, request.Id) { Error = $"no picture from {request.Path}: {failure}" };
    }

    private async Task<CommandResponse> ClipAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        if (request.Path is null)
        {
            return new CommandResponse(false, request.Id) { Error = "name the path: {\"path\": \"cam1\", \"duration\": \"30s\"}" };
        }

        if (!DurationText.TryParse(request.Duration ?? "30s", out var duration))
        {
            return new CommandResponse(false, request.Id) { Error = $"duration '{request.Duration}' is not a duration such as 30s" };
        }

        var result = await _services.Recordings.StartClipAsync(request.Path, duration, null, "fleet", cancellationToken).ConfigureAwait(false);
        return result.Clip is { } clip
            ? new CommandResponse(true, request.Id) { ClipId = clip.Id, Message = $"clip {clip.Id} of {request.Path} started" }
            : new CommandResponse(false, request.Id) { Error = result.Error };
    }

    private CommandResponse RotateLogs(CommandRequest request)
    {
        string? rotated = _services.LogFiles.Rotate();
        return rotated is null
            ? new CommandResponse(false, request.Id) { Error = "the box writes no log file (log.file is off)" }
            : new CommandResponse(true, request.Id) { Message = $"log file closed as {Path.GetFileName(rotated)}; a new one started" };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.UplinkApplied, EventName = "UplinkApplied", Level = LogLevel.Information,
            Message = "Fleet config {Version} {Outcome}")]
        public static partial void Applied(ILogger logger, string version, string outcome);

        [LoggerMessage(EventId = EventIds.UplinkRejected, EventName = "UplinkRejected", Level = LogLevel.Warning,
            Message = "Fleet config {Version} rejected; the running config stays: {Errors}")]
        public static partial void Rejected(ILogger logger, string version, string errors);
    }
}

/// <summary>A command's arguments: <c>{"id": "...", "path": "cam1", "duration": "30s"}</c>.</summary>
internal sealed record CommandRequest(string? Id, string? Path, string? Duration, string? Reason)
{
    public static CommandRequest Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("expected an object");
        }

        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return new CommandRequest(Text("id"), Text("path"), Text("duration"), Text("reason"));
    }
}

/// <summary>The service's parts the uplink reads and drives.</summary>
internal sealed record UplinkServices(
    ConfigManager Config,
    FleetStore Store,
    UplinkOutbox Outbox,
    PathManager Paths,
    SourceSupervisor Sources,
    HealthService Health,
    HostStats HostStats,
    NativeCapabilities Native,
    ServiceState State,
    Recording.RecordingManager Recordings,
    Inference.DetectionService Detection,
    Codecs.SnapshotService Snapshots,
    LogFiles LogFiles,
    TimeProvider Time);
