namespace GenPipe.Core.Pipelines;

/// <summary>A 1-based line and column in a source file; <see cref="None"/> when there is no position.</summary>
internal readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition None { get; } = new(0, 0);
}
