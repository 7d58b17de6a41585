namespace GenPipe.Cli.Tests;

/// <summary>Runs the <c>genpipe</c> command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static string TestData(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await GenPipeCli.InvokeAsync(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
