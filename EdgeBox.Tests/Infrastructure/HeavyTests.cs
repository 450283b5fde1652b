namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// Tests that keep both cores busy (real-time encoding with libx264): they run on their own, after the
/// parallel ones, so timing-bound tests elsewhere (shutdown within 5 s, a reload within 10 s) never
/// compete with them for the CPU on a 2-core CI machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyTests
{
    public const string Name = "CPU-heavy (run alone)";
}
