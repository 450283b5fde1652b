using EdgeBox.Configuration;

namespace EdgeBox.Tests.Unit.Configuration;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("30", 30_000)]
    [InlineData("7d", 604_800_000)]
    [InlineData(" 5s ", 5_000)]
    [InlineData("0s", 0)]
    public void Parses(string text, long milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("10x")]
    [InlineData("-5s")]
    [InlineData("5 s")]
    [InlineData("3651d")]
    [InlineData("100000h")]
    [InlineData("1e9")]
    public void Refuses(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Theory]
    [InlineData(10_000, "10s")]
    [InlineData(500, "500ms")]
    [InlineData(90_000, "1m30s")]
    [InlineData(3_600_000, "1h")]
    [InlineData(0, "0s")]
    [InlineData(7L * 86_400_000, "7d")]
    [InlineData(86_400_000 + 3_600_000, "1d1h")]
    public void Formats_to_text_that_reads_back(long milliseconds, string text)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        Assert.Equal(text, DurationText.Format(value));
        Assert.True(DurationText.TryParse(text, out var back));
        Assert.Equal(value, back);
    }
}
