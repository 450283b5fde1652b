using System.Threading.Channels;

namespace EdgeBox.Bench.WebRtcLoad;

/// <summary>
/// Commands on stdin, one a line (<c>stats</c>, <c>stop</c>), so the script driving the load can read the
/// counters exactly at its CPU windows' edges. Console input blocks, so one long-running task reads it
/// for the whole process (not one per viewer); the channel completes when stdin closes.
/// </summary>
internal static class ControlInput
{
    public static ChannelReader<string> Start()
    {
        var channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _ = Task.Factory.StartNew(() =>
        {
            try
            {
                while (Console.In.ReadLine() is { } line)
                {
                    channel.Writer.TryWrite(line.Trim());
                }
            }
            catch (IOException)
            {
                // stdin went away: the same as its end.
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return channel.Reader;
    }

    /// <summary>
    /// Calls <paramref name="onStats"/> for every <c>stats</c> line until <c>stop</c> or until
    /// <paramref name="seconds"/> have passed; with 0 seconds, until <c>stop</c> or the end of stdin (a
    /// run with stdin from /dev/null and a time limit runs for its time).
    /// </summary>
    public static async Task RunUntilStopAsync(double seconds, Action onStats)
    {
        var commands = Start();
        using var timeout = new CancellationTokenSource();
        if (seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        try
        {
            while (await commands.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                while (commands.TryRead(out string? command))
                {
                    if (command == "stop")
                    {
                        return;
                    }

                    if (command == "stats")
                    {
                        onStats();
                    }
                }
            }

            if (seconds > 0)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // --seconds passed.
        }
    }
}
