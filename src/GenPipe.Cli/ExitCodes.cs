namespace GenPipe.Cli;

/// <summary>The process exit codes of <c>genpipe</c>.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Something failed while running (a bug, an I/O error, a cancelled run).</summary>
    public const int Failure = 1;

    /// <summary>The input was invalid (pipeline, overrides, settings, arguments): nothing ran, nothing was written.</summary>
    public const int InvalidInput = 2;
}
