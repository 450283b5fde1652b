using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class DetectConfigTests
{
    private const string Full = """
        inference: { executionProvider: openvino, deviceId: 1, threads: 2, runtimeLibrary: /opt/ort/libonnxruntime.so }
        paths:
          cam1:
            detect:
              model: yolo11n
              fps: 2.5
              threshold: 0.6
              labels: [person, car]
              zones:
                - { name: door, points: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]] }
              masks:
                - [[0.8, 0], [1, 0], [1, 0.2]]
              minArea: 0.01
              maxDetections: 5
              minFrames: 3
              lostAfter: 3s
              maxEventDuration: 2m
              record: true
              clipDuration: 20s
              annotate: true
          cam2: { detect: off }
        """;

    [Fact]
    public void Every_key_is_read_and_written_back_equal()
    {
        var first = ConfigLoader.Load(Full);
        Assert.True(first.IsValid, string.Join("\n", first.Errors));
        var config = first.Config!;
        Assert.Equal(new InferenceConfig { ExecutionProvider = ExecutionProviderSetting.OpenVino, DeviceId = 1, Threads = 2, RuntimeLibrary = "/opt/ort/libonnxruntime.so" }, config.Inference);
        var detect = config.Paths[0].Config.Detect!;
        Assert.Equal(("yolo11n", 2.5, 0.6f, 0.01f, 5, 3), (detect.Model, detect.Fps, detect.Threshold, detect.MinArea, detect.MaxDetections, detect.MinFrames));
        Assert.Equal(["person", "car"], detect.Labels);
        Assert.Equal("door", Assert.Single(detect.Zones).Name);
        Assert.Equal([0.8f, 0f, 1f, 0f, 1f, 0.2f], Assert.Single(detect.Masks).Points);
        Assert.Equal((TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(2), true, TimeSpan.FromSeconds(20), true),
            (detect.LostAfter, detect.MaxEventDuration, detect.Record, detect.ClipDuration, detect.Annotate));
        Assert.Equal("", config.Paths[1].Config.Detect!.Model); // off

        string written = ConfigWriter.Write(config);
        var second = ConfigLoader.Load(written);
        Assert.True(second.IsValid, written + "\n" + string.Join("\n", second.Errors));
        Assert.Empty(ConfigDiff.Compute(config, second.Config!));
        Assert.Equal(written, ConfigWriter.Write(second.Config!));
    }

    [Fact]
    public void A_change_of_detect_is_a_change_of_that_path_only_and_inference_needs_a_restart()
    {
        var before = ConfigLoader.Load(Full).Config!;
        var after = ConfigLoader.Load(Full.Replace("fps: 2.5", "fps: 5", StringComparison.Ordinal).Replace("threads: 2", "threads: 1", StringComparison.Ordinal)).Config!;
        var changes = ConfigDiff.Compute(before, after);
        Assert.Equal(["inference", "paths.cam1"], changes.Select(c => c.Key).Order());
        Assert.True(changes.Single(c => c.Key == "inference").RequiresRestart);
        Assert.False(changes.Single(c => c.Key == "paths.cam1").RequiresRestart);
    }

    [Theory]
    [InlineData("detect: { fps: 5 }", "paths.cam1.detect", "detection needs a model")]
    [InlineData("detect: { model: m, fps: 500 }", "paths.cam1.detect.fps", "must be from 0.1 to 60, found 500")]
    [InlineData("detect: { model: m, threshold: high }", "paths.cam1.detect.threshold", "expected a number, found 'high'")]
    [InlineData("detect: { model: m, zones: [{ name: a, points: [[0, 0], [1, 1]] }] }", "paths.cam1.detect.zones[0].points", "at least 3 points")]
    [InlineData("detect: { model: m, zones: [{ points: [[0, 0], [1, 1], [1, 0]] }] }", "paths.cam1.detect.zones[0]", "a zone needs a name and points")]
    [InlineData("detect: { model: m, masks: [[[0, 0], [2, 1], [1, 0]]] }", "paths.cam1.detect.masks[0][1][0]", "must be from 0 to 1, found 2")]
    [InlineData("detect: { model: m, fsp: 5 }", "paths.cam1.detect.fsp", "did you mean 'fps'?")]
    [InlineData("detect: { model: m, clipDuration: 2h }", "paths.cam1.detect.clipDuration", "must be from 1s to 1h")]
    [InlineData("detect: [face]", "paths.cam1.detect", "expected a mapping")]
    public void Bad_detect_settings_are_refused_with_their_key(string yaml, string key, string message)
    {
        var result = ConfigLoader.Load($"paths:\n  cam1: {{ {yaml} }}\n");
        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == key && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_inference_settings_are_refused()
    {
        var result = ConfigLoader.Load("inference: { executionProvider: gpu, threads: -1 }");
        Assert.Contains(result.Errors, e => e.Path == "inference.executionProvider" && e.Message.Contains("auto | cpu | cuda | tensorrt | openvino | rocm", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Path == "inference.threads");
    }
}
