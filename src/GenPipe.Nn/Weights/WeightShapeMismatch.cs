namespace GenPipe.Nn;

/// <summary>A weight whose shape in the source differs from the shape the model expects.</summary>
/// <param name="Name">The full parameter name.</param>
/// <param name="Expected">The model's shape, formatted <c>[a, b]</c>.</param>
/// <param name="Actual">The source's shape, formatted <c>[a, b]</c>.</param>
public sealed record WeightShapeMismatch(string Name, string Expected, string Actual);
