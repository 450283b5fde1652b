using System.Diagnostics;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>Waiting for and stopping the processes tests start (shared by <see cref="EdgeBoxProcess"/> and <see cref="ExternalProcess"/>).</summary>
internal static class ChildProcesses
{
    /// <summary>Waits for exit, with its redirected output drained; false on timeout.</summary>
    public static async Task<bool> WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            process.WaitForExit(); // drain the output events
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Kills the process tree if it still runs, waits up to 5 s, and releases the handle.</summary>
    public static async ValueTask StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await WaitForExitAsync(process, TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
