using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeBox.Tests.Infrastructure;

/// <summary>
/// Runs the published <c>edgebox</c> binary as a child process for black-box tests: captures its
/// output, finds the HTTP port it bound (tests always ask for port 0 on loopback), sends signals, and
/// kills it at dispose whatever happened.
/// </summary>
internal sealed partial class EdgeBoxProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private EdgeBoxProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public Uri? BaseAddress { get; private set; }

    /// <summary>The RTSP listener's base URL (rtsp://127.0.0.1:PORT), once logged.</summary>
    public Uri? RtspAddress
    {
        get
        {
            var match = RtspListeningPattern().Match(Output);
            return match.Success ? new Uri(match.Groups[1].Value) : null;
        }
    }

    /// <summary>The HTTPS listener's base URL (https://127.0.0.1:PORT), once logged; null while HTTPS is off.</summary>
    public Uri? HttpsAddress
    {
        get
        {
            var match = HttpsListeningPattern().Match(Output);
            return match.Success ? new Uri(match.Groups[1].Value) : null;
        }
    }

    /// <summary>Environment every test server gets: loopback, free ports, nothing bound that tests don't use.</summary>
    public static Dictionary<string, string?> LoopbackEnvironment() => new()
    {
        ["EDGEBOX_HTTP_ADDRESS"] = "127.0.0.1:0",
        ["EDGEBOX_HTTPS_ADDRESS"] = "127.0.0.1:0",
        ["EDGEBOX_RTSP_ADDRESS"] = "127.0.0.1:0",
        ["EDGEBOX_RTSP_RTPADDRESS"] = "127.0.0.1:0",
        ["EDGEBOX_RTSP_RTCPADDRESS"] = "127.0.0.1:0",
        ["EDGEBOX_RTMP_ADDRESS"] = "127.0.0.1:0",
        ["EDGEBOX_SRT_ADDRESS"] = "127.0.0.1:0",
        ["EDGEBOX_WEBRTC_ADDRESS"] = "127.0.0.1:0",

        // Tests on loopback act as an anonymous admin unless they test accounts (then: "none").
        ["EDGEBOX_AUTH_ANONYMOUSROLE"] = "admin",
        ["EDGEBOX_AUTH_ANONYMOUSNETWORKS"] = "127.0.0.0/8,::1/128",
    };

    public static EdgeBoxProcess Start(string binary, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // A developer's own EDGEBOX_* variables must not leak into the server under test.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("EDGEBOX_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var wrapper = new EdgeBoxProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs a short command (config check, version...) to completion.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(string binary, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, int timeoutSeconds = 30)
    {
        await using var process = Start(binary, arguments, environment);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await process._process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, process.Output);
    }

    /// <summary>Waits until the server has started and logged its HTTP address (and its other listeners).</summary>
    public async Task<Uri> WaitForHttpAsync(int timeoutSeconds = 30)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < timeoutSeconds)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"edgebox exited with {_process.ExitCode} before listening:\n{Output}");
            }

            // "EdgeBox started" follows every "Listening for ..." line, so all listeners are known then.
            string output = Output;
            var match = ListeningPattern().Match(output);
            if (match.Success && output.Contains("EdgeBox started", StringComparison.Ordinal))
            {
                BaseAddress = new Uri(match.Groups[1].Value);
                return BaseAddress;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"edgebox did not start listening within {timeoutSeconds} s:\n{Output}");
    }

    public async Task WaitForOutputAsync(string text, int timeoutSeconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed.TotalSeconds > timeoutSeconds)
            {
                throw new TimeoutException($"'{text}' did not appear within {timeoutSeconds} s:\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for exit; returns false on timeout.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => ChildProcesses.WaitForExitAsync(_process, timeout);

    public ValueTask DisposeAsync() => ChildProcesses.StopAsync(_process);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }

    public const int SIGHUP = 1;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"Listening for http on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningPattern();

    [GeneratedRegex(@"Listening for https on (https://127\.0\.0\.1:\d+)")]
    private static partial Regex HttpsListeningPattern();

    [GeneratedRegex(@"Listening for rtsp on (rtsp://127\.0\.0\.1:\d+)")]
    private static partial Regex RtspListeningPattern();
}
