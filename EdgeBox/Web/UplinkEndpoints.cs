using System.Text.Json;
using EdgeBox.Configuration;
using EdgeBox.Security;
using EdgeBox.Uplink;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeBox.Web;

/// <summary>
/// The link to the fleet as the console's Uplink card shows it (<c>GET /api/v1/uplink</c>). Documented in
/// README.md ("REST API"). Viewers read only whether the fleet manages the config, in <c>GET /api/v1/info</c>.
/// </summary>
internal static class UplinkEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        // Operator, not viewer: the answer names the broker and the config server (where the box can be
        // attacked or impersonated from), its fleet groups and the errors the link ran into; viewers are
        // meant to watch paths, and they learn whether the config is fleet-managed from GET /api/v1/info.
        api.MapGet("/uplink", Status).Allow(Role.Operator);
    }

    private static JsonHttpResult<UplinkResponse> Status(UplinkService uplink, UplinkStatus status, UplinkOutbox outbox, ConfigManager config)
    {
        var settings = uplink.Settings;
        var now = status.Snapshot();
        var current = config.Current;
        var modes = new List<string>(2);
        if (settings.Mqtt.Url.Length > 0)
        {
            modes.Add("mqtt");
        }

        if (settings.Http.ConfigUrl.Length > 0)
        {
            modes.Add("http");
        }

        var body = new UplinkResponse(
            settings.Enabled,
            modes,
            settings.Mqtt.Url.Length > 0 ? Shown(settings.Mqtt.Url) : null,
            settings.Http.ConfigUrl.Length > 0 ? Shown(settings.Http.ConfigUrl) : null,
            uplink.DeviceId,
            settings.Groups,
            now.Connected,
            now.ConnectedSince,
            now.LastSync,
            now.LastTelemetry,
            now.LastError,
            now.EventsSent,
            new UplinkOutboxDto(outbox.Count, outbox.Dropped, outbox.Acknowledged),
            new UplinkFleetDto(current.Fleet.IsManaged, current.Fleet.Version,
                current.Fleet.Layers.Select(l => new FleetLayerDto(l.Name, l.Version, l.AllowLocal)).ToList(), current.Overridden),
            Report(now.Reported));
        return TypedResults.Json(body, ApiJsonContext.Default.UplinkResponse);
    }

    /// <summary>The fleet summary every role may read (<c>GET /api/v1/info</c>): managed or not, the layers' versions, the keys left to the box.</summary>
    internal static FleetSummaryDto Summary(ConfigSnapshot current) =>
        new(current.Fleet.IsManaged, current.Fleet.Version,
            current.Fleet.Layers.SelectMany(l => l.AllowLocal).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>
    /// A broker or config URL as the API shows it: scheme, host, port and path; no user name or password
    /// (the broker's URL must not carry them, but a config URL may) and no query (a token may ride in it).
    /// </summary>
    internal static string Shown(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "(not a URL)";
        }

        return $"{uri.Scheme}://{uri.Host}{(uri.IsDefaultPort ? "" : $":{uri.Port}")}{(uri.AbsolutePath == "/" ? "" : uri.AbsolutePath)}";
    }

    /// <summary>The last reported-state document (kept as the JSON sent to the fleet), or null before the first report.</summary>
    private static UplinkReportDto? Report(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            var report = JsonSerializer.Deserialize(json, UplinkJsonContext.Default.ReportedMessage);
            return report is null
                ? null
                : new UplinkReportDto(report.Time, report.Result, report.AppliedVersion,
                    report.Layers.Select(l => new UplinkLayerReportDto(l.Layer, l.Version, l.Status, l.Errors)).ToList(), report.Errors, report.RestartRequired);
        }
        catch (JsonException)
        {
            return null; // written by this process from the same type: cannot happen, and a status page must not fail on it
        }
    }
}
