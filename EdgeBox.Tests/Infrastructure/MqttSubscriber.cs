using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>A message <see cref="MqttSubscriber"/> received: topic, payload (UTF-8 text) and whether it came as a retained one.</summary>
internal sealed record MqttMessage(string Topic, string Payload, bool Retained)
{
    public JsonElement Json => JsonDocument.Parse(Payload).RootElement.Clone();
}

/// <summary>
/// <c>mosquitto_sub</c> on a topic filter (QoS 1), every message kept. With a client id it keeps a
/// persistent session (<c>-c -i ID</c>): across a broker restart (a broker that persists) the messages
/// published while it was reconnecting are queued for it. mosquitto_sub reconnects on its own.
/// </summary>
internal sealed class MqttSubscriber : IAsyncDisposable
{
    private readonly ExternalProcess _process;

    private MqttSubscriber(ExternalProcess process) => _process = process;

    /// <summary>Starts subscribing and returns once the broker acknowledged the subscription (its log says so).</summary>
    public static async Task<MqttSubscriber> StartAsync(MosquittoBroker broker, string topic, string? persistentId = null)
    {
        string id = persistentId ?? "test-sub-" + Guid.NewGuid().ToString("N")[..8];
        string[] session = persistentId is null ? [] : ["-c"];
        var subscriber = new MqttSubscriber(ExternalProcess.Start("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", broker.Port.ToString(CultureInfo.InvariantCulture), "-i", id, "-q", "1", "-t", topic, "-F", "%j", .. session]));
        var clock = Stopwatch.StartNew();
        while (!broker.Log.Contains("Sending SUBACK to " + id, StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10) || subscriber._process.HasExited)
            {
                string output = subscriber.Output;
                await subscriber.DisposeAsync();
                throw new TimeoutException($"mosquitto_sub did not subscribe to {topic}:\n{output}\n{broker.Log}");
            }

            await Task.Delay(20);
        }

        return subscriber;
    }

    /// <summary>Every message so far, in the order they came.</summary>
    public IReadOnlyList<MqttMessage> Messages =>
        _process.StandardOutput.Split('\n')
            .Where(line => line.StartsWith("{\"tst\"", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(json => new MqttMessage(json.GetProperty("topic").GetString()!, json.GetProperty("payload").GetString() ?? "", json.GetProperty("retain").GetInt32() != 0))
            .ToList();

    /// <summary>Its output, for failure messages: the messages and its connection log.</summary>
    public string Output => _process.StandardOutput + _process.StandardError;

    /// <summary>Waits until the messages so far satisfy <paramref name="condition"/>; returns them.</summary>
    public async Task<IReadOnlyList<MqttMessage>> WaitForAsync(Func<IReadOnlyList<MqttMessage>, bool> condition, TimeSpan timeout, Func<string> explain)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var messages = Messages;
            if (condition(messages))
            {
                return messages;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{explain()}\n--- mosquitto_sub ---\n{Tail(Output, 6000)}");
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>The last <paramref name="characters"/> of a long log.</summary>
    public static string Tail(string text, int characters) => text.Length <= characters ? text : "..." + text[^characters..];
}
