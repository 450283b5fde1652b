using EdgeBox.Tests.Infrastructure;

namespace EdgeBox.Tests.Unit.Media.Codecs;

/// <summary>The sample streams in TestData/ (how each was made: TestData/README.md).</summary>
internal static class CodecTestData
{
    public static byte[] Read(string name) =>
        File.ReadAllBytes(Path.Combine(RepoPaths.Root, "EdgeBox.Tests", "Unit", "Media", "Codecs", "TestData", name));

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
