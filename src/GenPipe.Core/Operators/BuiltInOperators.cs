using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Operators;

/// <summary>The operators the host provides itself (registered with <c>CatalogSource.BuiltIn</c>).</summary>
public static class BuiltInOperators
{
    /// <summary><c>diffuse</c>, <c>decode</c>, <c>save</c> and <c>save_text</c>.</summary>
    public static IReadOnlyList<IPipelineOperator> All { get; } = [new DiffuseOperator(), new DecodeOperator(), new SaveOperator(), new SaveTextOperator()];
}
