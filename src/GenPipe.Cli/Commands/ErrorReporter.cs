using GenPipe.Core;
using GenPipe.Core.Execution;
using GenPipe.Hosting;

namespace GenPipe.Cli.Commands;

/// <summary>Turns exceptions into one clear message on stderr and an exit code; stack traces only with --verbose.</summary>
internal static class ErrorReporter
{
    public static int Report(Exception exception, TextWriter error, bool verbose)
    {
        switch (exception)
        {
            case PipelineValidationException invalid:
                foreach (var diagnostic in invalid.Diagnostics)
                {
                    error.WriteLine(diagnostic.ToString());
                }

                error.WriteLine($"{invalid.Diagnostics.Count} error(s); nothing was run.");
                return ExitCodes.InvalidInput;
            case GenPipeConfigurationException config:
                error.WriteLine($"error: {config.Message}");
                return ExitCodes.InvalidInput;
            case PipelineExecutionException
            {
                InnerException: InvalidDataException or FileNotFoundException or DirectoryNotFoundException or GenPipe.Nn.WeightBindingException or ArgumentException,
            } badFile:
                // A model or input file turned out broken only when a step opened it, or a value only a loaded model
                // could check (an image size for its VAE): the user's input, not a failure.
                error.WriteLine($"error: {badFile.Message}");
                return ExitCodes.InvalidInput;
            case OperationCanceledException:
                error.WriteLine("cancelled: the run was stopped; nothing was written.");
                return ExitCodes.Failure;
            default:
                error.WriteLine($"error: {exception.Message}");
                if (verbose)
                {
                    error.WriteLine(exception.ToString());
                }
                else
                {
                    error.WriteLine("(run with --verbose for details)");
                }

                return ExitCodes.Failure;
        }
    }
}
