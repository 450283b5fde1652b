using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class RecordingSettingsTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("4096", 4096)]
    [InlineData("500M", 500L << 20)]
    [InlineData("50G", 50L << 30)]
    [InlineData("1.5T", 3L << 39)]
    [InlineData("2GB", 2L << 30)]
    [InlineData("64k", 64L << 10)]
    public void Sizes_parse_in_powers_of_1024(string text, long bytes)
    {
        Assert.True(ByteSizeText.TryParse(text, out long value));
        Assert.Equal(bytes, value);
        Assert.True(ByteSizeText.TryParse(ByteSizeText.Format(value), out long back));
        Assert.Equal(bytes, back);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1G")]
    [InlineData("G")]
    [InlineData("10X")]
    [InlineData("1e30")]
    public void Bad_sizes_are_refused(string text) => Assert.False(ByteSizeText.TryParse(text, out _));

    [Fact]
    public void The_disk_floor_is_a_percentage_of_the_volume_or_bytes()
    {
        Assert.True(DiskFloor.TryParse("10%", out var percent));
        Assert.Equal(100L << 30, percent.For(1000L << 30));
        Assert.True(DiskFloor.TryParse("20G", out var bytes));
        Assert.Equal(20L << 30, bytes.For(1000L << 30));
        Assert.Equal("20G", bytes.ToString());
        Assert.Equal("10%", percent.ToString());
        Assert.False(DiskFloor.TryParse("100%", out _));
        Assert.False(DiskFloor.TryParse("x%", out _));
    }
}
