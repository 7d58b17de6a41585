namespace GenPipe.Abstractions.Components;

/// <summary>The options type of a component that takes none.</summary>
public sealed class NoOptions
{
}
