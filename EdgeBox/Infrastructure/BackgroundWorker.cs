namespace EdgeBox.Infrastructure;

/// <summary>
/// A long-running loop owned by one object (a pulled source, a forward, a transcoder, the generator):
/// started once, stopped by disposing, which cancels the loop's token and waits for it to finish.
/// </summary>
internal abstract class BackgroundWorker : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _run;
    private int _disposed;

    /// <summary>Whether the loop has started and not finished.</summary>
    public bool Running => _run is { IsCompleted: false };

    public void Start() => _run ??= Task.Run(() => RunAsync(_stopping.Token));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }

        _stopping.Dispose();
        OnStopped();
    }

    /// <summary>The loop; it returns when <paramref name="stopping"/> is cancelled (and must not throw for that).</summary>
    protected abstract Task RunAsync(CancellationToken stopping);

    /// <summary>After the loop finished on dispose.</summary>
    protected virtual void OnStopped()
    {
    }

    /// <summary>Waits <paramref name="delay"/>; false when stopped meanwhile.</summary>
    protected static async Task<bool> WaitAsync(TimeSpan delay, TimeProvider time, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, time, stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
