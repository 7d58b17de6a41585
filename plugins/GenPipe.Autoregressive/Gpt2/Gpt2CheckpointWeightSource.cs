using GenPipe.Tensors;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>
/// Presents a Hugging Face GPT-2 checkpoint with <see cref="Gpt2Model"/>'s names: checkpoints saved from the base
/// <c>GPT2Model</c> (as the hub's <c>gpt2/model.safetensors</c>) lack the <c>transformer.</c> prefix, which is added;
/// the attention mask buffers (<c>attn.bias</c>, <c>attn.masked_bias</c>) and <c>lm_head.weight</c> (tied to
/// <c>transformer.wte.weight</c>) are left out.
/// </summary>
public sealed class Gpt2CheckpointWeightSource : IWeightSource
{
    private const string Prefix = "transformer.";
    private readonly IWeightSource _inner;
    private readonly Dictionary<string, string> _innerNames = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="inner"/> (not owned).</summary>
    public Gpt2CheckpointWeightSource(IWeightSource inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        foreach (string name in inner.Names)
        {
            if (name == "lm_head.weight" || name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal))
            {
                continue;
            }

            _innerNames[name.StartsWith(Prefix, StringComparison.Ordinal) ? name : Prefix + name] = name;
        }
    }

    /// <inheritdoc />
    public string Description => _inner.Description;

    /// <inheritdoc />
    public IEnumerable<string> Names => _innerNames.Keys;

    /// <inheritdoc />
    public IReadOnlyList<int> GetShape(string name) => _inner.GetShape(InnerName(name));

    /// <inheritdoc />
    public Tensor Load(string name) => _inner.Load(InnerName(name));

    private string InnerName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _innerNames.TryGetValue(name, out string? inner)
            ? inner
            : throw new KeyNotFoundException($"{_inner.Description} has no tensor {name}.");
    }
}
