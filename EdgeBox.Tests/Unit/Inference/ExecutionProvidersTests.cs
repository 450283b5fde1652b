using EdgeBox.Configuration;
using EdgeBox.Inference;

namespace EdgeBox.Tests.Unit.Inference;

public sealed class ExecutionProvidersTests
{
    private static readonly string[] CpuOnly = ["CPUExecutionProvider"];

    [Fact]
    public void Auto_with_a_cpu_only_library_runs_on_the_cpu_without_a_warning()
    {
        var plan = ExecutionProviders.Plan(ExecutionProviderSetting.Auto, CpuOnly);
        Assert.Equal([ExecutionProviderSetting.Cpu], plan.Order);
        Assert.False(plan.Warning);
        Assert.Contains("no GPU/NPU provider", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_tries_every_accelerator_the_library_has_tensorrt_first_then_the_cpu()
    {
        var plan = ExecutionProviders.Plan(ExecutionProviderSetting.Auto,
            ["CPUExecutionProvider", "CUDAExecutionProvider", "OpenVINOExecutionProvider", "TensorrtExecutionProvider", "AzureExecutionProvider"]);
        Assert.Equal([ExecutionProviderSetting.TensorRt, ExecutionProviderSetting.Cuda, ExecutionProviderSetting.OpenVino, ExecutionProviderSetting.Cpu], plan.Order);
        Assert.False(plan.Warning);
    }

    [Theory]
    [InlineData("cuda", "CUDAExecutionProvider")]
    [InlineData("tensorrt", "TensorrtExecutionProvider")]
    [InlineData("openvino", "OpenVINOExecutionProvider")]
    [InlineData("rocm", "ROCMExecutionProvider")]
    public void A_provider_asked_for_that_the_library_lacks_falls_back_to_the_cpu_with_a_warning_naming_it(string asked, string name)
    {
        var setting = Enum.Parse<ExecutionProviderSetting>(asked, ignoreCase: true);
        var plan = ExecutionProviders.Plan(setting, CpuOnly);
        Assert.Equal([ExecutionProviderSetting.Cpu], plan.Order);
        Assert.True(plan.Warning);
        Assert.Contains(name, plan.Reason, StringComparison.Ordinal);
        Assert.Contains("runtimeLibrary", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_provider_the_library_has_is_tried_first_and_the_cpu_stays_the_fallback()
    {
        var plan = ExecutionProviders.Plan(ExecutionProviderSetting.Cuda, ["CUDAExecutionProvider", "CPUExecutionProvider"]);
        Assert.Equal([ExecutionProviderSetting.Cuda, ExecutionProviderSetting.Cpu], plan.Order);
        Assert.False(plan.Warning);
    }

    [Fact]
    public void Cpu_is_the_cpu_whatever_the_library_offers()
    {
        Assert.Equal([ExecutionProviderSetting.Cpu], ExecutionProviders.Plan(ExecutionProviderSetting.Cpu, ["CUDAExecutionProvider", "CPUExecutionProvider"]).Order);
    }

    [Fact]
    public void Names_map_both_ways()
    {
        foreach (var setting in Enum.GetValues<ExecutionProviderSetting>().Where(s => s != ExecutionProviderSetting.Auto))
        {
            Assert.Equal(setting, ExecutionProviders.SettingOf(ExecutionProviders.NameOf(setting)));
        }

        Assert.Null(ExecutionProviders.SettingOf("AzureExecutionProvider"));
    }
}
