using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

using GenPipe.Nn;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>
/// A GPT-2 decoder-only language model with Hugging Face's <c>GPT2LMHeadModel</c> parameter names
/// (<c>transformer.wte.weight</c>, <c>transformer.h.0.attn.c_attn.weight</c>, ...); <c>lm_head</c> is tied to
/// <c>transformer.wte</c>, so it has no parameter of its own. <c>tools/fixtures/tiny_gpt2.py</c> is the same model in PyTorch.
/// </summary>
/// <remarks>
/// A batch is several sequences of equal length that advance together (one cache holds them all); prompts of unequal
/// length are left-padded to one length in a cache from <see cref="CreateCache(IReadOnlyList{int}, int?)"/>. Results are views
/// over memory the model owns, valid until its next forward; forwards after a warm-up with the same shapes allocate
/// nothing. Not safe to run from two threads at once.
/// </remarks>
public sealed class Gpt2Model : Module, ISequenceModel, IMemoryFootprint
{
    private readonly ActivationBuffer _logits;
    private PackedMatrix? _head;

    /// <inheritdoc />
    protected override long PreparedBytes => _head?.ByteCount ?? 0;

    /// <summary>Builds the tree for <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    public Gpt2Model(Gpt2Config config)
    {
        _logits = AddBuffer();
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        Transformer = AddChild("transformer", new Gpt2Transformer(config));
    }

    /// <summary>
    /// Loads a Hugging Face GPT-2 folder: <c>config.json</c> and <c>model.safetensors</c> (names with or without the
    /// <c>transformer.</c> prefix; see <see cref="Gpt2CheckpointWeightSource"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">The config is malformed (names the file and field).</exception>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped.</exception>
    public static Gpt2Model Load(string directory, ITensorBackend backend)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(backend);
        var model = new Gpt2Model(Gpt2Config.Load(Path.Combine(directory, "config.json")));
        using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(Path.Combine(directory, "model.safetensors"));
        model.LoadWeights(new Gpt2CheckpointWeightSource(new SafeTensorsWeightSource(file)), backend);
        return model;
    }

    /// <summary>The configuration.</summary>
    public Gpt2Config Config { get; }

    /// <summary>
    /// Its weights as loaded and packed, and the activation buffers it keeps between calls (the logits and the layers'
    /// outputs, as large as the largest call so far), on the device of its backend. Key/value caches belong to the
    /// calls that create them and are freed with them, so they are not counted.
    /// </summary>
    public IReadOnlyList<DeviceMemory> MemoryFootprint =>
        MemoryByDevice().Select(m => new DeviceMemory(m.Device, m.WeightBytes, m.BufferBytes)).ToArray();

    /// <summary>The body (<c>transformer</c>).</summary>
    public Gpt2Transformer Transformer { get; }

    /// <inheritdoc />
    public int VocabularySize => Config.VocabSize;

    /// <inheritdoc />
    public int MaxSequenceLength => Config.Positions;

    /// <summary>A cache for <paramref name="batchSize"/> sequences of up to <paramref name="capacity"/> (default: <see cref="MaxSequenceLength"/>) positions.</summary>
    public Gpt2KeyValueCache CreateCache(int batchSize, int? capacity = null)
    {
        int size = capacity ?? MaxSequenceLength;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSequenceLength, nameof(capacity));
        return new Gpt2KeyValueCache(Backend, Config.Layers, batchSize, Config.Heads, size, Config.HeadDim, null);
    }

    /// <summary>
    /// A cache for a left-padded batch of <c>leftPadding.Count</c> sequences: sequence r's first
    /// <paramref name="leftPadding"/>[r] positions are padding (any valid ids), which attention masks out and the
    /// position numbering skips, so its logits are those it would have alone.
    /// </summary>
    /// <exception cref="ArgumentException">A padding is negative or fills the capacity.</exception>
    public Gpt2KeyValueCache CreateCache(IReadOnlyList<int> leftPadding, int? capacity = null)
    {
        ArgumentNullException.ThrowIfNull(leftPadding);
        ArgumentOutOfRangeException.ThrowIfLessThan(leftPadding.Count, 1, nameof(leftPadding));
        int size = capacity ?? MaxSequenceLength;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSequenceLength, nameof(capacity));
        return new Gpt2KeyValueCache(Backend, Config.Layers, leftPadding.Count, Config.Heads, size, Config.HeadDim, leftPadding);
    }

    /// <inheritdoc />
    IKeyValueCache ISequenceModel.CreateCache(int batchSize) => CreateCache(batchSize);

    /// <inheritdoc />
    IKeyValueCache ISequenceModel.CreateCache(IReadOnlyList<int> leftPadding) => CreateCache(leftPadding);

    /// <summary>
    /// Appends <paramref name="tokens"/> ([batch, new] row-major) to the cached sequences and returns the logits of
    /// every new position, [batch, new, vocab], valid until the next forward.
    /// </summary>
    /// <exception cref="ArgumentException">The token count is not a multiple of the batch, the cache was made for another batch, or it would overflow.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A token id is not in [0, vocab).</exception>
    public TensorView Forward(ReadOnlySpan<int> tokens, int batchSize, Gpt2KeyValueCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (tokens.Length == 0 || tokens.Length % batchSize != 0)
        {
            throw new ArgumentException($"{tokens.Length} tokens do not split into {batchSize} non-empty sequences of equal length.", nameof(tokens));
        }

        if (cache.BatchSize != batchSize || cache.Layers != Config.Layers || cache.Heads != Config.Heads || cache.HeadDim != Config.HeadDim)
        {
            throw new ArgumentException($"The cache holds {cache.BatchSize} sequences of {cache.Layers} layers × {cache.Heads} heads × {cache.HeadDim}; this call has {batchSize} sequences for {Config.Layers} × {Config.Heads} × {Config.HeadDim}.", nameof(cache));
        }

        int length = tokens.Length / batchSize;
        if (cache.Length + length > cache.Capacity)
        {
            throw new ArgumentException($"{cache.Length} cached + {length} new positions exceed the cache's capacity of {cache.Capacity} (the model's limit is {MaxSequenceLength}).", nameof(tokens));
        }

        foreach (int id in tokens)
        {
            if ((uint)id >= (uint)Config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), id, $"Token ids must be in [0, {Config.VocabSize}).");
            }
        }

        var hidden = Transformer.Forward(tokens, batchSize, cache);
        var logits = _logits.Get(batchSize, length, Config.VocabSize);
        var head = _head ?? throw new InvalidOperationException("Gpt2Model has no weights yet; call LoadWeights before Forward.");
        Backend.MatMul(hidden, head, logits, GemmEpilogue.None);
        cache.Advance(length);
        return logits;
    }

    /// <inheritdoc />
    public ValueTask<Tensor> ForwardAsync(ReadOnlyMemory<int> tokens, int batchSize, IKeyValueCache cache, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cache);
        cancellationToken.ThrowIfCancellationRequested();
        if (cache is not Gpt2KeyValueCache gpt2Cache)
        {
            throw new ArgumentException($"Gpt2Model needs a cache from its own CreateCache; got {cache.GetType().Name}.", nameof(cache));
        }

        return ValueTask.FromResult(new Tensor(Forward(tokens.Span, batchSize, gpt2Cache)));
    }

    /// <summary>
    /// Greedy decoding: feeds <paramref name="prompts"/> ([batch, promptLength] row-major, equal lengths) after the
    /// cache's positions, then appends the most likely token <paramref name="newTokens"/> times. Returns the new tokens
    /// [batch, newTokens] row-major. The cache ends holding the prompt and every new token but the last.
    /// </summary>
    public int[] GenerateGreedy(ReadOnlySpan<int> prompts, int batchSize, int newTokens, Gpt2KeyValueCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegative(newTokens);
        var generated = new int[batchSize * newTokens];
        if (newTokens == 0)
        {
            return generated;
        }

        var step = new int[batchSize];
        var logits = Forward(prompts, batchSize, cache);
        for (int n = 0; n < newTokens; n++)
        {
            int last = logits.Dim(1) - 1;
            for (int s = 0; s < batchSize; s++)
            {
                step[s] = CategoricalDraw.ArgMax(logits.Select(0, s).Select(0, last).Span);
                generated[(s * newTokens) + n] = step[s];
            }

            if (n + 1 < newTokens)
            {
                logits = Forward(step, batchSize, cache);
            }
        }

        return generated;
    }

    /// <inheritdoc />
    protected override void OnWeightsLoaded() =>
        _head = Backend.PackMatrix(Transformer.Wte.Weight.View.Transpose(0, 1));
}
