namespace EdgeBox.Uplink;

/// <summary>What the console and <c>GET /api/v1/uplink</c> show of the uplink: connection, last sync, last report.</summary>
internal sealed class UplinkStatus
{
    private readonly Lock _gate = new();
    private bool _connected;
    private DateTimeOffset? _connectedSince;
    private DateTimeOffset? _lastSync;
    private DateTimeOffset? _lastTelemetry;
    private string? _lastError;
    private long _sent;
    private string? _reported;

    public UplinkStatusSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new UplinkStatusSnapshot(_connected, _connectedSince, _lastSync, _lastTelemetry, _lastError, _sent, _reported);
        }
    }

    public void SetConnected(DateTimeOffset now)
    {
        lock (_gate)
        {
            _connected = true;
            _connectedSince = now;
            _lastError = null;
        }
    }

    public void SetDisconnected(string reason)
    {
        lock (_gate)
        {
            _connected = false;
            _connectedSince = null;
            _lastError = reason;
        }
    }

    /// <summary>The desired configs were read and the result reported (HTTPS pull mode: a poll answered).</summary>
    public void SetSynced(DateTimeOffset now)
    {
        lock (_gate)
        {
            _lastSync = now;
        }
    }

    public void SetTelemetry(DateTimeOffset now)
    {
        lock (_gate)
        {
            _lastTelemetry = now;
        }
    }

    public void SetSent(int events)
    {
        lock (_gate)
        {
            _sent += events;
        }
    }

    /// <summary>The last reported-state document (JSON).</summary>
    public void SetReported(string json)
    {
        lock (_gate)
        {
            _reported = json;
        }
    }

    public void SetError(string? error)
    {
        lock (_gate)
        {
            _lastError = error;
        }
    }
}

internal sealed record UplinkStatusSnapshot(
    bool Connected, DateTimeOffset? ConnectedSince, DateTimeOffset? LastSync, DateTimeOffset? LastTelemetry, string? LastError, long EventsSent, string? Reported);
