using GenPipe.Tensors;

namespace GenPipe.Nn;

/// <summary>Weights held in memory, by name (tests, converted checkpoints, weights built in code).</summary>
public sealed class DictionaryWeightSource : IWeightSource
{
    private readonly IReadOnlyDictionary<string, Tensor> _tensors;

    /// <summary>Wraps <paramref name="tensors"/> (not copied).</summary>
    /// <param name="tensors">The weights by full name.</param>
    /// <param name="description">How errors name this source.</param>
    public DictionaryWeightSource(IReadOnlyDictionary<string, Tensor> tensors, string description = "in-memory weights")
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(description);
        _tensors = tensors;
        Description = description;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public IEnumerable<string> Names => _tensors.Keys;

    /// <inheritdoc />
    public IReadOnlyList<int> GetShape(string name) => Get(name).GetShape();

    /// <inheritdoc />
    public Tensor Load(string name) => Get(name);

    private Tensor Get(string name) =>
        _tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new KeyNotFoundException($"{Description} has no tensor '{name}'.");
}
