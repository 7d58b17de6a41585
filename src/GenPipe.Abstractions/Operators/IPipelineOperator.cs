namespace GenPipe.Abstractions.Operators;

/// <summary>
/// A pipeline step kind (<c>diffuse</c>, <c>decode</c>, <c>save</c>, ...). Operators are stateless: the executor
/// passes everything through <see cref="OperatorContext"/>.
/// </summary>
public interface IPipelineOperator
{
    /// <summary>The operator's name, inputs, component slots and output type; the compiler checks steps against it.</summary>
    OperatorSignature Signature { get; }

    /// <summary>Runs one step and returns its output (an instance of <see cref="OperatorSignature.OutputType"/>).</summary>
    ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken);
}
