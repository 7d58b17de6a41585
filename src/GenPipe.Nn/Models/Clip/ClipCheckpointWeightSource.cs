using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Clip;

/// <summary>
/// A CLIP text checkpoint's tensors without <c>…embeddings.position_ids</c>: older transformers versions saved that
/// constant index buffer (0 .. max_position_embeddings - 1, often int64) with the weights. The model computes the
/// positions itself, so the buffer is hidden rather than reported as an unexpected weight.
/// </summary>
internal sealed class ClipCheckpointWeightSource(IWeightSource inner) : IWeightSource
{
    private const string PositionIds = "embeddings.position_ids";

    public string Description => inner.Description;

    public IEnumerable<string> Names => inner.Names.Where(n => !n.EndsWith(PositionIds, StringComparison.Ordinal));

    public IReadOnlyList<int> GetShape(string name) => inner.GetShape(name);

    public Tensor Load(string name) => inner.Load(name);
}
