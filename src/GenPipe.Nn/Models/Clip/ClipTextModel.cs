using GenPipe.Nn.Embeddings;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Models.Clip;

/// <summary>
/// CLIP's text encoder with the structure and parameter names of transformers' <c>CLIPTextModel</c>:
/// <c>text_model.embeddings.{token,position}_embedding</c>, <c>text_model.encoder.layers.i</c>
/// (<see cref="ClipEncoderLayer"/>, causal self-attention), <c>text_model.final_layer_norm</c>, and the pooled output
/// at each row's end-of-text token.
/// </summary>
/// <remarks>
/// <para>
/// There is no attention mask: like Stable Diffusion's pipelines, the model attends causally over the whole padded
/// row. Results are views over the model's buffers, valid until its next forward; not safe to run from two threads at
/// once.
/// </para>
/// <para>
/// Older checkpoints also carry <c>text_model.embeddings.position_ids</c>; <see cref="Load(ClipTextConfig, IWeightSource, ITensorBackend, string)"/>
/// and <see cref="Load(string, ITensorBackend)"/> ignore it (binding with <see cref="Module.LoadWeights"/> directly
/// would report it as unexpected).
/// </para>
/// </remarks>
public sealed class ClipTextModel : Module
{
    /// <summary>The configuration file of a transformers model folder.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The weights file of a transformers model folder.</summary>
    public const string WeightsFileName = "model.safetensors";

    private readonly ClipEncoderLayer[] _layers;
    private readonly ActivationBuffer _embeddings;
    private readonly ActivationBuffer _pooled;
    private readonly ActivationBuffer _skipped;
    private readonly ClipTextOutput _output;
    private bool _hasOutput;

    /// <summary>Builds the tree for <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    public ClipTextModel(ClipTextConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _embeddings = AddBuffer();
        _pooled = AddBuffer();
        _skipped = AddBuffer();
        _output = new ClipTextOutput(config.NumHiddenLayers);
        TokenEmbedding = AddChild("text_model.embeddings.token_embedding", new Embedding(config.VocabSize, config.HiddenSize));
        PositionEmbedding = AddChild("text_model.embeddings.position_embedding", new Embedding(config.MaxPositionEmbeddings, config.HiddenSize));
        _layers = new ClipEncoderLayer[config.NumHiddenLayers];
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i] = AddChild($"text_model.encoder.layers.{i}", new ClipEncoderLayer(config));
        }

        FinalLayerNorm = AddChild("text_model.final_layer_norm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
    }

    /// <summary>The configuration.</summary>
    public ClipTextConfig Config { get; }

    /// <summary>The token table [vocab, D].</summary>
    public Embedding TokenEmbedding { get; }

    /// <summary>The learned positions [max_position_embeddings, D].</summary>
    public Embedding PositionEmbedding { get; }

    /// <summary>The encoder layers.</summary>
    public IReadOnlyList<ClipEncoderLayer> Layers => _layers;

    /// <summary>The norm after the last layer.</summary>
    public LayerNorm FinalLayerNorm { get; }

    /// <summary>
    /// Loads a transformers model folder: <see cref="ConfigFileName"/> and <see cref="WeightsFileName"/> (for example a
    /// Stable Diffusion pipeline's <c>text_encoder/</c> folder).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder lacks one of the two files.</exception>
    /// <exception cref="InvalidDataException">The config is malformed or describes an unsupported model (names the file and key).</exception>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static ClipTextModel Load(string folder, ITensorBackend backend)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(backend);
        var config = ClipTextConfig.Load(RequireFile(folder, ConfigFileName));
        using var file = SafeTensorsFile.Open(RequireFile(folder, WeightsFileName));
        return Load(config, new SafeTensorsWeightSource(file), backend);
    }

    /// <summary>
    /// Builds the model and binds its weights from <paramref name="weights"/>, whose names for it start with
    /// <paramref name="prefix"/> (for example <c>cond_stage_model.transformer.</c>), ignoring <c>position_ids</c>.
    /// </summary>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static ClipTextModel Load(ClipTextConfig config, IWeightSource weights, ITensorBackend backend, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(weights);
        var model = new ClipTextModel(config);
        model.LoadWeights(new ClipCheckpointWeightSource(weights), backend, prefix);
        return model;
    }

    /// <summary>
    /// The position transformers pools in one row of ids: with <paramref name="legacy"/> (eos_token_id 2) the first
    /// position of the largest id, otherwise the first position equal to <paramref name="eosTokenId"/>, or 0 when the
    /// row has none (where <c>argmax</c> of an all-false row lands).
    /// </summary>
    public static int PoolIndex(ReadOnlySpan<int> row, int eosTokenId, bool legacy)
    {
        int best = 0;
        for (int i = 0; i < row.Length; i++)
        {
            if (legacy ? row[i] > row[best] : row[i] == eosTokenId)
            {
                best = i;
                if (!legacy)
                {
                    break;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// Encodes <paramref name="inputIds"/> ([<paramref name="batchSize"/>, L] row-major, L at most
    /// max_position_embeddings) and returns the last hidden state, every hidden state and the pooled output.
    /// </summary>
    /// <exception cref="ArgumentException">The ids do not split into rows, a row is too long, or an id is outside the vocabulary.</exception>
    public ClipTextOutput Forward(ReadOnlySpan<int> inputIds, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (inputIds.Length == 0 || inputIds.Length % batchSize != 0)
        {
            throw new ArgumentException($"{inputIds.Length} ids do not split into {batchSize} rows of equal length.", nameof(inputIds));
        }

        int length = inputIds.Length / batchSize, dim = Config.HiddenSize;
        if (length > Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"Rows of {length} tokens are longer than the {Config.MaxPositionEmbeddings} positions of this text encoder; truncate them.", nameof(inputIds));
        }

        for (int i = 0; i < inputIds.Length; i++)
        {
            if ((uint)inputIds[i] >= (uint)Config.VocabSize)
            {
                throw new ArgumentException(
                    $"Token id {inputIds[i]} at [{i / length}, {i % length}] is outside the vocabulary of {Config.VocabSize}.", nameof(inputIds));
            }
        }

        // Token rows plus the first L learned positions (transformers' default position_ids), broadcast over the batch.
        var tokens = TokenEmbedding.Forward(inputIds).Reshape(batchSize, length, dim);
        var hidden = _embeddings.Get(batchSize, length, dim);
        Backend.Add(tokens, PositionEmbedding.Weight.View.Slice(0, 0, length), hidden);

        var states = _output.HiddenStateSlots;
        states[0] = hidden;
        for (int i = 0; i < _layers.Length; i++)
        {
            hidden = _layers[i].Forward(hidden);
            states[i + 1] = hidden;
        }

        var last = FinalLayerNorm.Forward(hidden);
        _output.LastHiddenState = last;
        _output.PooledOutput = Pool(last, inputIds, batchSize, length);
        _hasOutput = true;
        return _output;
    }

    /// <summary>
    /// "Clip skip" from the latest <see cref="Forward"/>: <c>hidden_states[-1 - clipSkip]</c>, by default passed through
    /// <c>final_layer_norm</c>. This is diffusers' <c>encode_prompt(clip_skip=n)</c>, which takes
    /// <c>hidden_states[-(n + 1)]</c> and applies the final norm to it; A1111's "Clip skip" setting N is the same with
    /// n = N - 1 (N = 1 is no skip), and it normalizes too. SDXL's pipelines take the penultimate state without the
    /// norm: <c>ClipSkip(1, applyFinalLayerNorm: false)</c>. <c>ClipSkip(0)</c> is the last hidden state.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipSkip"/> is negative or more than the layers.</exception>
    /// <exception cref="InvalidOperationException">No forward has run yet.</exception>
    public TensorView ClipSkip(int clipSkip, bool applyFinalLayerNorm = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(clipSkip);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clipSkip, _layers.Length);
        if (!_hasOutput)
        {
            throw new InvalidOperationException("ClipSkip reads the hidden states of the latest Forward; run Forward first.");
        }

        var hidden = _output.HiddenStates[_layers.Length - clipSkip];
        if (!applyFinalLayerNorm)
        {
            return hidden;
        }

        if (clipSkip == 0)
        {
            return _output.LastHiddenState;
        }

        // Into a buffer of its own: the norm's buffer holds the last hidden state, which stays valid.
        var normed = _skipped.Get(hidden.Dim(0), hidden.Dim(1), hidden.Dim(2));
        FinalLayerNorm.Forward(hidden, normed);
        return normed;
    }

    // Gathers each row's pooled position of the normalized last hidden state into [B, D].
    private TensorView Pool(TensorView last, ReadOnlySpan<int> ids, int batch, int length)
    {
        var pooled = _pooled.Get(batch, Config.HiddenSize);
        int[] indices = _output.PoolIndexSlots(batch);
        for (int b = 0; b < batch; b++)
        {
            indices[b] = PoolIndex(ids.Slice(b * length, length), Config.EosTokenId, Config.UsesLegacyPooling);
            Backend.Copy(last.Select(0, b).Select(0, indices[b]), pooled.Select(0, b));
        }

        return pooled;
    }

    private static string RequireFile(string folder, string name) =>
        ModelFolder.RequireFile(folder, name, "CLIP text encoder", "a transformers model folder", ConfigFileName, WeightsFileName);
}
