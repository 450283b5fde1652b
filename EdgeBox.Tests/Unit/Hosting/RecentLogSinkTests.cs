using EdgeBox.Hosting;
using Serilog.Events;
using Serilog.Parsing;

namespace EdgeBox.Tests.Unit.Hosting;

public sealed class RecentLogSinkTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 10, 0, 0, TimeSpan.Zero);
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse("event {Number} on {Path}");

    private static LogEvent Event(int number, LogEventLevel level = LogEventLevel.Information, Exception? exception = null) =>
        new(Start.AddSeconds(number), level, exception, Template,
        [
            new LogEventProperty("Number", new ScalarValue(number)),
            new LogEventProperty("Path", new ScalarValue("cam1")),
            new LogEventProperty("SourceContext", new ScalarValue("EdgeBox.Tests")),
        ]);

    [Fact]
    public void Keeps_the_newest_events_up_to_its_capacity_oldest_first()
    {
        var sink = new RecentLogSink(capacity: 5);
        for (int i = 1; i <= 12; i++)
        {
            sink.Emit(Event(i));
        }

        var all = sink.Read(100, LogEventLevel.Verbose);
        Assert.Equal(["event 8 on cam1", "event 9 on cam1", "event 10 on cam1", "event 11 on cam1", "event 12 on cam1"], all.Select(e => e.Message));
        Assert.Equal(Start.AddSeconds(8), all[0].Time);
        Assert.All(all, e => Assert.Equal("EdgeBox.Tests", e.Category));

        var last = sink.Read(2, LogEventLevel.Verbose);
        Assert.Equal(["event 11 on cam1", "event 12 on cam1"], last.Select(e => e.Message));
    }

    [Fact]
    public void Reads_fewer_than_the_capacity_before_the_ring_is_full()
    {
        var sink = new RecentLogSink();
        Assert.Equal(RecentLogSink.DefaultCapacity, sink.Capacity);
        Assert.Empty(sink.Read(10, LogEventLevel.Verbose));

        sink.Emit(Event(1));
        sink.Emit(Event(2));
        Assert.Equal(["event 1 on cam1", "event 2 on cam1"], sink.Read(200, LogEventLevel.Verbose).Select(e => e.Message));
    }

    [Fact]
    public void Filters_by_level_and_counts_only_the_events_it_returns()
    {
        var sink = new RecentLogSink(capacity: 100);
        for (int i = 1; i <= 30; i++)
        {
            sink.Emit(Event(i, i % 10 == 0 ? LogEventLevel.Error : i % 3 == 0 ? LogEventLevel.Warning : LogEventLevel.Debug,
                i == 30 ? new InvalidOperationException("boom") : null));
        }

        var warnings = sink.Read(5, LogEventLevel.Warning);
        Assert.Equal([20, 21, 24, 27, 30], warnings.Select(e => int.Parse(e.Message.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(warnings, e => Assert.True(e.Level >= LogEventLevel.Warning));

        var errors = sink.Read(100, LogEventLevel.Error);
        Assert.Equal(["event 10 on cam1", "event 20 on cam1", "event 30 on cam1"], errors.Select(e => e.Message));
        Assert.Null(errors[0].Exception);
        Assert.Contains("InvalidOperationException: boom", errors[2].Exception, StringComparison.Ordinal);
        Assert.Empty(sink.Read(100, LogEventLevel.Fatal));
    }

    [Fact]
    public void Strings_are_shown_without_quotes_and_an_event_without_a_category_has_an_empty_one()
    {
        var sink = new RecentLogSink(capacity: 2);
        sink.Emit(new LogEvent(Start, LogEventLevel.Information, null, new MessageTemplateParser().Parse("user {User} logged in"),
            [new LogEventProperty("User", new ScalarValue("admin"))]));

        var entry = Assert.Single(sink.Read(10, LogEventLevel.Verbose));
        Assert.Equal("user admin logged in", entry.Message);
        Assert.Equal("", entry.Category);
    }

    [Fact]
    public async Task Concurrent_writers_never_leave_a_hole_or_exceed_the_capacity()
    {
        var sink = new RecentLogSink(capacity: 64);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 5000; i++)
            {
                sink.Emit(Event(i));
                if (i % 500 == 0)
                {
                    Assert.InRange(sink.Read(1000, LogEventLevel.Verbose).Count, 1, 64);
                }
            }
        })));

        Assert.Equal(64, sink.Read(1000, LogEventLevel.Verbose).Count);
    }

    [Theory]
    [InlineData("warn", LogEventLevel.Warning)]
    [InlineData("Warning", LogEventLevel.Warning)]
    [InlineData("INFO", LogEventLevel.Information)]
    [InlineData("debug", LogEventLevel.Debug)]
    [InlineData("trace", LogEventLevel.Verbose)]
    [InlineData("fatal", LogEventLevel.Fatal)]
    public void Level_names_are_read_as_the_config_or_serilog_spells_them(string text, LogEventLevel expected)
    {
        Assert.True(RecentLogSink.TryParseLevel(text, out var level));
        Assert.Equal(expected, level);
        Assert.True(RecentLogSink.TryParseLevel(RecentLogSink.LevelName(level), out var again));
        Assert.Equal(level, again);
    }

    [Fact]
    public void Unknown_level_names_are_refused() => Assert.False(RecentLogSink.TryParseLevel("loud", out _));
}
