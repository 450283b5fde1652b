using System.Diagnostics;
using System.Text;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>A third-party program (ffmpeg, ffprobe, gst-launch) run by a test: bounded in time, killed at dispose.</summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    private ExternalProcess(Process process) => _process = process;

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ExternalProcess Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var wrapper = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Append(wrapper._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(wrapper._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs to completion within <paramref name="timeout"/>; a process still running then is killed and the test fails.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(TimeSpan timeout, string file, params string[] arguments)
    {
        await using var process = Start(file, arguments);
        if (!await process.WaitForExitAsync(timeout))
        {
            throw new TimeoutException($"{file} did not finish within {timeout.TotalSeconds} s:\n{process.StandardError}");
        }

        return (process.ExitCode, process.StandardOutput, process.StandardError);
    }

    /// <summary>Waits until a line of its output (stdout or stderr) contains <paramref name="text"/>; false on timeout.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_stdout.ToString().Contains(text, StringComparison.Ordinal) || _stderr.ToString().Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            _waiters.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                _waiters.RemoveAll(waiter => waiter.Seen == seen);
            }

            return false;
        }
    }

    /// <summary>Closes its stdin: tools that read commands from it (openssl s_client) take that as the end.</summary>
    public void CloseStandardInput() => _process.StandardInput.Close();

    /// <summary>Waits for exit; returns false on timeout.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => ChildProcesses.WaitForExitAsync(_process, timeout);

    public ValueTask DisposeAsync() => ChildProcesses.StopAsync(_process);

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            target.AppendLine(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    _waiters[i].Seen.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
