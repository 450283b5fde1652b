using Microsoft.Extensions.Logging;

namespace EdgeBox.Uplink;

/// <summary>The uplink's log messages (event ids 1300-1399).</summary>
internal sealed partial class MqttUplink
{
    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkConnected, EventName = "UplinkConnected", Level = LogLevel.Information,
            Message = "Uplink connected to {Broker} as device {Device}")]
        public static partial void Connected(ILogger logger, string broker, string device);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkLost, EventName = "UplinkLost", Level = LogLevel.Warning,
            Message = "Uplink to {Broker} lost ({Reason}); the box runs on its last applied config and queues its events")]
        public static partial void Lost(ILogger logger, string broker, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkConnectFailed, EventName = "UplinkConnectFailed", Level = LogLevel.Warning,
            Message = "Uplink cannot reach {Broker} ({Reason}); trying again in about {Seconds} s")]
        public static partial void ConnectFailed(ILogger logger, string broker, string reason, double seconds);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkDesired, EventName = "UplinkDesired", Level = LogLevel.Information,
            Message = "Uplink received the desired config of {Layer}: {What}")]
        public static partial void Desired(ILogger logger, string layer, string what);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkCommand, EventName = "UplinkCommand", Level = LogLevel.Information,
            Message = "Uplink ran command {Command}")]
        public static partial void Command(ILogger logger, string command);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkTooLarge, EventName = "UplinkTooLarge", Level = LogLevel.Warning,
            Message = "Uplink ignored a message of {Bytes} bytes on {Topic}: over its limit")]
        public static partial void TooLarge(ILogger logger, string topic, long bytes);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkEventRefused, EventName = "UplinkEventRefused", Level = LogLevel.Warning,
            Message = "The broker refused event {Id} ({Reason}); it is skipped so the ones after it can go")]
        public static partial void EventRefused(ILogger logger, long id, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkResponseFailed, EventName = "UplinkResponseFailed", Level = LogLevel.Warning,
            Message = "Uplink could not send the response to command {Command}: {Reason}")]
        public static partial void ResponseFailed(ILogger logger, string command, string reason);

        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkGoodbyeFailed, EventName = "UplinkGoodbyeFailed", Level = LogLevel.Debug,
            Message = "Uplink could not say goodbye to the broker: {Reason}")]
        public static partial void GoodbyeFailed(ILogger logger, string reason);
    }
}
