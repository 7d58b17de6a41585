using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Clip;

/// <summary>
/// What <see cref="ClipTextModel.Forward"/> returns, as transformers' <c>BaseModelOutputWithPooling</c> with
/// <c>output_hidden_states=True</c>. The model reuses one instance; its views live in the model's buffers and stay
/// valid until the model's next forward.
/// </summary>
public sealed class ClipTextOutput
{
    private readonly TensorView[] _hiddenStates;
    private int[] _poolIndices = [];

    internal ClipTextOutput(int layers) => _hiddenStates = new TensorView[layers + 1];

    /// <summary>The last layer's output after <c>final_layer_norm</c>, [B, L, D]: what SD 1.x conditions on.</summary>
    public TensorView LastHiddenState { get; internal set; }

    /// <summary>
    /// The embeddings and each layer's output, before the final norm: <c>num_hidden_layers + 1</c> views [B, L, D]
    /// (transformers' <c>hidden_states</c>). See <see cref="ClipTextModel.ClipSkip"/> for "clip skip".
    /// </summary>
    public IReadOnlyList<TensorView> HiddenStates => _hiddenStates;

    /// <summary>The normalized last hidden state at each row's end-of-text position, [B, D] (transformers' <c>pooler_output</c>).</summary>
    public TensorView PooledOutput { get; internal set; }

    /// <summary>The position pooled in each row (see <see cref="ClipTextConfig.UsesLegacyPooling"/>).</summary>
    public IReadOnlyList<int> PoolIndices => _poolIndices;

    internal TensorView[] HiddenStateSlots => _hiddenStates;

    internal int[] PoolIndexSlots(int batch)
    {
        if (_poolIndices.Length != batch)
        {
            _poolIndices = new int[batch];
        }

        return _poolIndices;
    }
}
