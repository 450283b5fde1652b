using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Interop;

/// <summary>The command line of the published Native AOT binary.</summary>
public sealed class AotCliTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private string _binary = "";

    public async Task InitializeAsync() => _binary = await AotBinary.PathAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    private Task<(int ExitCode, string Output)> Run(params string[] args) => EdgeBoxProcess.RunToEndAsync(_binary, args);

    [Fact]
    public async Task Version_names_edgebox_dotnet_ffmpeg_and_onnx_runtime()
    {
        var (code, output) = await Run("version");
        Assert.Equal(0, code);
        Assert.Matches(@"EdgeBox \d+\.\d+\.\d+ \(linux-x64, native AOT\)", output);
        Assert.Matches(@"\.NET \d+\.\d+", output);
        Assert.Matches(@"FFmpeg \S+: libavutil \d+\.\d+\.\d+, libavcodec \d+\.\d+\.\d+", output);
        Assert.Contains("hardware device types:", output, StringComparison.Ordinal);
        Assert.Matches(@"ONNX Runtime \d+\.\d+\.\d+: execution providers .*CPUExecutionProvider", output);
    }

    [Fact]
    public async Task Models_add_checks_the_file_and_list_and_remove_work_on_the_data_directory()
    {
        Assert.True(File.Exists(RepoPaths.BlazeFaceFront), "run ./build.sh setup: it fetches the BlazeFace models");
        string data = _dir.File("data");

        var (code, output) = await Run("models", "add", "notonnx", "/etc/hostname", "--adapter", "yolo", "--data", data);
        Assert.Equal(1, code);
        Assert.Contains("edgebox: hostname is not an ONNX model ONNX Runtime can load (Protobuf parsing failed.)", output, StringComparison.Ordinal);

        (code, output) = await Run("models", "add", "wrong", RepoPaths.BlazeFaceFront, "--adapter", "yolo", "--data", data);
        Assert.Equal(1, code);
        Assert.Contains("does not fit the yolo adapter", output, StringComparison.Ordinal);

        (code, output) = await Run("models", "add", "face", RepoPaths.BlazeFaceFront, "--adapter", "blazeface", "--data", data);
        Assert.True(code == 0, output);
        Assert.Contains("added face: blazeface, input input:0 128x128 NHWC float32, 1 labels (face)", output, StringComparison.Ordinal);

        (code, output) = await Run("models", "add", "face", RepoPaths.BlazeFaceFront, "--adapter", "blazeface", "--data", data);
        Assert.Equal(1, code);
        Assert.Contains("a model named 'face' exists", output, StringComparison.Ordinal);

        (code, output) = await Run("models", "list", "--data", data);
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^face\tblazeface\tinput:0 128x128 NHWC float32\t1 labels\t\d+ bytes", output);
        Assert.DoesNotContain("notonnx", output, StringComparison.Ordinal);
        Assert.Equal(["face"], Directory.GetDirectories(Path.Combine(data, "models")).Select(Path.GetFileName));

        (code, output) = await Run("models", "remove", "face", "--data", data);
        Assert.True(code == 0, output);
        (code, output) = await Run("models", "remove", "face", "--data", data);
        Assert.Equal(1, code);
        Assert.Contains("edgebox: no model named 'face'", output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(data, "models")));
    }

    [Fact]
    public async Task Config_check_prints_every_error_with_path_and_line_and_exits_1()
    {
        string file = _dir.File("bad.yml");
        File.WriteAllText(file, "log:\n  level: loud\nhttp: { adress: ':1' }\npaths:\n  'ui/x': {}\n");
        var (code, output) = await Run("config", "check", file);
        Assert.Equal(1, code);
        Assert.Contains("log.level (line 2): expected one of debug | info | warn | error, found 'loud'", output, StringComparison.Ordinal);
        Assert.Contains("http.adress (line 3): unknown key (did you mean 'address'?)", output, StringComparison.Ordinal);
        Assert.Contains("paths.ui/x (line 5): path names may not start with 'ui/'", output, StringComparison.Ordinal);
        Assert.Contains("3 error(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_accepts_the_shipped_config()
    {
        var (code, output) = await Run("config", "check", Path.Combine(RepoPaths.ConfigDirectory, "edgebox.yml"));
        Assert.Equal(0, code);
        Assert.Contains("valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_check_of_a_missing_file_exits_1()
    {
        var (code, output) = await Run("config", "check", _dir.File("nope.yml"));
        Assert.Equal(1, code);
        Assert.Contains("file not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_show_prints_the_effective_config_with_defaults()
    {
        string file = _dir.File("mine.yml");
        File.WriteAllText(file, "paths: { cam1: {} }\n");
        var (code, output) = await Run("config", "show", "--config", file);
        Assert.Equal(0, code);
        Assert.Contains("address: 0.0.0.0:8189", output, StringComparison.Ordinal);
        Assert.Contains("rtpAddress: 0.0.0.0:8000", output, StringComparison.Ordinal);
        Assert.Contains("readerQueueSize: 512", output, StringComparison.Ordinal);
        Assert.Contains("cam1: {}", output, StringComparison.Ordinal);
        Assert.Contains("level: info", output, StringComparison.Ordinal);

        var (defaultCode, defaults) = await Run("config", "show", "--data", _dir.File("data"));
        Assert.Equal(0, defaultCode);
        Assert.Contains("~^live/.+$", defaults, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("run", "--bogus")]
    [InlineData("config", "chek")]
    [InlineData("config")]
    [InlineData("config", "check")]
    public async Task Bad_usage_prints_one_error_line_and_usage_and_exits_2(params string[] args)
    {
        var (code, output) = await Run(args);
        Assert.Equal(2, code);
        var lines = output.Split('\n');
        Assert.StartsWith("edgebox: ", lines[0], StringComparison.Ordinal);
        Assert.Single(lines, l => l.StartsWith("edgebox: ", StringComparison.Ordinal));
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_native_prints_what_ffmpeg_and_onnx_runtime_offer_as_json()
    {
        var (code, output) = await Run("probe-native");
        Assert.Equal(0, code);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var ffmpeg = json.RootElement.GetProperty("ffmpeg");
        Assert.True(ffmpeg.GetProperty("available").GetBoolean());
        Assert.True(ffmpeg.GetProperty("codecs").GetArrayLength() > 100);
        Assert.True(json.RootElement.GetProperty("onnxRuntime").GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task Storage_verify_round_trips_every_document_shape_in_the_aot_binary()
    {
        var (code, output) = await Run("storage", "verify", "--data", _dir.File("data"));
        Assert.Equal(0, code);
        Assert.Contains("ok    config_history", output, StringComparison.Ordinal);
        Assert.Contains("ok    events", output, StringComparison.Ordinal);
        Assert.Contains("ok    segments", output, StringComparison.Ordinal);
        Assert.Contains("ok    clips", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.File("data"), ".verify-*"));
    }
}
