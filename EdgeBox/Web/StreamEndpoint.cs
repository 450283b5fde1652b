using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EdgeBox.Configuration;
using EdgeBox.Events;
using EdgeBox.Hosting;
using EdgeBox.Infrastructure;
using EdgeBox.Media;

namespace EdgeBox.Web;

/// <summary>
/// <c>GET /api/v1/stream</c>: Server-Sent Events for the console, so no page polls. Events:
/// <c>paths</c> (the path list, whenever it changed; checked every second), <c>event</c> (each stored
/// event as it is published or updated), <c>alarm</c> (the events that need attention), <c>host</c>
/// (CPU, memory, disk every 5 s) and a comment every 15 s to keep proxies from closing the stream.
/// A viewer only hears of its own paths. A client that reads too slowly loses the oldest events.
/// </summary>
internal static class StreamEndpoint
{
    /// <summary>Event types the dashboard lists as alarms.</summary>
    public static readonly HashSet<string> AlarmTypes = new(StringComparer.Ordinal)
    {
        EventTypes.SourceNotReady, EventTypes.ForwardNotReady, EventTypes.HardwareFallback, EventTypes.ReaderDropped,
        EventTypes.RecordingDiskFull, EventTypes.DetectionFailed, EventTypes.LoginLockedOut, EventTypes.PublisherRefused,
    };

    private const int QueuedEvents = 256;
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private const int HostEvery = 5;
    private const int KeepAliveEvery = 15;

    public static async Task StreamAsync(HttpContext http, EventBus bus, ConfigManager config, PathManager paths, SourceSupervisor sources,
        HostStats stats, ServiceState state, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx in front must not buffer the stream

        var queue = Channel.CreateBounded<EdgeBoxEvent>(new BoundedChannelOptions(QueuedEvents) { FullMode = BoundedChannelFullMode.DropOldest });
        void Heard(EdgeBoxEvent item)
        {
            if (http.CanSee(item.Path))
            {
                queue.Writer.TryWrite(item);
            }
        }

        bus.Published += Heard;
        bus.Updated += Heard;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var token = stop.Token;
        try
        {
            await response.StartAsync(token).ConfigureAwait(false);
            await WriteAsync(response, "retry", "3000", token).ConfigureAwait(false);
            string lastPaths = "";
            using var timer = new PeriodicTimer(Tick, time);
            Task<bool>? tick = null;
            Task<bool>? ready = null;
            for (long n = 0; !token.IsCancellationRequested;)
            {
                string pathsJson = JsonSerializer.Serialize(ApiEndpoints.PathList(http, config, paths, sources), ApiJsonContext.Default.PathListResponse);
                if (pathsJson != lastPaths)
                {
                    lastPaths = pathsJson;
                    await WriteEventAsync(response, "paths", pathsJson, token).ConfigureAwait(false);
                }

                if (n % HostEvery == 0)
                {
                    var host = stats.Sample(state.DataDirectory);
                    await WriteEventAsync(response, "host", JsonSerializer.Serialize(
                        new HostDto(Environment.MachineName, host.CpuCount, host.CpuPercent, host.MemoryTotalBytes, host.MemoryAvailableBytes,
                            host.ProcessRssBytes, state.DataDirectory, host.DiskTotalBytes, host.DiskFreeBytes), ApiJsonContext.Default.HostDto), token).ConfigureAwait(false);
                }

                if (n > 0 && n % KeepAliveEvery == 0)
                {
                    await response.WriteAsync(": keep-alive\n\n", token).ConfigureAwait(false);
                    await response.Body.FlushAsync(token).ConfigureAwait(false);
                }

                // Until the next tick, pass events on as they come.
                tick ??= timer.WaitForNextTickAsync(token).AsTask();
                while (true)
                {
                    ready ??= queue.Reader.WaitToReadAsync(token).AsTask();
                    if (await Task.WhenAny(tick, ready).ConfigureAwait(false) == tick)
                    {
                        break;
                    }

                    ready = null;
                    while (queue.Reader.TryRead(out var item))
                    {
                        string json = JsonSerializer.Serialize(item, ApiJsonContext.Default.EdgeBoxEvent);
                        await WriteEventAsync(response, AlarmTypes.Contains(item.Type) ? "alarm" : "event", json, token).ConfigureAwait(false);
                    }
                }

                if (!await tick.ConfigureAwait(false))
                {
                    break;
                }

                tick = null;
                n++;
            }
        }
        catch (OperationCanceledException)
        {
            // the console left, or the service stops
        }
        catch (IOException)
        {
            // the connection broke
        }
        finally
        {
            bus.Published -= Heard;
            bus.Updated -= Heard;
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, string json, CancellationToken token)
    {
        var text = new StringBuilder(json.Length + 32).Append("event: ").Append(name).Append("\ndata: ").Append(json).Append("\n\n");
        await response.WriteAsync(text.ToString(), token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpResponse response, string field, string value, CancellationToken token)
    {
        await response.WriteAsync(field + ": " + value + "\n\n", token).ConfigureAwait(false);
        await response.Body.FlushAsync(token).ConfigureAwait(false);
    }
}
