using System.Net;
using EdgeBox.Configuration;
using EdgeBox.Infrastructure;
using EdgeBox.Media;
using EdgeBox.Storage;
using EdgeBox.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Connections;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Serilog;
using Serilog.Core;

namespace EdgeBox.Hosting;

/// <summary>
/// The composition root of <c>edgebox run</c>: resolves the config, prepares the data directory,
/// opens storage, probes native libraries and starts the web host. Returns the process exit code.
/// </summary>
internal static partial class ServiceHost
{
    /// <summary>SIGTERM/SIGINT must finish within 5 s (systemd's and the issue's budget).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4);

    public static async Task<int> RunAsync(string? configPath, string? dataOverride, TextWriter stderr)
    {
        var environment = new Dictionary<string, string>(ConfigLoader.ProcessEnvironment(), StringComparer.Ordinal);
        if (ResolveConfig(configPath, dataOverride, environment, stderr) is not { } resolved)
        {
            return 1;
        }

        var (file, text, load) = resolved;
        var config = load.Config!;
        Inference.OnnxRuntimeLoader.Configure(config.Inference.RuntimeLibrary);
        string data = Path.GetFullPath(config.Data);
        if (PrepareDataDirectory(data) is { } dataError)
        {
            await stderr.WriteLineAsync($"edgebox: data directory {data} is not usable: {dataError}").ConfigureAwait(false);
            return 1;
        }

        // A fleet-managed box starts on the fleet layers it last applied, without waiting for the broker.
        var fleetStore = new Uplink.FleetStore(data);
        var (snapshot, fleetProblem) = StartupSnapshot(fleetStore, text, load.Config!, environment);
        config = snapshot.Config;

        if (ResolveListenAddresses(config.Http) is not { } httpEndpoints)
        {
            await stderr.WriteLineAsync($"edgebox: http.address '{config.Http.Address}': the host name does not resolve to an address").ConfigureAwait(false);
            return 1;
        }

        var rtspListener = new ListenerConfig { Enabled = config.Rtsp.Enabled, Address = config.Rtsp.Address };
        if (ResolveListenAddresses(rtspListener) is not { } rtspEndpoints)
        {
            await stderr.WriteLineAsync($"edgebox: rtsp.address '{config.Rtsp.Address}': the host name does not resolve to an address").ConfigureAwait(false);
            return 1;
        }

        if (ResolveListenAddresses(config.Https.Listener) is not { } httpsEndpoints)
        {
            await stderr.WriteLineAsync($"edgebox: https.address '{config.Https.Address}': the host name does not resolve to an address").ConfigureAwait(false);
            return 1;
        }

        var time = TimeProvider.System;
        var level = new LoggingLevelSwitch(LoggingSetup.ToSerilog(config.Log.Level));
        var recentLog = new RecentLogSink();
        using var logFiles = new LogFiles(data, config.Log.File, time);
        using var serilog = LoggingSetup.Create(config.Log, logFiles, level, recentLog);
        using var loggerFactory = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
        var startupLog = loggerFactory.CreateLogger("EdgeBox.Hosting.ServiceHost");
        Log.Starting(startupLog, BuildInfo.Version, file.Path, file.Exists ? "file" : "built-in default", data);
        if (fleetProblem is not null)
        {
            Log.FleetLayersUnusable(startupLog, fleetProblem);
        }
        else if (snapshot.Fleet.IsManaged)
        {
            Log.FleetManaged(startupLog, snapshot.Fleet.Version);
        }

        HttpsCertificate? certificate = null;
        if (httpsEndpoints.Count > 0)
        {
            try
            {
                certificate = TlsCertificates.Load(config.Https, data, time, loggerFactory.CreateLogger(typeof(TlsCertificates).FullName!));
            }
            catch (TlsCertificateException ex)
            {
                await stderr.WriteLineAsync($"edgebox: https: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        using var certificateScope = certificate;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(serilog, dispose: false);
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        var listeners = ConfigureKestrel(builder, httpEndpoints, rtspEndpoints, httpsEndpoints, certificate);

        EdgeBoxDatabase database;
        try
        {
            database = EdgeBoxDatabase.Open(data, time, loggerFactory.CreateLogger<EdgeBoxDatabase>());
        }
        catch (StorageException ex)
        {
            await stderr.WriteLineAsync($"edgebox: database: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        using var databaseScope = database;
        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(new ServiceState(time.GetUtcNow(), data));
        services.AddSingleton(level);
        services.AddSingleton(recentLog);
        services.AddSingleton(file);
        services.AddSingleton(database);
        services.AddSingleton(config.Codecs);
        services.AddSingleton<NativeCapabilities>();
        services.AddHostedService(sp => sp.GetRequiredService<NativeCapabilities>());
        services.AddSingleton<HostStats>();
        services.AddSingleton(new Security.AccountStore(data, time));
        services.AddSingleton<AuthService>();
        services.AddSingleton<HealthService>();
        services.AddSingleton<ConfigHistoryStore>();
        services.AddSingleton(sp => new Recording.SegmentIndex(sp.GetRequiredService<EdgeBoxDatabase>()));
        services.AddSingleton(sp => new Recording.ClipStore(sp.GetRequiredService<EdgeBoxDatabase>()));
        services.AddSingleton<IConfigApplier, LogLevelApplier>();
        services.AddSingleton(new MediaOptions { ReaderQueueSize = config.Media.ReaderQueueSize, ReaderMaxLag = config.Media.ReaderMaxLag });
        services.AddSingleton<MediaBufferPool>();
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<Events.EventBus>();
        services.AddSingleton(sp => new PathManager(config, sp.GetRequiredService<MediaOptions>(), time, sp.GetRequiredService<ILogger<PathManager>>()));
        services.AddSingleton<IConfigApplier>(sp => sp.GetRequiredService<PathManager>());
        services.AddSingleton<IPullProtocol, Protocols.Rtsp.Client.RtspPullProtocol>();
        services.AddSingleton<IPullProtocol, Codecs.TestSourceProtocol>();
        services.AddSingleton<Codecs.DecoderHub>();
        services.AddHostedService(sp => sp.GetRequiredService<Codecs.DecoderHub>());
        services.AddSingleton<Codecs.AudioConverterHub>();
        services.AddHostedService(sp => sp.GetRequiredService<Codecs.AudioConverterHub>());
        services.AddSingleton<Codecs.SnapshotService>();
        services.AddSingleton(sp => new Codecs.TranscodeManager(config, sp.GetRequiredService<PathManager>(), sp.GetRequiredService<Codecs.DecoderHub>(),
            sp.GetRequiredService<Codecs.AudioConverterHub>(), sp.GetRequiredService<MediaBufferPool>(), sp.GetRequiredService<NativeCapabilities>(), sp.GetRequiredService<Events.EventBus>(), time,
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IConfigApplier>(sp => sp.GetRequiredService<Codecs.TranscodeManager>());
        services.AddHostedService(sp => sp.GetRequiredService<Codecs.TranscodeManager>());
        services.AddSingleton(sp => new Recording.RecordingManager(config, data, sp.GetRequiredService<PathManager>(),
            sp.GetRequiredService<Recording.SegmentIndex>(), sp.GetRequiredService<Recording.ClipStore>(), sp.GetRequiredService<Events.EventBus>(),
            sp.GetRequiredService<EdgeBoxMetrics>(), time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IConfigApplier>(sp => sp.GetRequiredService<Recording.RecordingManager>());
        services.AddHostedService(sp => sp.GetRequiredService<Recording.RecordingManager>());
        services.AddSingleton(sp => new Inference.DetectionService(config, data, sp.GetRequiredService<PathManager>(), sp.GetRequiredService<Codecs.DecoderHub>(),
            sp.GetRequiredService<Events.EventBus>(), sp.GetRequiredService<Recording.RecordingManager>(), sp.GetRequiredService<Codecs.TranscodeManager>(),
            sp.GetRequiredService<EdgeBoxMetrics>(), time,
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IConfigApplier>(sp => sp.GetRequiredService<Inference.DetectionService>());
        services.AddHostedService(sp => sp.GetRequiredService<Inference.DetectionService>());
        services.AddSingleton<Protocols.WebRtc.WebRtcTransport>();
        services.AddHostedService(sp => sp.GetRequiredService<Protocols.WebRtc.WebRtcTransport>());
        services.AddSingleton<Protocols.WebRtc.WebRtcServer>();
        services.AddHostedService(sp => sp.GetRequiredService<Protocols.WebRtc.WebRtcServer>());
        services.AddSingleton(sp => new SourceSupervisor(config, sp.GetRequiredService<PathManager>(), sp.GetServices<IPullProtocol>(), time,
            sp.GetRequiredService<ILogger<SourceSupervisor>>()));
        services.AddSingleton<IConfigApplier>(sp => sp.GetRequiredService<SourceSupervisor>());
        services.AddHostedService(sp => sp.GetRequiredService<SourceSupervisor>());
        services.AddSingleton(sp => new EdgeBoxMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            time,
            () => sp.GetRequiredService<ConfigManager>().Current.Version,
            () => sp.GetRequiredService<HealthService>().Check().Select(c => (c.Name, c.Status is ComponentStatus.Ok or ComponentStatus.Degraded or ComponentStatus.Starting)),
            () => sp.GetRequiredService<PathManager>().Paths));
        services.AddSingleton(sp => new ConfigManager(
            file,
            snapshot,
            sp.GetRequiredService<ConfigHistoryStore>(),
            environment,
            sp.GetServices<IConfigApplier>(),
            time,
            sp.GetRequiredService<EdgeBoxMetrics>(),
            sp.GetRequiredService<ILogger<ConfigManager>>()));
        services.AddHostedService<ConfigWatcher>();
        services.AddSingleton(logFiles);
        services.AddSingleton(fleetStore);
        services.AddSingleton<Uplink.UplinkStatus>();
        services.AddSingleton(sp => new Uplink.UplinkOutbox(sp.GetRequiredService<EdgeBoxDatabase>(), time));
        services.AddSingleton(sp => new Uplink.UplinkServices(
            sp.GetRequiredService<ConfigManager>(), fleetStore, sp.GetRequiredService<Uplink.UplinkOutbox>(), sp.GetRequiredService<PathManager>(),
            sp.GetRequiredService<SourceSupervisor>(), sp.GetRequiredService<HealthService>(), sp.GetRequiredService<HostStats>(),
            sp.GetRequiredService<NativeCapabilities>(), sp.GetRequiredService<ServiceState>(), sp.GetRequiredService<Recording.RecordingManager>(),
            sp.GetRequiredService<Inference.DetectionService>(), sp.GetRequiredService<Codecs.SnapshotService>(), logFiles, time));
        services.AddSingleton(sp => new Uplink.UplinkService(config.Uplink, sp.GetRequiredService<Uplink.UplinkServices>, sp.GetRequiredService<Uplink.UplinkOutbox>(),
            sp.GetRequiredService<Events.EventBus>(), sp.GetRequiredService<Uplink.UplinkStatus>(), time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IConfigApplier>(sp => sp.GetRequiredService<Uplink.UplinkService>());
        services.AddHostedService(sp => sp.GetRequiredService<Uplink.UplinkService>());
        ApiReference.AddServices(services);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("edgebox", serviceVersion: BuildInfo.Version, serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics => metrics
            .AddMeter(EdgeBoxMetrics.MeterName, "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());

        await using var app = builder.Build();
        _ = app.Services.GetRequiredService<ConfigManager>(); // records the start-up version before serving
        var bus = app.Services.GetRequiredService<Events.EventBus>();
        var metrics = app.Services.GetRequiredService<EdgeBoxMetrics>();
        app.Services.GetRequiredService<PathManager>().ReaderDropped += reader => metrics.ReaderDropped(reader.Path.Name);
        app.Services.GetRequiredService<PathManager>().ReaderDropped += reader =>
            bus.Publish(Events.EventTypes.ReaderDropped, reader.Path.Name, reader.Id, $"reader {reader.Id} ({reader.Kind}) stayed behind the source and was dropped");
        if (config.Https.Redirect && listeners.FirstOrDefault(l => l.Protocol == "https").Options is { } https)
        {
            // Before authentication: a plain request is sent to HTTPS, not asked for credentials in clear.
            // The bound port is read per request: Kestrel sets it when it binds (port 0 = a free one).
            HttpsRedirect.Use(app, () => https.IPEndPoint?.Port ?? 0);
        }

        EncodedSlashes.Use(app);
        AuthMiddleware.Use(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        ApiEndpoints.Map(app);
        ConsoleEndpoints.Map(app);
        WebRtcEndpoints.Map(app);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            // Kestrel updates each ListenOptions with the port it bound (port 0 = a free one).
            foreach (var (protocol, options) in listeners)
            {
                string url = protocol + "://" + options.IPEndPoint;
                Log.Listening(startupLog, protocol, url);
            }

            Log.Started(startupLog);
            app.Services.GetRequiredService<AuthService>().AnnounceSetup();
        });
        app.Lifetime.ApplicationStopping.Register(() => Log.Stopping(startupLog));

        try
        {
            await app.RunAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Kestrel reports a taken port as an IOException from Listen, naming the endpoint it tried.
            await stderr.WriteLineAsync($"edgebox: cannot listen on {FailedListener(ex, config, listeners)}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        Log.Stopped(startupLog);
        return 0;
    }

    /// <summary>
    /// The config the service starts on: the file with the stored fleet layers over it (those of the
    /// groups the file still lists). When the two no longer validate together, the file alone, and why.
    /// </summary>
    private static (ConfigSnapshot Snapshot, string? Problem) StartupSnapshot(Uplink.FleetStore store, string text, EdgeBoxConfig local,
        IReadOnlyDictionary<string, string> environment)
    {
        var plain = new ConfigSnapshot(local, text, ConfigFile.Hash(text), 0);
        var (stored, error) = store.Load();
        if (error is not null)
        {
            return (plain, error);
        }

        var order = Uplink.FleetReconciler.Order(Uplink.DeviceIdentity.Resolve(local.Uplink), local.Uplink.Groups);
        var fleet = Uplink.FleetReconciler.Filter(stored, order);
        if (!fleet.IsManaged)
        {
            return (plain, null);
        }

        var composed = ConfigLayers.Compose(fleet, text);
        var load = composed.Errors.Count > 0 ? new ConfigLoadResult(null, composed.Errors) : ConfigLoader.Load(composed.Text, environment);
        if (!load.IsValid)
        {
            return (plain, $"the stored fleet config {fleet.Version} does not validate with {ConfigFile.Hash(text)[..12]}: "
                + string.Join("; ", load.Errors.Select(e => e.ToString())) + "; starting on the file alone");
        }

        return (new ConfigSnapshot(load.Config!, text, plain.Hash, 0) { Fleet = fleet, Overridden = composed.Overridden, EffectiveText = composed.Text }, null);
    }

    /// <summary>
    /// Finds the config text: <c>--config FILE</c>, else <c>&lt;data&gt;/edgebox.yml</c> when present, else the
    /// built-in default. <c>--data</c> wins over the file's <c>data</c> key (as the variable EDGEBOX_DATA).
    /// </summary>
    internal static (ConfigFile File, string Text, ConfigLoadResult Load)? ResolveConfig(
        string? configPath, string? dataOverride, Dictionary<string, string> environment, TextWriter stderr)
    {
        if (dataOverride is not null)
        {
            environment["EDGEBOX_DATA"] = dataOverride;
        }

        ConfigFile file;
        string text;
        if (configPath is not null)
        {
            file = new ConfigFile(configPath, explicitPath: true);
            if (!file.Exists)
            {
                stderr.WriteLine($"edgebox: configuration file {file.Path} does not exist");
                return null;
            }

            try
            {
                text = file.ReadText();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"edgebox: configuration file {file.Path}: {ex.Message}");
                return null;
            }
        }
        else
        {
            string data = environment.GetValueOrDefault("EDGEBOX_DATA") ?? new EdgeBoxConfig().Data;
            environment["EDGEBOX_DATA"] = data; // the file inside the data directory must not move it elsewhere
            file = new ConfigFile(Path.Combine(data, "edgebox.yml"), explicitPath: false);
            try
            {
                text = file.Exists ? file.ReadText() : DefaultConfig.Text;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"edgebox: configuration file {file.Path}: {ex.Message}");
                return null;
            }
        }

        var load = ConfigLoader.Load(text, environment);
        if (!load.IsValid)
        {
            stderr.WriteLine($"edgebox: configuration {(file.Exists ? file.Path : "(built-in)")} is invalid:");
            foreach (var error in load.Errors)
            {
                stderr.WriteLine("  " + error);
            }

            return null;
        }

        return (file, text, load);
    }

    /// <summary>Creates the directory when missing and proves it is writable. Returns the reason when it is not.</summary>
    internal static string? PrepareDataDirectory(string data)
    {
        try
        {
            Directory.CreateDirectory(data);
            string probe = Path.Combine(data, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// The IP endpoints for a listener address, resolved before the host is built so a name that does
    /// not resolve is a one-line error (and Kestrel never falls back to its default localhost:5000).
    /// Null when the name resolves to nothing.
    /// </summary>
    internal static IReadOnlyList<IPEndPoint>? ResolveListenAddresses(ListenerConfig listener)
    {
        if (!listener.Enabled)
        {
            return [];
        }

        if (!ConfigValidator.TryParseAddress(listener.Address, out string host, out int port))
        {
            return null;
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return [new IPEndPoint(ip, port)];
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [new IPEndPoint(IPAddress.Loopback, port)];
        }

        try
        {
            var addresses = Dns.GetHostAddresses(host);
            return addresses.Length == 0 ? null : addresses.Select(a => new IPEndPoint(a, port)).ToList();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    /// <summary>The listener (protocol and configured address) a bind failure is about: Kestrel's message names the endpoint it tried.</summary>
    private static string FailedListener(IOException ex, EdgeBoxConfig config, List<(string Protocol, Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions Options)> listeners)
    {
        foreach (var (protocol, options) in listeners)
        {
            if (options.IPEndPoint is { } endpoint && ex.Message.Contains(endpoint.ToString(), StringComparison.Ordinal))
            {
                return protocol switch
                {
                    "https" => "https " + config.Https.Address,
                    "rtsp" => "rtsp " + config.Rtsp.Address,
                    _ => "http " + config.Http.Address,
                };
            }
        }

        return "http " + config.Http.Address;
    }

    /// <summary>
    /// Kestrel hosts the HTTP and HTTPS listeners (the same application) and the RTSP listener (a
    /// connection handler). Returns the listen options so the bound addresses can be logged after
    /// start. With none enabled nothing binds.
    /// </summary>
    private static List<(string Protocol, Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions Options)> ConfigureKestrel(
        WebApplicationBuilder builder, IReadOnlyList<IPEndPoint> http, IReadOnlyList<IPEndPoint> rtsp, IReadOnlyList<IPEndPoint> https, HttpsCertificate? certificate)
    {
        var listeners = new List<(string, Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions)>();
        builder.Services.AddSingleton<Protocols.Rtsp.RtspConnectionHandler>();
        builder.Services.AddSingleton<Protocols.Rtsp.RtspUdpTransport>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Protocols.Rtsp.RtspUdpTransport>());
        if (http.Count == 0 && rtsp.Count == 0 && https.Count == 0)
        {
            builder.Services.AddSingleton<IServer, DisabledServer>();
            return listeners;
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var endpoint in http)
            {
                kestrel.Listen(endpoint, options => listeners.Add(("http", options)));
            }

            foreach (var endpoint in https)
            {
                kestrel.Listen(endpoint, options =>
                {
                    options.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate!.Certificate,
                        ServerCertificateChain = certificate.Chain,
                    });
                    listeners.Add(("https", options));
                });
            }

            foreach (var endpoint in rtsp)
            {
                kestrel.Listen(endpoint, options =>
                {
                    options.UseConnectionHandler<Protocols.Rtsp.RtspConnectionHandler>();
                    listeners.Add(("rtsp", options));
                });
            }
        });
        return listeners;
    }
}
