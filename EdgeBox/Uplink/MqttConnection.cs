using EdgeBox.Configuration;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBox.Uplink;

/// <summary>Client options for a broker as <c>uplink.mqtt</c> (or the fleet CLI's options) describe it: address, protocol, credentials, TLS.</summary>
internal static class MqttConnection
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Largest MQTT packet the box takes: a 4 MiB desired document with room for the topic and properties.</summary>
    public const uint MaxPacketSize = 5 * 1024 * 1024;

    public static MqttClientOptionsBuilder Builder(MqttUplinkConfig mqtt, string clientId)
    {
        if (!MqttEndpoint.TryParse(mqtt.Url, out var endpoint))
        {
            throw new UplinkException($"'{mqtt.Url}' is not mqtt://host[:port] or mqtts://host[:port]");
        }

        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(endpoint.Host, endpoint.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(mqtt.Protocol == "3.1.1" ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(mqtt.KeepAlive)
            .WithCleanSession(true)
            .WithTimeout(Timeout)
            // MQTT 5: the broker sends nothing larger (a desired document is at most 4 MiB; 3.1.1 has no such limit, see MqttUplink).
            .WithMaximumPacketSize(MaxPacketSize);
        string password = mqtt.PasswordFile.Length > 0 ? ReadPasswordFile(mqtt.PasswordFile) : mqtt.Password;
        if (mqtt.Username.Length > 0)
        {
            builder.WithCredentials(mqtt.Username, password);
        }

        if (endpoint.Tls)
        {
            builder.WithTlsOptions(UplinkTls.Configure(mqtt.Ca, mqtt.ClientCert, mqtt.ClientKey, endpoint.Host));
        }

        return builder;
    }

    private static string ReadPasswordFile(string path)
    {
        try
        {
            string text = Infrastructure.SmallFile.ReadText(path, 4096) ?? throw new UplinkException($"password file {path} is larger than 4 KB");
            return text.Split('\n')[0].TrimEnd('\r');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UplinkException($"password file {path}: {ex.Message}");
        }
    }
}
