using EdgeBox.Configuration;
using EdgeBox.Media;

namespace EdgeBox.Protocols.Rtsp.Client;

/// <summary>The RTSP module's part in <see cref="SourceSupervisor"/>: pulls <c>rtsp://</c>/<c>rtsps://</c> sources and forwards to RTSP servers.</summary>
internal sealed class RtspPullProtocol(MediaBufferPool pool, Events.EventBus events, TimeProvider time, ILoggerFactory loggers) : IPullProtocol
{
    public bool CanPull(string source) => PathSources.IsUrl(source);

    public IPulledSource CreateSource(MediaPath path, PathConfig config)
    {
        if (!RtspSourceUrl.TryParse(config.Source!, out var url, out string error))
        {
            throw new ArgumentException(error, nameof(config)); // the validator let an invalid URL through
        }

        return new RtspPullSource(path, config, url, pool, events, time, loggers.CreateLogger<RtspPullSource>());
    }

    public bool CanForward(string url) => PathSources.IsUrl(url);

    public IPathForwarder CreateForwarder(MediaPath path, PathConfig config, string url)
    {
        if (!RtspSourceUrl.TryParse(url, out var parsed, out string error))
        {
            throw new ArgumentException(error, nameof(url));
        }

        return new RtspForwarder(path, config, parsed, pool, events, time, loggers.CreateLogger<RtspForwarder>());
    }
}
