using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBox.Uplink;

/// <summary>Commands from the fleet (<c>.../cmd/NAME</c>): run off the receive loop, a few at a time, and answered.</summary>
internal sealed partial class MqttUplink
{
    /// <summary>Largest message taken on <paramref name="topic"/>: a desired document's limit, 64 KB for a command.</summary>
    private static long MaxPayload(string topic) => Topics.LayerOf(topic) is not null ? FleetDocument.MaxLength : MaxCommandLength;

    /// <summary>Runs a command and publishes its response (to the MQTT 5 response topic when the request names one, with its correlation data).</summary>
    private async Task RunCommandAsync(IMqttClient client, string command, byte[] payload, string? responseTopic, byte[]? correlation)
    {
        byte[] response;
        await _commands.WaitAsync().ConfigureAwait(false);
        try
        {
            response = await _device.CommandAsync(command, payload, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            response = Encoding.UTF8.GetBytes($"{{\"ok\":false,\"error\":{System.Text.Json.JsonSerializer.Serialize(ex.Message, UplinkJsonContext.Default.String)}}}");
        }
        finally
        {
            _commands.Release();
        }

        Log.Command(_logger, command);
        try
        {
            var reply = new MqttApplicationMessageBuilder()
                .WithTopic(string.IsNullOrEmpty(responseTopic) ? Topics.CommandResponse(_options.DeviceId, command) : responseTopic)
                .WithPayload(response)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (correlation is { Length: > 0 })
            {
                reply.WithCorrelationData(correlation);
            }

            using var timeout = new CancellationTokenSource(ConnectTimeout);
            await client.PublishAsync(reply.Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ResponseFailed(_logger, command, ex.Message);
        }
    }
}
