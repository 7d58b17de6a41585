using GenPipe.Tensors;

namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// The tensors of another weight source under a prefix, renamed by a function (the prefix removed first). A name the rename does not know keeps its original full name, so that binding lists it as
/// unexpected rather than dropping it silently. 1x1-convolution weights bound to a name ending in
/// <c>to_q.weight</c>, <c>to_k.weight</c>, <c>to_v.weight</c> or <c>to_out.0.weight</c> are presented as the matrices
/// those linear layers hold (LDM's VAE attention stores them as convolutions).
/// </summary>
public sealed class RenamedWeightSource : IWeightSource
{
    private static readonly string[] LinearNames = ["to_q.weight", "to_k.weight", "to_v.weight", "to_out.0.weight"];
    private readonly IWeightSource _inner;
    private readonly Dictionary<string, string> _innerNames = new(StringComparer.Ordinal);

    /// <summary>Renames every tensor of <paramref name="inner"/> whose name starts with <paramref name="prefix"/>.</summary>
    public RenamedWeightSource(IWeightSource inner, string prefix, Func<string, string?> rename, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(rename);
        _inner = inner;
        Description = description ?? inner.Description;
        foreach (string name in inner.Names)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || LdmCheckpointNames.IsIgnored(name))
            {
                continue;
            }

            string renamed = rename(name[prefix.Length..]) ?? name;
            if (!_innerNames.TryAdd(renamed, name))
            {
                throw new InvalidDataException($"{inner.Description}: '{_innerNames[renamed]}' and '{name}' both map to '{renamed}'; the checkpoint is not a layout GenPipe knows.");
            }
        }
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public IEnumerable<string> Names => _innerNames.Keys;

    /// <summary>The name in the checkpoint behind <paramref name="name"/>.</summary>
    public string OriginalName(string name) =>
        _innerNames.TryGetValue(name, out string? inner) ? inner : throw new KeyNotFoundException($"{Description} has no tensor '{name}'.");

    /// <inheritdoc />
    public IReadOnlyList<int> GetShape(string name)
    {
        var shape = _inner.GetShape(OriginalName(name));
        return IsConvAsLinear(name, shape) ? [shape[0], shape[1]] : shape;
    }

    /// <inheritdoc />
    public Tensor Load(string name)
    {
        var tensor = _inner.Load(OriginalName(name));
        return IsConvAsLinear(name, tensor.GetShape()) ? tensor.Reshape(tensor.Dim(0), tensor.Dim(1)) : tensor;
    }

    private static bool IsConvAsLinear(string name, IReadOnlyList<int> shape) =>
        shape.Count == 4 && shape[2] == 1 && shape[3] == 1 && LinearNames.Any(n => name.EndsWith(n, StringComparison.Ordinal));
}
