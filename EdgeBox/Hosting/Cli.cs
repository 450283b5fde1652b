using System.CommandLine;
using EdgeBox.Codecs;
using EdgeBox.Configuration;
using EdgeBox.Inference;
using EdgeBox.Infrastructure;
using EdgeBox.Storage;

namespace EdgeBox.Hosting;

/// <summary>
/// The command line: <c>run</c>, <c>config check|show</c>, <c>version</c>, <c>storage verify</c>, <c>models</c>, <c>users</c>, <c>tokens</c>, <c>fleet</c>.
/// Parse errors print one line and the usage of the command that was meant, and exit 2.
/// </summary>
internal static class Cli
{
    public const int ExitUsage = 2;

    public static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build(stdout, stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // "Unrecognized command or argument 'x'" says more than the "Required command" that follows from it.
            var error = parse.Errors.FirstOrDefault(e => e.Message.Contains('\'', StringComparison.Ordinal)) ?? parse.Errors[0];
            await stderr.WriteLineAsync("edgebox: " + error.Message).ConfigureAwait(false);
            var path = new List<string>();
            for (var command = parse.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
            {
                if (command.Command != root)
                {
                    path.Insert(0, command.Command.Name);
                }
            }

            path.Add("--help");
            root.Parse(path).Invoke(new InvocationConfiguration { Output = stderr, Error = stderr });
            return ExitUsage;
        }

        // The host handles SIGTERM/SIGINT itself (graceful stop within ShutdownTimeout); System.CommandLine's
        // own handler would kill the process with exit code 143 after 2 s.
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null };
        return await parse.InvokeAsync(invocation).ConfigureAwait(false);
    }

    private static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var configOption = new Option<string>("--config", "-c") { Description = "Configuration file (default: <data>/edgebox.yml if present, else the built-in default)" };
        var dataOption = new Option<string>("--data", "-d") { Description = "Data directory (overrides the config's 'data' key)" };

        var run = new Command("run", "Run the EdgeBox service") { configOption, dataOption };
        run.SetAction((parse, _) => ServiceHost.RunAsync(parse.GetValue(configOption), parse.GetValue(dataOption), stderr));

        var fileArgument = new Argument<string>("FILE") { Description = "Configuration file to validate" };
        var check = new Command("check", "Validate a configuration file; print every error as 'path.to.key (line N): message'") { fileArgument };
        check.SetAction(parse => Check(parse.GetValue(fileArgument)!, stdout, stderr));

        var showConfig = new Option<string>("--config", "-c") { Description = "Configuration file (default: the built-in default)" };
        var show = new Command("show", "Print the effective configuration, defaults filled in") { showConfig, dataOption };
        show.SetAction(parse => Show(parse.GetValue(showConfig), parse.GetValue(dataOption), stdout, stderr));

        var config = new Command("config", "Validate or show configuration") { check, show };

        var version = new Command("version", "Show EdgeBox, .NET, FFmpeg and ONNX Runtime versions");
        version.SetAction(_ => Version(stdout));

        var storageData = new Option<string>("--data", "-d") { Description = "Data directory (default: ./data)" };
        var verify = new Command("verify", "Round-trip every stored document shape through LiteDB and report any that do not survive") { storageData };
        verify.SetAction(parse => Verify(parse.GetValue(storageData) ?? new EdgeBoxConfig().Data, stdout, stderr));
        var storage = new Command("storage", "Storage diagnostics") { verify };

        var models = ModelsCommand(stdout, stderr);
        var users = AccountsCommands.Users(stdout, stderr);
        var tokens = AccountsCommands.Tokens(stdout, stderr);

        var probeDevice = new Argument<string?>("hwaccel-device") { Arity = ArgumentArity.ZeroOrOne, Description = "Device for the hardware APIs" };
        var probe = new Command(NativeCapabilities.ProbeCommand, "Print what FFmpeg and ONNX Runtime offer, as JSON (used by the service)") { Hidden = true };
        probe.Arguments.Add(probeDevice);
        probe.SetAction(parse => stdout.WriteLine(NativeCapabilities.Serialize(NativeCapabilities.ProbeInProcess(parse.GetValue(probeDevice)))));

        return new RootCommand("EdgeBox: edge media server (RTSP, RTMP, SRT, WebRTC, LL-HLS), transcoding, analytics and recording")
        {
            run, config, version, storage, models, users, tokens, FleetCommands.Build(stdout, stderr), probe,
        };
    }

    /// <summary><c>edgebox models add|list|remove</c>: the model registry in a data directory.</summary>
    private static Command ModelsCommand(TextWriter stdout, TextWriter stderr)
    {
        Option<string> Data() => new("--data", "-d") { Description = "Data directory (default: ./data)" };

        var addData = Data();
        var name = new Argument<string>("NAME") { Description = "Name paths use to refer to the model (detect: { model: NAME })" };
        var file = new Argument<string>("FILE") { Description = "The ONNX model file" };
        var adapter = new Option<string>("--adapter", "-a") { Description = "How to read the model: " + string.Join(" | ", ModelAdapter.Kinds), Required = true };
        adapter.AcceptOnlyFromAmong([.. ModelAdapter.Kinds]);
        var labels = new Option<string>("--labels", "-l") { Description = "Class names, one per line (default: from the model, or the adapter's)" };
        var replace = new Option<bool>("--replace") { Description = "Replace a model of that name" };
        var add = new Command("add", "Check a model and add it to the registry") { name, file, adapter, labels, replace, addData };
        add.SetAction(parse => AddModel(parse.GetValue(addData), parse.GetValue(name)!, parse.GetValue(file)!, parse.GetValue(adapter)!,
            parse.GetValue(labels), parse.GetValue(replace), stdout, stderr));

        var listData = Data();
        var list = new Command("list", "List the models in the registry") { listData };
        list.SetAction(parse =>
        {
            var entries = new ModelRegistry(parse.GetValue(listData) ?? new EdgeBoxConfig().Data, TimeProvider.System).List();
            if (entries.Count == 0)
            {
                stdout.WriteLine("no models (add one with: edgebox models add NAME FILE --adapter blazeface|yolo|ssd)");
            }

            foreach (var entry in entries)
            {
                stdout.WriteLine($"{entry.Name}\t{entry.Adapter}\t{entry.Input}\t{entry.Labels.Count} labels\t{entry.Size} bytes\t{entry.Added:yyyy-MM-dd HH:mm:ss}Z");
            }

            return 0;
        });

        var removeData = Data();
        var removeName = new Argument<string>("NAME") { Description = "The model to remove" };
        var remove = new Command("remove", "Remove a model from the registry") { removeName, removeData };
        remove.SetAction(parse =>
        {
            try
            {
                new ModelRegistry(parse.GetValue(removeData) ?? new EdgeBoxConfig().Data, TimeProvider.System).Remove(parse.GetValue(removeName)!);
                stdout.WriteLine($"removed {parse.GetValue(removeName)}");
                return 0;
            }
            catch (Exception ex) when (ex is ModelRegistryException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine("edgebox: " + ex.Message);
                return 1;
            }
        });

        return new Command("models", "Manage the detection models in the data directory") { add, list, remove };
    }

    private static int AddModel(string? data, string name, string file, string adapter, string? labelsFile, bool replace, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            IReadOnlyList<string>? labels = labelsFile is null ? null : ModelAdapter.ReadLabels(File.ReadAllText(labelsFile));
            var entry = new ModelRegistry(data ?? new EdgeBoxConfig().Data, TimeProvider.System).Add(name, file, adapter, labels, replace);
            stdout.WriteLine($"added {entry.Name}: {entry.Adapter}, input {entry.Input}, {entry.Labels.Count} labels ({string.Join(", ", entry.Labels.Take(5))}{(entry.Labels.Count > 5 ? ", ..." : "")})");
            return 0;
        }
        catch (Exception ex) when (ex is ModelRegistryException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("edgebox: " + ex.Message);
            return 1;
        }
    }

    private static int Check(string path, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(path))
        {
            stderr.WriteLine($"edgebox: {path}: file not found");
            return 1;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"edgebox: {path}: {ex.Message}");
            return 1;
        }

        var result = ConfigLoader.Load(text, ConfigLoader.ProcessEnvironment());
        foreach (var error in result.Errors)
        {
            stdout.WriteLine(error.ToString());
        }

        if (!result.IsValid)
        {
            stderr.WriteLine($"{path}: {result.Errors.Count} error(s)");
            return 1;
        }

        stdout.WriteLine($"{path}: valid");
        return 0;
    }

    private static int Show(string? path, string? data, TextWriter stdout, TextWriter stderr)
    {
        var environment = new Dictionary<string, string>(ConfigLoader.ProcessEnvironment(), StringComparer.Ordinal);
        if (ServiceHost.ResolveConfig(path, data, environment, stderr) is not { } resolved)
        {
            return 1;
        }

        stdout.Write(ConfigWriter.Write(resolved.Load.Config!));
        return 0;
    }

    private static int Version(TextWriter stdout)
    {
        stdout.WriteLine($"EdgeBox {BuildInfo.Version} ({BuildInfo.Platform}{(BuildInfo.IsNativeAot ? ", native AOT" : "")})");
        stdout.WriteLine($".NET {BuildInfo.Runtime}");

        var ffmpeg = FfmpegInfo.Probe();
        if (ffmpeg.Available)
        {
            stdout.WriteLine($"FFmpeg {ffmpeg.FfmpegVersion}: {string.Join(", ", ffmpeg.Libraries.Select(l => $"{l.Key} {l.Value}"))}");
            int encoders = ffmpeg.Codecs.Count(c => c.IsEncoder), decoders = ffmpeg.Codecs.Count(c => !c.IsEncoder);
            stdout.WriteLine($"  codecs: {encoders} encoders, {decoders} decoders");
            stdout.WriteLine($"  hardware device types: {Join(ffmpeg.HardwareDeviceTypes)}");
            stdout.WriteLine($"  hardware codecs: {Join(ffmpeg.Codecs.Where(c => c.IsHardware && c.Kind == MediaKind.Video).Select(c => c.Name).Distinct().Order(StringComparer.Ordinal).ToList())}");
            var hardware = HardwareProbe.Probe(null);
            foreach (var api in hardware)
            {
                stdout.WriteLine($"  {api.Name}: {(api.Available ? "available" : "unavailable (" + api.Error + ")")}");
            }

            stdout.WriteLine($"  {HardwareSelector.Select(Configuration.HwAccelSetting.Auto, hardware).Reason}");
        }
        else
        {
            stdout.WriteLine($"FFmpeg: unavailable ({ffmpeg.Error})");
        }

        var onnx = OnnxRuntimeInfo.Probe();
        stdout.WriteLine(onnx.Available
            ? $"ONNX Runtime {onnx.Version}: execution providers {Join(onnx.Providers)} ({onnx.Library ?? "library path unknown"})"
            : $"ONNX Runtime: unavailable ({onnx.Error})");
        return 0;
    }

    private static int Verify(string data, TextWriter stdout, TextWriter stderr)
    {
        if (ServiceHost.PrepareDataDirectory(data) is { } error)
        {
            stderr.WriteLine($"edgebox: data directory {Path.GetFullPath(data)} is not usable: {error}");
            return 1;
        }

        var results = StorageVerifier.Verify(Path.Combine(data, $".verify-{Environment.ProcessId}.db"));
        foreach (var (shape, failure) in results)
        {
            stdout.WriteLine(failure is null ? $"ok    {shape}" : $"FAIL  {shape}: {failure}");
        }

        return results.All(r => r.Error is null) ? 0 : 1;
    }

    private static string Join(IReadOnlyList<string> items) => items.Count == 0 ? "none" : string.Join(", ", items);
}
