using System.Runtime.InteropServices;
using GenPipe.Core.Execution;

namespace GenPipe.Cli;

/// <summary>
/// Ctrl+C (SIGINT), SIGTERM and SIGQUIT for the <c>genpipe</c> process. The first cancels the command cooperatively
/// (the run stops at its next check, discards what it staged, and exits 1 saying nothing was written). A second one
/// while that is under way stops the process at once, after deleting every staging folder of this process, so even a
/// forced stop leaves nothing half-written. (A kill that cannot be caught, SIGKILL, leaves a hidden staging folder that
/// the next run in the same place deletes.)
/// </summary>
internal sealed class ProcessSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TextWriter _error;
    private readonly bool _errorIsTerminal;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public ProcessSignals(TextWriter error)
    {
        _error = error;
        _errorIsTerminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Handle),
        ];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // the process ends when the command returns, not when the signal arrives
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Say("stopping: the run is being cancelled (press Ctrl+C again to stop at once)");
            _cancellation.Cancel();
            return;
        }

        StagingFolders.DiscardAll();
        Say("stopped at once: nothing was written.");
        if (_errorIsTerminal)
        {
            _error.Write("\u001b[?25h"); // a live progress display hides the cursor; give it back
        }

        _error.Flush();
        Environment.Exit(ExitCodes.Failure);
    }

    private void Say(string message)
    {
        lock (_error)
        {
            _error.WriteLine();
            _error.WriteLine(message);
            _error.Flush();
        }
    }
}
