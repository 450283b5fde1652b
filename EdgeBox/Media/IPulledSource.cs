using EdgeBox.Configuration;

namespace EdgeBox.Media;

/// <summary>
/// A source EdgeBox connects to on its own (an RTSP camera; RTMP/SRT/HLS pulls later): it publishes into
/// its path while connected and reconnects by itself until disposed.
/// </summary>
internal interface IPulledSource : IAsyncDisposable
{
    /// <summary>The URL with any password hidden.</summary>
    string DisplayUrl { get; }

    /// <summary><c>connecting</c>, <c>ready</c> or <c>waiting</c> (to reconnect).</summary>
    string State { get; }

    string? LastError { get; }

    /// <summary>Completes the first time the source is ready.</summary>
    Task Ready { get; }

    void Start();
}

/// <summary>Something that pushes a path elsewhere while it has a source (<c>forward:</c>).</summary>
internal interface IPathForwarder : IAsyncDisposable
{
    string DisplayUrl { get; }

    /// <summary><c>waiting</c> (for the path's source), <c>connecting</c>, <c>forwarding</c>, or <c>retrying</c>.</summary>
    string State { get; }

    string? LastError { get; }

    void Start();
}

/// <summary>Makes pulled sources and forwarders for the URL schemes a protocol module handles.</summary>
internal interface IPullProtocol
{
    bool CanPull(string source);

    IPulledSource CreateSource(MediaPath path, PathConfig config);

    bool CanForward(string url);

    IPathForwarder CreateForwarder(MediaPath path, PathConfig config, string url);
}
