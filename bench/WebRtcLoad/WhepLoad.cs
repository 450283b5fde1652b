using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace EdgeBox.Bench.WebRtcLoad;

internal sealed record WhepOptions(Uri Url, int Viewers, double Seconds, int ConnectConcurrency, TimeSpan ConnectTimeout);

/// <summary>
/// <c>whep</c>: N viewers of one path in this process. They connect at most
/// <see cref="WhepOptions.ConnectConcurrency"/> at a time; then one <c>connected</c> line is printed, the
/// counters as a <c>stats</c> line for every <c>stats</c> command on stdin, and at the end (after
/// <c>--seconds</c> or <c>stop</c>) every session is DELETEd and one <c>result</c> line gives the totals.
/// </summary>
internal static class WhepLoad
{
    /// <summary>A viewer that got no packet for this long is not counted as receiving (the source sends 30 fps).</summary>
    private static readonly TimeSpan ReceivingWindow = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(WhepOptions options)
    {
        using var http = Http.CreateClient();
        var viewers = new WebRtcClient?[options.Viewers];
        var errors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var gate = new SemaphoreSlim(options.ConnectConcurrency);
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.Viewers).Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            var viewer = new WebRtcClient(http);
            try
            {
                await viewer.ConnectAsync(options.Url, ClientSdp.WhepOffer(viewer.Ice, viewer.Fingerprint), options.ConnectTimeout, CancellationToken.None)
                    .ConfigureAwait(false);
                viewers[i] = viewer;
            }
            catch (Exception ex) when (ex is WebRtcClientException or TimeoutException or HttpRequestException or IOException
                or OperationCanceledException or EdgeBox.Protocols.WebRtc.Dtls.DtlsHandshakeException)
            {
                errors.AddOrUpdate($"{ex.GetType().Name}: {ex.Message}", 1, (_, n) => n + 1);
                _ = await viewer.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
                viewer.Dispose();
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);

        var connected = viewers.OfType<WebRtcClient>().ToList();
        double connectSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var dtlsMs = connected.Select(v => v.DtlsMs).Order().ToList();
        JsonLine.Write(w =>
        {
            w.WriteString("type", "connected");
            w.WriteNumber("viewers", options.Viewers);
            w.WriteNumber("connected", connected.Count);
            w.WriteRounded("connect_s", connectSeconds, 3);
            w.WriteRounded("connect_ms_p50", JsonLine.Percentile(dtlsMs, 50), 1);
            w.WriteRounded("connect_ms_max", dtlsMs.Count > 0 ? dtlsMs[^1] : double.NaN, 1);
            WriteErrors(w, errors);
        });
        Console.Error.WriteLine($"webrtcload: {connected.Count}/{options.Viewers} viewers connected in {connectSeconds:0.0} s");

        long mark = Stopwatch.GetTimestamp();
        var bytesAtMark = connected.Select(v => v.Bytes).ToArray();
        await ControlInput.RunUntilStopAsync(options.Seconds, () => WriteStats(connected, options.Viewers, mark)).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(mark).TotalSeconds;
        var mbits = connected.Select((v, i) => (v.Bytes - bytesAtMark[i]) * 8 / seconds / 1e6).Order().ToList();
        int closedByServer = connected.Count(v => v.DtlsClosed.IsCompleted);
        int receiving = Receiving(connected);
        var deleteErrors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        foreach (string? error in await Task.WhenAll(connected.Select(v => v.DeleteAsync(CancellationToken.None))).ConfigureAwait(false))
        {
            if (error is not null)
            {
                deleteErrors.AddOrUpdate(error, 1, (_, n) => n + 1);
            }
        }

        int deleted = connected.Count - deleteErrors.Values.Sum();
        foreach (var viewer in connected)
        {
            viewer.Dispose();
        }

        await Task.WhenAll(connected.Select(v => v.Stopped)).ConfigureAwait(false);
        JsonLine.Write(w =>
        {
            w.WriteString("type", "result");
            w.WriteString("mode", "whep");
            w.WriteNumber("viewers", options.Viewers);
            w.WriteNumber("connected", connected.Count);
            w.WriteNumber("failed", options.Viewers - connected.Count);
            w.WriteNumber("receiving_at_end", receiving);
            w.WriteNumber("closed_by_server", closedByServer);
            w.WriteNumber("deleted", deleted);
            w.WriteRounded("seconds", seconds, 3);
            WriteCounters(w, connected);
            w.WriteRounded("mbit_s_per_viewer_min", mbits.Count > 0 ? mbits[0] : double.NaN, 3);
            w.WriteRounded("mbit_s_per_viewer_p50", JsonLine.Percentile(mbits, 50), 3);
            w.WriteRounded("mbit_s_per_viewer_max", mbits.Count > 0 ? mbits[^1] : double.NaN, 3);
            w.WriteRounded("connect_ms_p50", JsonLine.Percentile(dtlsMs, 50), 1);
            w.WriteRounded("connect_ms_max", dtlsMs.Count > 0 ? dtlsMs[^1] : double.NaN, 1);
            WriteErrors(w, errors);
            WriteErrors(w, deleteErrors, "delete_errors");
        });
        return connected.Count > 0 ? 0 : 1;
    }

    private static void WriteStats(List<WebRtcClient> viewers, int requested, long mark) => JsonLine.Write(w =>
    {
        w.WriteString("type", "stats");
        w.WriteRounded("elapsed_s", Stopwatch.GetElapsedTime(mark).TotalSeconds, 3);
        w.WriteNumber("viewers", requested);
        w.WriteNumber("connected", viewers.Count);
        w.WriteNumber("receiving", Receiving(viewers));
        w.WriteNumber("closed_by_server", viewers.Count(v => v.DtlsClosed.IsCompleted));
        WriteCounters(w, viewers);
        w.WriteStartArray("frames");
        foreach (var viewer in viewers)
        {
            w.WriteNumberValue(viewer.Frames);
        }

        w.WriteEndArray();
    });

    private static void WriteCounters(Utf8JsonWriter w, List<WebRtcClient> viewers)
    {
        w.WriteNumber("packets", viewers.Sum(v => v.Packets));
        w.WriteNumber("bytes", viewers.Sum(v => v.Bytes));
        w.WriteNumber("bad_packets", viewers.Sum(v => v.BadPackets));
        w.WriteNumber("rtcp_packets", viewers.Sum(v => v.RtcpPackets));
        w.WriteNumber("frames_total", viewers.Sum(v => v.Frames));
        w.WriteNumber("checks_unanswered", viewers.Sum(v => v.ChecksSent - v.ChecksAnswered));
    }

    private static int Receiving(List<WebRtcClient> viewers)
    {
        long now = Stopwatch.GetTimestamp();
        return viewers.Count(v => v.LastPacketAt != 0 && Stopwatch.GetElapsedTime(v.LastPacketAt, now) < ReceivingWindow);
    }

    private static void WriteErrors(Utf8JsonWriter w, ConcurrentDictionary<string, int> errors, string name = "errors")
    {
        w.WriteStartArray(name);
        foreach (var (message, count) in errors.OrderByDescending(e => e.Value).Take(5))
        {
            w.WriteStringValue($"{count} x {message}");
        }

        w.WriteEndArray();
    }
}

/// <summary>The one HTTP client of the process: WHIP/WHEP POSTs and DELETEs on loopback, no proxy.</summary>
internal static class Http
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(20),
    };
}
