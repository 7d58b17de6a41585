using GenPipe.Abstractions.Operators;

namespace EchoPlugin;

/// <summary>Returns its <c>text</c> input upper-cased.</summary>
public sealed class EchoOperator : IPipelineOperator
{
    public OperatorSignature Signature { get; } = new(
        "echo", "Upper-cases its text.", [], [new InputPort("text", typeof(string))], typeof(string));

    public ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<object>(context.GetInput<string>("text").ToUpperInvariant());
}
