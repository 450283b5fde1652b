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
    }
}
