using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EdgeBox.Uplink;

/// <summary>
/// HTTPS pull mode (<c>uplink.http</c>) for boxes without a broker: polls <c>configUrl</c> for a desired
/// document with <c>If-None-Match</c> (a 304 costs nothing), applies a new one through the same path as
/// a pushed one, and POSTs the reported state to <c>reportUrl</c>. The document's <c>target</c> names its
/// layer (default: this device's own).
/// </summary>
internal sealed partial class HttpConfigPoller : IDisposable
{
    private readonly Configuration.HttpUplinkConfig _settings;
    private readonly string _deviceId;
    private readonly IReadOnlyList<string> _order;
    private readonly IFleetDevice _device;
    private readonly UplinkStatus _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _client;
    private string? _etag;

    public HttpConfigPoller(Configuration.HttpUplinkConfig settings, string deviceId, IReadOnlyList<string> order, IFleetDevice device, UplinkStatus status,
        TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _deviceId = deviceId;
        _order = order;
        _device = device;
        _status = status;
        _time = time;
        _logger = logger;
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (settings.Ca.Length > 0)
        {
            var ca = UplinkTls.LoadCa(settings.Ca);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => UplinkTls.Validate(ca, certificate, errors);
        }

        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30), MaxResponseContentBufferSize = 64 * 1024 };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("EdgeBox", Infrastructure.BuildInfo.Version));
        if (settings.Token.Length > 0)
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }
    }

    /// <summary>Longest one poll (the document, its application and the report) may take.</summary>
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(60);

    public void Dispose() => _client.Dispose();

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The whole poll, body and report included, not only each request's headers.
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                poll.CancelAfter(PollTimeout);
                await PollAsync(poll.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or UplinkException)
            {
                // The URL without its query: a token there (a presigned URL) stays out of the log and the API.
                string shown = Web.UplinkEndpoints.Shown(_settings.ConfigUrl);
                _status.SetError($"{shown}: {ex.Message}");
                Log.PollFailed(_logger, shown, ex.Message);
            }

            try
            {
                await Task.Delay(_settings.Interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One poll: nothing on 304; a new document is applied and the result reported.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _settings.ConfigUrl);
        if (_etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", _etag);
        }

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            _status.SetSynced(_time.GetUtcNow());
            _status.SetError(null);
            return;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new UplinkException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (response.Content.Headers.ContentLength > FleetDocument.MaxLength)
        {
            throw new UplinkException($"the document is larger than {FleetDocument.MaxLength / (1024 * 1024)} MiB");
        }

        string text = await ReadLimitedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        string layer = FleetDocument.Peek(text, "target") ?? "device/" + _deviceId;
        byte[] reported;
        if (!_order.Contains(layer, StringComparer.Ordinal))
        {
            string error = $"target {layer} is not this device or one of its groups";
            reported = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                new ReportedMessage(_deviceId, _time.GetUtcNow(), "rejected", "", [new LayerReport(layer, FleetDocument.Peek(text, "version"), "rejected", [error])],
                    [error], "", 0, [], []),
                UplinkJsonContext.Default.ReportedMessage);
        }
        else
        {
            reported = await _device.ReconcileAsync(new Dictionary<string, string?> { [layer] = text }, cancellationToken).ConfigureAwait(false);
        }

        // Remember the tag only once the document was taken, so a failed report is retried with it.
        _status.SetSynced(_time.GetUtcNow());
        if (_settings.ReportUrl.Length > 0)
        {
            using var content = new ByteArrayContent(reported);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var posted = await _client.PostAsync(_settings.ReportUrl, content, cancellationToken).ConfigureAwait(false);
            if (!posted.IsSuccessStatusCode)
            {
                throw new UplinkException($"{Web.UplinkEndpoints.Shown(_settings.ReportUrl)} answered the report with HTTP {(int)posted.StatusCode}");
            }
        }

        _etag = response.Headers.ETag?.ToString();
        _status.SetError(null);
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > FleetDocument.MaxLength)
            {
                throw new UplinkException($"the document is larger than {FleetDocument.MaxLength / (1024 * 1024)} MiB");
            }
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = Infrastructure.EventIds.UplinkPollFailed, EventName = "UplinkPollFailed", Level = LogLevel.Warning,
            Message = "Uplink could not poll {Url}: {Reason}; the box runs on its last applied config")]
        public static partial void PollFailed(ILogger logger, string url, string reason);
    }
}
