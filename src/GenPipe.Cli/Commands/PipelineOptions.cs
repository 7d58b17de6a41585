using System.CommandLine;
using GenPipe.Core;

namespace GenPipe.Cli.Commands;

/// <summary>The pipeline argument and <c>--set</c> overrides shared by <c>run</c> and <c>validate</c>.</summary>
internal sealed class PipelineOptions
{
    public Argument<string> Pipeline { get; } = new("pipeline")
    {
        Description = "The pipeline JSON file.",
    };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Override a parameter or any pipeline field: --set steps=8, --set components.scheduler.type=scheduler/euler (repeatable).",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Pipeline);
        command.Options.Add(Set);
    }

    /// <summary>Compiles the pipeline with its overrides and prints its warnings; invalid input throws, cancelling stops the load.</summary>
    public CompiledPipeline Load(CliHost cli, ParseResult parsed, TextWriter error, CancellationToken cancellationToken = default)
    {
        var compiled = cli.Engine.LoadFile(parsed.GetValue(Pipeline)!, parsed.GetValue(Set) ?? [], cancellationToken);
        foreach (var warning in compiled.Warnings)
        {
            error.WriteLine(warning.ToString());
        }

        return compiled;
    }
}
