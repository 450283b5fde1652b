using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace EdgeBox.Hosting;

/// <summary>One log event as <c>GET /api/v1/logs</c> shows it.</summary>
internal sealed record RecentLogEntry(DateTimeOffset Time, LogEventLevel Level, string Category, string Message, string? Exception);

/// <summary>
/// The last <see cref="Capacity"/> log events in memory, for the console's System page
/// (<c>GET /api/v1/logs</c>): a bounded ring written by every log call and read only while the page is open.
/// Writing keeps a reference to the event Serilog has already built (no formatting, no allocation);
/// events are rendered to text when they are read, so logging costs the same whether or not anyone looks.
/// </summary>
internal sealed class RecentLogSink : ILogEventSink
{
    /// <summary>How many events are kept: about a page of a busy minute, a day of a quiet box (issue 8).</summary>
    public const int DefaultCapacity = 2000;

    // "{Message:lj}": string values without quotes, structured values as JSON, as the console output shows them.
    private static readonly MessageTemplateTextFormatter MessageFormatter = new("{Message:lj}", CultureInfo.InvariantCulture);

    private readonly Lock _gate = new();
    private readonly LogEvent?[] _ring;
    private long _written;

    public RecentLogSink(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new LogEvent?[capacity];
    }

    public int Capacity => _ring.Length;

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _ring[(int)(_written % _ring.Length)] = logEvent;
            _written++;
        }
    }

    /// <summary>The newest <paramref name="lines"/> events at or above <paramref name="minimum"/>, oldest first.</summary>
    public IReadOnlyList<RecentLogEntry> Read(int lines, LogEventLevel minimum)
    {
        var picked = new List<LogEvent>(Math.Clamp(lines, 0, _ring.Length));
        lock (_gate)
        {
            long oldest = Math.Max(0, _written - _ring.Length);
            for (long i = _written - 1; i >= oldest && picked.Count < lines; i--)
            {
                var logEvent = _ring[(int)(i % _ring.Length)]!;
                if (logEvent.Level >= minimum)
                {
                    picked.Add(logEvent);
                }
            }
        }

        var entries = new RecentLogEntry[picked.Count];
        for (int i = 0; i < picked.Count; i++)
        {
            entries[picked.Count - 1 - i] = Render(picked[i]);
        }

        return entries;
    }

    private static RecentLogEntry Render(LogEvent logEvent)
    {
        using var message = new StringWriter(CultureInfo.InvariantCulture);
        MessageFormatter.Format(logEvent, message);
        string category = logEvent.Properties.TryGetValue(Constants.SourceContextPropertyName, out var context) && context is ScalarValue { Value: string name }
            ? name
            : "";
        return new RecentLogEntry(logEvent.Timestamp, logEvent.Level, category, message.ToString(), logEvent.Exception?.ToString());
    }

    /// <summary>The level as the config file names it (<c>log.level</c>): trace, debug, info, warn, error, fatal.</summary>
    public static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "trace",
        LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "info",
        LogEventLevel.Warning => "warn",
        LogEventLevel.Error => "error",
        _ => "fatal",
    };

    /// <summary>Reads a level name: the config's (<c>warn</c>) or Serilog's (<c>Warning</c>), any case.</summary>
    public static bool TryParseLevel(string? text, out LogEventLevel level)
    {
        LogEventLevel? parsed = text?.ToLowerInvariant() switch
        {
            "trace" or "verbose" => LogEventLevel.Verbose,
            "debug" => LogEventLevel.Debug,
            "info" or "information" => LogEventLevel.Information,
            "warn" or "warning" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            "fatal" => LogEventLevel.Fatal,
            _ => null,
        };
        level = parsed ?? LogEventLevel.Verbose;
        return parsed is not null;
    }
}
