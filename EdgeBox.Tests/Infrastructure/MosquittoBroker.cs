using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// A real Mosquitto broker (Debian's <c>mosquitto</c>, installed by <c>./build.sh setup</c>) on a free loopback
/// port, anonymous and without persistence: retained messages live only as long as the process, so a test
/// that stops and starts it again (<see cref="StopAsync"/>, <see cref="StartAsync()"/>, same port) publishes them
/// again. Killed at dispose, with its temporary config file removed.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _directory = new();
    private ExternalProcess? _process;
    private string _earlierOutput = "";

    private MosquittoBroker(int port)
    {
        Port = port;
        ConfigFile = _directory.File("mosquitto.conf");
        File.WriteAllText(ConfigFile, $"""
            listener {port} 127.0.0.1
            allow_anonymous true
            persistence false
            log_dest stderr
            log_type error
            log_type warning
            log_type notice

            """);
    }

    public int Port { get; }

    /// <summary><c>mqtt://127.0.0.1:PORT</c>, as <c>uplink.mqtt.url</c> takes it.</summary>
    public string Url => $"mqtt://127.0.0.1:{Port}";

    public string ConfigFile { get; }

    /// <summary>What the broker logged, over every start (errors, warnings, notices: connections and disconnections).</summary>
    public string Output => _earlierOutput + (_process is null ? "" : _process.StandardError + _process.StandardOutput);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a broker on a free loopback port and waits until it accepts connections.</summary>
    public static async Task<MosquittoBroker> LaunchAsync()
    {
        var broker = new MosquittoBroker(FreePort());
        try
        {
            await broker.StartAsync();
            return broker;
        }
        catch (Exception)
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>(Re)starts the broker on <see cref="Port"/>; returns once the port accepts connections.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        await StopAsync();
        _process = ExternalProcess.Start("mosquitto", "-c", ConfigFile);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"mosquitto did not listen on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds} s:\n{Output}");
    }

    /// <summary>Kills the broker (as a crash or a network loss would look to its clients: no clean disconnect).</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _earlierOutput = Output;
            _process = null;
        }
    }

    /// <summary>Publishes <paramref name="message"/> to <paramref name="topic"/> with <c>mosquitto_pub</c> (QoS 1), retained unless told otherwise.</summary>
    public async Task PublishAsync(string topic, string message, bool retain = true)
    {
        var (exit, _, error) = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(10), "mosquitto_pub",
            ["-h", "127.0.0.1", "-p", $"{Port}", "-q", "1", "-t", topic, "-m", message, .. retain ? (string[])["-r"] : []]);
        Assert.True(exit == 0, $"mosquitto_pub -t {topic} failed ({exit}): {error}\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
