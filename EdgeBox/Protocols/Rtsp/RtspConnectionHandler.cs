using EdgeBox.Configuration;
using EdgeBox.Media;
using Microsoft.AspNetCore.Connections;

namespace EdgeBox.Protocols.Rtsp;

/// <summary>
/// Kestrel hosts the RTSP listener: each TCP connection becomes one <see cref="RtspSession"/>
/// (Kestrel gives us pipelines, connection limits and graceful shutdown).
/// </summary>
internal sealed class RtspConnectionHandler(
    PathManager paths,
    MediaBufferPool pool,
    RtspUdpTransport udp,
    SessionRegistry sessions,
    SourceSupervisor sources,
    Events.EventBus events,
    ConfigManager config,
    TimeProvider time,
    ILogger<RtspSession> logger) : ConnectionHandler
{
    private int _sessions;

    public int Sessions => Volatile.Read(ref _sessions);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        int count = Interlocked.Increment(ref _sessions);
        try
        {
            var settings = config.Current.Config.Rtsp;
            await using var session = new RtspSession(connection, paths, sources, pool, udp, events, time, settings, logger);
            await session.RunAsync(refuse: count > settings.MaxSessions, sessions).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _sessions);
        }
    }
}
