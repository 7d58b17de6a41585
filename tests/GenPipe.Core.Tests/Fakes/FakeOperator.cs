using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Tests.Fakes;

/// <summary>An operator defined by a signature and a delegate, counting its executions.</summary>
public sealed class FakeOperator(OperatorSignature signature, Func<OperatorContext, CancellationToken, ValueTask<object>> body) : IPipelineOperator
{
    private int _calls;

    public OperatorSignature Signature { get; } = signature;

    public int Calls => _calls;

    public ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return body(context, cancellationToken);
    }
}
