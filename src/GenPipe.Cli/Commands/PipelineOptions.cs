using System.CommandLine;

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
}
