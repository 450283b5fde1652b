using EdgeBox.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace EdgeBox.Hosting;

/// <summary>
/// Serilog: console (text or compact JSON), a rolling file under <c>&lt;data&gt;/logs</c>, and the recent
/// events kept in memory for the console's System page.
/// </summary>
internal static class LoggingSetup
{
    private const string TextTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj} ({SourceContext}){NewLine}{Exception}";

    public static LogEventLevel ToSerilog(LogLevelSetting level) => level switch
    {
        LogLevelSetting.Debug => LogEventLevel.Debug,
        LogLevelSetting.Warn => LogEventLevel.Warning,
        LogLevelSetting.Error => LogEventLevel.Error,
        _ => LogEventLevel.Information,
    };

    public static Logger Create(LogConfig config, LogFiles files, LoggingLevelSwitch level, RecentLogSink recent)
    {
        var logger = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Warning)
            // The host logs a start-up failure (a taken port) with its whole stack before rethrowing it;
            // ServiceHost reports it as one line instead. Critical host events still come through.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal)
            .Enrich.FromLogContext()
            .WriteTo.Sink(recent);

        logger = config.Format == LogFormat.Json
            ? logger.WriteTo.Console(new CompactJsonFormatter())
            : logger.WriteTo.Console(outputTemplate: TextTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);

        if (files.Enabled)
        {
            logger = logger.WriteTo.Sink(files);
        }

        return logger.CreateLogger();
    }
}

/// <summary>Applies <c>log.level</c> changes live.</summary>
internal sealed class LogLevelApplier(LoggingLevelSwitch level) : IConfigApplier
{
    public void Apply(EdgeBoxConfig config, IReadOnlyList<ConfigChange> changes) => level.MinimumLevel = LoggingSetup.ToSerilog(config.Log.Level);
}
