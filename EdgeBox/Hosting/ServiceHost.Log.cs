using EdgeBox.Infrastructure;

namespace EdgeBox.Hosting;

internal static partial class ServiceHost
{
    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.Starting, EventName = "Starting", Level = LogLevel.Information,
            Message = "EdgeBox {Version} starting; configuration {ConfigPath} ({ConfigOrigin}); data {DataDirectory}")]
        public static partial void Starting(ILogger logger, string version, string configPath, string configOrigin, string dataDirectory);

        [LoggerMessage(EventId = EventIds.Started, EventName = "Started", Level = LogLevel.Information, Message = "EdgeBox started")]
        public static partial void Started(ILogger logger);

        [LoggerMessage(EventId = EventIds.Listening, EventName = "Listening", Level = LogLevel.Information, Message = "Listening for {Protocol} on {Address}")]
        public static partial void Listening(ILogger logger, string protocol, string address);

        [LoggerMessage(EventId = EventIds.Stopping, EventName = "Stopping", Level = LogLevel.Information, Message = "EdgeBox stopping")]
        public static partial void Stopping(ILogger logger);

        [LoggerMessage(EventId = EventIds.Stopped, EventName = "Stopped", Level = LogLevel.Information, Message = "EdgeBox stopped")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(EventId = EventIds.UplinkApplied, EventName = "FleetManaged", Level = LogLevel.Information,
            Message = "Configuration is fleet-managed: running on {Version} over the file")]
        public static partial void FleetManaged(ILogger logger, string version);

        [LoggerMessage(EventId = EventIds.UplinkStoreFailed, EventName = "FleetLayersUnusable", Level = LogLevel.Error,
            Message = "Fleet config not used at start-up: {Reason}")]
        public static partial void FleetLayersUnusable(ILogger logger, string reason);
    }
}
