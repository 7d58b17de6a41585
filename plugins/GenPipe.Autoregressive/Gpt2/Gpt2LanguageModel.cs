using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Text;

namespace GenPipe.Autoregressive.Gpt2;

/// <summary>
/// A GPT-2 model folder as one component (<c>model/gpt2</c>): the network (<c>config.json</c>,
/// <c>model.safetensors</c>), its tokenizer (<see cref="TokenizerFiles"/>) and the config's bos/eos ids.
/// </summary>
public sealed class Gpt2LanguageModel : ILanguageModel, IMemoryFootprint, IDisposable
{
    /// <summary>Wraps a loaded model and its tokenizer.</summary>
    public Gpt2LanguageModel(Gpt2Model model, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer.VocabularySize > model.VocabularySize)
        {
            throw new InvalidDataException(
                $"The tokenizer has {tokenizer.VocabularySize} ids but the model only {model.VocabularySize} (vocab_size in config.json); they come from different models.");
        }

        Model = model;
        Tokenizer = tokenizer;
    }

    /// <summary>Loads <paramref name="directory"/>: config, weights and tokenizer.</summary>
    /// <exception cref="InvalidDataException">The config or a tokenizer file is malformed, or they disagree.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    public static Gpt2LanguageModel Load(string directory, ITensorBackend backend)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (string required in new[] { "config.json", "model.safetensors" })
        {
            string path = Path.Combine(directory, required);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"{directory}: no {required}. A GPT-2 model folder holds config.json, model.safetensors and its tokenizer (vocab.json, plus merges.txt for byte-level BPE).",
                    path);
            }
        }

        var tokenizer = TokenizerFiles.Load(directory);
        return new Gpt2LanguageModel(Gpt2Model.Load(directory, backend), tokenizer);
    }

    /// <summary>
    /// What loading <paramref name="directory"/> will hold, known from the weights file's header alone: every weight as
    /// float32, plus the packed copy the matrix products read (nearly every weight is a matrix), so twice that. 0 when
    /// there is no readable weights file (loading then reports why).
    /// </summary>
    public static long EstimateBytes(string? directory)
    {
        string? path = directory is null ? null : Path.Combine(directory, "model.safetensors");
        if (path is null || !File.Exists(path))
        {
            return 0;
        }

        try
        {
            using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(path);
            return 2 * sizeof(float) * file.Entries.Values.Sum(e => e.ElementCount);
        }
        catch (Exception ex) when (ex is GenPipe.Tensors.SafeTensors.SafeTensorsFormatException or IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The network.</summary>
    public Gpt2Model Model { get; }

    /// <summary>The network's weights and buffers (the tokenizer's tables are small beside them).</summary>
    public IReadOnlyList<DeviceMemory> MemoryFootprint => Model.MemoryFootprint;

    /// <summary>Frees the network's device memory (the pool calls this when it evicts the component).</summary>
    public void Dispose() => Model.Dispose();

    /// <inheritdoc />
    public ITokenizer Tokenizer { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> EndOfSequenceTokenIds => Model.Config.EosTokenIds;

    /// <inheritdoc />
    public int? BeginningOfSequenceTokenId => Model.Config.BosTokenId;

    /// <inheritdoc />
    public int VocabularySize => Model.VocabularySize;

    /// <inheritdoc />
    public int MaxSequenceLength => Model.MaxSequenceLength;

    /// <inheritdoc />
    public IKeyValueCache CreateCache(int batchSize) => Model.CreateCache(batchSize);

    /// <inheritdoc />
    public IKeyValueCache CreateCache(IReadOnlyList<int> leftPadding) => Model.CreateCache(leftPadding);

    /// <inheritdoc />
    public ValueTask<Tensor> ForwardAsync(ReadOnlyMemory<int> tokens, int batchSize, IKeyValueCache cache, CancellationToken cancellationToken) =>
        Model.ForwardAsync(tokens, batchSize, cache, cancellationToken);
}
