using EdgeBox.Hosting;
using EdgeBox.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using Serilog.Parsing;

namespace EdgeBox.Tests.Unit.Uplink;

/// <summary>The log files behind the fleet's <c>rotate-logs</c> command.</summary>
public sealed class LogRotationTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-24T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private string Logs => Path.Combine(_dir.Path, "logs");

    private void Emit(LogFiles files, string marker) =>
        files.Emit(new LogEvent(_time.GetUtcNow(), LogEventLevel.Information, null, new MessageTemplateParser().Parse("marker {Marker}"),
            [new LogEventProperty("Marker", new ScalarValue(marker))]));

    private string[] Current() =>
        [.. Directory.GetFiles(Logs, "edgebox-*.log").Where(f => !f.EndsWith(".rotated.log", StringComparison.Ordinal))];

    private string[] Rotated() => [.. Directory.GetFiles(Logs, "*.rotated.log").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Rotate_renames_the_current_file_and_later_events_go_to_a_new_one()
    {
        string rotated;
        using (var files = new LogFiles(_dir.Path, enabled: true, _time))
        {
            Assert.True(files.Enabled);
            Emit(files, "before-rotation");

            rotated = files.Rotate()!;

            Emit(files, "after-rotation");
        }

        Assert.Equal(Path.Combine(Logs, "edgebox-20261124-100000.rotated.log"), rotated);
        string old = File.ReadAllText(rotated);
        Assert.Contains("before-rotation", old, StringComparison.Ordinal);
        Assert.DoesNotContain("after-rotation", old, StringComparison.Ordinal);
        string current = File.ReadAllText(Assert.Single(Current()));
        Assert.Contains("after-rotation", current, StringComparison.Ordinal);
        Assert.DoesNotContain("before-rotation", current, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_rotations_in_the_same_second_keep_both_files()
    {
        using var files = new LogFiles(_dir.Path, enabled: true, _time);
        Emit(files, "first");
        string? first = files.Rotate();
        Emit(files, "second");
        string? second = files.Rotate();

        Assert.Equal(["edgebox-20261124-100000-1.rotated.log", "edgebox-20261124-100000.rotated.log"], Rotated());
        Assert.NotEqual(first, second);
        Assert.Contains("second", File.ReadAllText(second!), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_newest_rotated_files_are_kept()
    {
        using var files = new LogFiles(_dir.Path, enabled: true, _time);
        for (int i = 0; i < LogFiles.KeepRotated + 3; i++)
        {
            Emit(files, "event " + i);
            Assert.NotNull(files.Rotate());
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        string[] kept = Rotated();
        Assert.Equal(LogFiles.KeepRotated, kept.Length);
        Assert.Equal("edgebox-20261124-100300.rotated.log", kept[0]);
        Assert.Equal("edgebox-20261124-101600.rotated.log", kept[^1]);
    }

    [Fact]
    public void Disabled_log_files_write_nothing_and_do_not_rotate()
    {
        using var files = new LogFiles(_dir.Path, enabled: false, _time);
        Emit(files, "nowhere");

        Assert.False(files.Enabled);
        Assert.Null(files.Rotate());
        Assert.False(Directory.Exists(Logs));
    }

    public void Dispose() => _dir.Dispose();
}
