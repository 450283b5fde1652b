namespace EdgeBox.Infrastructure;

/// <summary>How the modules' <c>StopAsync</c> take the gate their reconcile loop holds.</summary>
internal static class ShutdownGate
{
    /// <summary>
    /// Waits for <paramref name="gate"/> until <paramref name="stopping"/> (the host's shutdown deadline) fires;
    /// false when it fired first. A module then stops what it runs without the gate rather than throwing: a
    /// throw from <c>StopAsync</c> makes the host exit with code 1 after a clean SIGTERM (seen with 200 recorded
    /// paths, where a reconcile still held the gate when the deadline came). The reconcile that holds the
    /// gate sees the module stopped at its next turn.
    /// </summary>
    public static async Task<bool> TryEnterAsync(SemaphoreSlim gate, CancellationToken stopping)
    {
        try
        {
            await gate.WaitAsync(stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return false;
        }
    }
}
