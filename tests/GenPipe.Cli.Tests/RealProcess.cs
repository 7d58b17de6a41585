using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace GenPipe.Cli.Tests;

/// <summary>
/// The real <c>genpipe</c> executable, as a person runs it: piped (streams redirected, as in scripts and CI logs) or in a
/// pseudo-terminal (<c>script -qec CMD /dev/null</c>: stdout and stderr are a tty, so live progress bars draw, and a
/// Ctrl+C typed into it reaches the process as SIGINT).
/// </summary>
internal sealed partial class RealProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly Task _pumps;

    private RealProcess(ProcessStartInfo start, bool terminal)
    {
        Terminal = terminal;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = Process.Start(start)!;
        _pumps = Task.WhenAll(Pump(_process.StandardOutput, _output), Pump(_process.StandardError, _error));
    }

    /// <summary>The executable the CLI project builds beside these tests.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "genpipe");

    public bool Terminal { get; }

    /// <summary>Everything printed so far (stdout, then stderr).</summary>
    public string Printed
    {
        get
        {
            lock (_output)
            {
                return _output + "\n" + _error;
            }
        }
    }

    public static RealProcess Start(string workingDirectory, bool terminal, params string[] args)
    {
        ProcessStartInfo start;
        if (terminal)
        {
            // exec, so the shell script runs the command in is replaced by genpipe and the tty's signals reach it.
            string command = "exec " + string.Join(' ', new[] { Executable }.Concat(args).Select(Quote));
            start = new ProcessStartInfo("script") { ArgumentList = { "-qec", command, "/dev/null" } };
            start.Environment["TERM"] = "xterm-256color";
        }
        else
        {
            start = new ProcessStartInfo(Executable);
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }
        }

        start.WorkingDirectory = workingDirectory;
        return new RealProcess(start, terminal);
    }

    public static async Task<CliResult> RunAsync(string workingDirectory, bool terminal, params string[] args)
    {
        using var process = Start(workingDirectory, terminal, args);
        return await process.WaitAsync(TimeSpan.FromSeconds(120));
    }

    /// <summary>Waits until <paramref name="text"/> has been printed (the run has reached a point worth interrupting).</summary>
    public async Task WaitForAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Printed.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || clock.Elapsed > timeout)
            {
                throw new TimeoutException($"'{text}' was not printed within {timeout.TotalSeconds} s; printed:\n{Printed}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>
    /// Ctrl+C as a person gives it: typed into the terminal, where the tty turns it into SIGINT for the foreground
    /// process; for a piped process, SIGINT sent to it. A process started with SIGINT ignored (a background job of a
    /// non-interactive shell, as some CI runners start test hosts) cannot see SIGINT at all, so there SIGTERM, which
    /// genpipe handles the same way, stands in.
    /// </summary>
    public void Interrupt()
    {
        if (SigIntIgnoredHere())
        {
            Signal(15);
        }
        else if (Terminal)
        {
            _process.StandardInput.Write('\u0003');
            _process.StandardInput.Flush();
        }
        else
        {
            Signal(2);
        }
    }

    /// <summary>Sends <paramref name="signal"/> to genpipe itself (in a terminal, the child of <c>script</c>).</summary>
    public void Signal(int signal)
    {
        int pid = Terminal ? ChildOf(_process.Id) : _process.Id;
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed");
        }
    }

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"genpipe did not exit within {timeout.TotalSeconds} s; printed:\n{Printed}");
        }

        await _pumps;
        lock (_output)
        {
            return new CliResult(_process.ExitCode, _output.ToString(), _error.ToString());
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static bool SigIntIgnoredHere()
    {
        string? mask = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return mask is not null && (Convert.ToUInt64(mask["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;
    }

    private static int ChildOf(int pid)
    {
        string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Trim();
        return int.Parse(children.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private async Task Pump(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (_output)
            {
                into.Append(buffer, 0, read);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
