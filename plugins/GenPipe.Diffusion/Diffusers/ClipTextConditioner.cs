using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Nn.Checkpoints;
using GenPipe.Nn.Models.Clip;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Text;

namespace GenPipe.Diffusion.Diffusers;

/// <summary>
/// <c>conditioner/clip-text</c>: Stable Diffusion's text conditioning, a CLIP tokenizer and transformers'
/// <c>CLIPTextModel</c>. A prompt becomes SD's 77 input ids (start, at most 75 tokens, end, padding) and the text
/// encoder's last hidden state (or an earlier one with clip skip), [batch, 77, hidden]; the pooled output comes along.
/// The unconditional conditioning is the empty prompt's, as diffusers' pipelines encode it.
/// </summary>
public sealed class ClipTextConditioner : IConditioner, IMemoryFootprint, IDisposable
{
    /// <summary>The component type id.</summary>
    public const string ComponentId = "conditioner/clip-text";

    private readonly int _clipSkip;

    /// <summary>Wraps a loaded text encoder and its tokenizer.</summary>
    public ClipTextConditioner(ClipTextModel model, ClipTokenizer tokenizer, int clipSkip = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize > model.Config.VocabSize)
        {
            throw new InvalidDataException(
                $"The tokenizer has {tokenizer.VocabularySize} ids but the text encoder only {model.Config.VocabSize} (vocab_size); they come from different models.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(clipSkip);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(clipSkip, model.Config.NumHiddenLayers - 1, nameof(clipSkip));
        Model = model;
        Tokenizer = tokenizer;
        _clipSkip = clipSkip;
    }

    /// <summary>The text encoder.</summary>
    public ClipTextModel Model { get; }

    /// <summary>The tokenizer.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <inheritdoc />
    public IReadOnlyList<DeviceMemory> MemoryFootprint =>
        Model.MemoryByDevice().Select(m => new DeviceMemory(m.Device, m.WeightBytes, m.BufferBytes)).ToArray();

    /// <summary>
    /// Loads the text encoder and tokenizer of <paramref name="source"/>: a model folder (<c>text_encoder/</c> and
    /// <c>tokenizer/</c>), a <c>text_encoder/</c> folder with its <c>tokenizer/</c> beside it, or an SD 1.x single-file
    /// checkpoint (config and tokenizer from <see cref="ClipTextConditionerOptions.ConfigFolder"/>, else SD 1.5's bundled ones).
    /// </summary>
    public static ClipTextConditioner Open(string name, string source, ClipTextConditionerOptions options, ITensorBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (SingleFileSource.IsSingleFile(source))
        {
            var (json, origin) = SingleFileSource.Config("text_encoder", options.ConfigFolder);
            using var checkpoint = SingleFileCheckpoint.Open(source);
            var model = SingleFileSource.Load(
                () => ClipTextModel.Load(ClipTextConfig.Parse(json, origin), checkpoint.TextEncoder(), backend), "text_encoder", origin, options.ConfigFolder);
            return new ClipTextConditioner(model, ClipTokenizer.Load(TokenizerFolder(name, SingleFileSource.ConfigFolder(options.ConfigFolder))), options.ClipSkip);
        }

        string folder = DiffusersSource.ComponentFolder(name, ComponentId, source, "text_encoder", "CLIPTextModel");
        var config = ClipTextConfig.Load(Path.Combine(folder, ClipTextModel.ConfigFileName));
        using var weights = WeightFiles.Open(folder, string.IsNullOrEmpty(options.Variant) ? null : options.Variant);
        var encoder = ClipTextModel.Load(config, weights, backend);
        return new ClipTextConditioner(encoder, ClipTokenizer.Load(TokenizerFolder(name, source)), options.ClipSkip);
    }

    /// <inheritdoc />
    public ValueTask<Conditioning> EncodeAsync(ConditioningInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var prompts = input.Text ?? throw new ArgumentException($"{ComponentId} conditions on text; the input has none.", nameof(input));
        return ValueTask.FromResult(Encode(prompts, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<Conditioning> EncodeUnconditionalAsync(int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return ValueTask.FromResult(Encode(Enumerable.Repeat("", batchSize).ToArray(), cancellationToken));
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();

    private Conditioning Encode(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (prompts.Count == 0)
        {
            throw new ArgumentException($"{ComponentId}: no prompts to encode.", nameof(prompts));
        }

        int length = Tokenizer.MaxLength;
        var ids = new int[prompts.Count * length];
        for (int i = 0; i < prompts.Count; i++)
        {
            Tokenizer.EncodeForTextEncoder(prompts[i] ?? "", length).CopyTo(ids, i * length);
        }

        var output = Model.Forward(ids, prompts.Count);
        var states = _clipSkip == 0 ? output.LastHiddenState : Model.ClipSkip(_clipSkip);

        // The model's buffers are reused by its next call; the conditioning outlives it.
        return new Conditioning(new Tensor(states).Clone(), new Tensor(output.PooledOutput).Clone());
    }

    // A model folder's tokenizer/, or the tokenizer/ beside a text_encoder/ folder.
    private static string TokenizerFolder(string name, string source)
    {
        foreach (string candidate in new[] { Path.Combine(source, "tokenizer"), Path.Combine(source, "..", "tokenizer") })
        {
            if (Directory.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new DirectoryNotFoundException(
            $"Component '{name}' ({ComponentId}): no tokenizer/ folder in or beside {source}; a Stable Diffusion folder has one with vocab.json and merges.txt.");
    }
}
