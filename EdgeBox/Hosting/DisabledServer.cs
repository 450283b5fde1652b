using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeBox.Hosting;

/// <summary>
/// Stands in for Kestrel when <c>http.enabled: false</c>, so nothing binds (Kestrel with no endpoints
/// would otherwise fall back to localhost:5000).
/// </summary>
internal sealed class DisabledServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
