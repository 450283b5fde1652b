using System.Net;
using System.Net.Sockets;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// A real Mosquitto broker on a free loopback port, for uplink tests: anonymous, no persistence (a
/// restart forgets retained messages unless <c>persist</c> is set, which keeps them in the test's
/// directory). <see cref="StopAsync"/> and <see cref="StartAsync"/> take it away and bring it back on the
/// same port, as a broker outage would. It runs as the test's user (started as root, Mosquitto would
/// switch to the <c>mosquitto</c> user and could not read the test's certificates and keys).
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly bool _persist;
    private readonly string _listenerOptions;
    private readonly System.Text.StringBuilder _earlierLog = new();
    private ExternalProcess? _process;

    private MosquittoBroker(int port, bool persist, string listenerOptions)
    {
        Port = port;
        _persist = persist;
        _listenerOptions = listenerOptions;
    }

    public int Port { get; }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    /// <summary>Everything it logged (with <c>-v</c>: every connection and message), over all its runs.</summary>
    public string Log => _earlierLog + (_process is null ? "" : _process.StandardOutput + _process.StandardError);

    /// <param name="persist">Keep retained messages across <see cref="StopAsync"/> and <see cref="StartAsync()"/>.</param>
    /// <param name="listenerOptions">Lines for the listener (TLS: <c>cafile</c>, <c>certfile</c>, <c>keyfile</c>, <c>require_certificate</c>...).</param>
    public static async Task<MosquittoBroker> StartAsync(bool persist = false, string listenerOptions = "")
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var broker = new MosquittoBroker(port, persist, listenerOptions);
        await broker.StartAsync();
        return broker;
    }

    public async Task StartAsync()
    {
        string conf = _directory.File("mosquitto.conf");
        await File.WriteAllTextAsync(conf, $"""
            listener {Port} 127.0.0.1
            {_listenerOptions}
            allow_anonymous true
            user {Environment.UserName}
            persistence {(_persist ? "true" : "false")}
            persistence_location {_directory.Path}/
            autosave_interval 1
            """);
        _process = ExternalProcess.Start("mosquitto", "-c", conf, "-v");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                if (_process.HasExited)
                {
                    break;
                }

                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"mosquitto did not listen on {Port}: {Log}");
    }

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _earlierLog.Append(_process.StandardOutput).Append(_process.StandardError).AppendLine("--- stopped ---");
            _process = null;
        }
    }

    /// <summary>Publishes with mosquitto_pub (<paramref name="message"/> null: an empty message, which clears a retained one).</summary>
    public async Task PublishAsync(string topic, string? message, bool retain = true)
    {
        var arguments = new List<string> { "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-t", topic };
        if (retain)
        {
            arguments.Add("-r");
        }

        arguments.AddRange(message is null ? ["-n"] : ["-m", message]);
        var (code, output, errors) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(10), "mosquitto_pub", [.. arguments]);
        if (code != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub exited {code}: {errors}{output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Dispose();
    }
}
