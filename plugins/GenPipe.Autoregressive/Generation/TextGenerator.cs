using System.Runtime.CompilerServices;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Autoregressive.Generation;

/// <summary>
/// Generates text with a language model and a sampler, streaming each token as it is chosen. Sequences of one request
/// advance together as one batch through a key/value cache, so each new token costs one position; each stops on its
/// own. With <see cref="SpeculativeOptions"/> a draft model proposes tokens that the model verifies (one sequence at a
/// time), and the output keeps the model's distribution exactly.
/// </summary>
/// <remarks>One generator runs one request at a time: models reuse their activation memory between calls.</remarks>
public sealed class TextGenerator
{
    private readonly ILanguageModel _model;
    private readonly ISampler _sampler;
    private readonly SpeculativeOptions? _speculative;

    /// <summary>Creates a generator; <paramref name="speculative"/> turns on speculative decoding.</summary>
    /// <exception cref="ArgumentException">The draft model's vocabulary differs from the model's.</exception>
    public TextGenerator(ILanguageModel model, ISampler sampler, SpeculativeOptions? speculative = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampler);
        if (speculative is not null)
        {
            ArgumentNullException.ThrowIfNull(speculative.Draft, nameof(speculative));
            ArgumentOutOfRangeException.ThrowIfLessThan(speculative.DraftTokens, 1, nameof(speculative));
            if (speculative.Draft.VocabularySize != model.VocabularySize)
            {
                throw new ArgumentException(
                    $"The draft model has {speculative.Draft.VocabularySize} token ids and the model {model.VocabularySize}; speculative decoding needs one vocabulary.",
                    nameof(speculative));
            }
        }

        _model = model;
        _sampler = sampler;
        _speculative = speculative;
    }

    /// <summary>Counts of the last speculative run (null when not speculative).</summary>
    public SpeculativeStatistics? LastSpeculativeStatistics { get; private set; }

    /// <summary>
    /// Streams the tokens of every sequence in the order they are chosen. Cancelling stops at the next token; leaving
    /// the loop early stops generation too.
    /// </summary>
    /// <exception cref="ArgumentException">A prompt is too long for the model's context with <see cref="GenerationRequest.MaxNewTokens"/> added, or empty on a model without <c>bos_token_id</c>.</exception>
    public async IAsyncEnumerable<GeneratedToken> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompts = Tokenize(request);
        var emitters = prompts.Select((_, i) => new SequenceEmitter(
            i, _model.Tokenizer, request.StopAtEndOfSequence ? _model.EndOfSequenceTokenIds : [], request.StopStrings, request.MaxNewTokens, request.Prompts[i])).ToArray();
        var random = new TorchGenerator(request.Seed);
        if (_speculative is null)
        {
            await foreach (var token in BatchedAsync(prompts, emitters, random, cancellationToken).ConfigureAwait(false))
            {
                yield return token;
            }

            yield break;
        }

        var decoder = new SpeculativeDecoder(_model, _speculative.Draft, _sampler, _speculative.DraftTokens);
        LastSpeculativeStatistics = decoder.Statistics;
        for (int s = 0; s < prompts.Length; s++)
        {
            await foreach (int id in decoder.GenerateAsync(prompts[s], request.MaxNewTokens, random, cancellationToken).ConfigureAwait(false))
            {
                var token = emitters[s].Accept(id);
                yield return token;
                if (token.IsLast)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Generates and returns each sequence's text (prompt excluded).</summary>
    public async Task<IReadOnlyList<string>> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        var texts = new System.Text.StringBuilder[request.Prompts.Count];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = new System.Text.StringBuilder();
        }

        await foreach (var token in StreamAsync(request, cancellationToken).ConfigureAwait(false))
        {
            texts[token.Sequence].Append(token.Text);
        }

        return [.. texts.Select(t => t.ToString())];
    }

    private int[][] Tokenize(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prompts);
        if (request.Prompts.Count == 0)
        {
            throw new ArgumentException("A generation request needs at least one prompt.", nameof(request));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxNewTokens, 1, nameof(request));
        var prompts = new int[request.Prompts.Count][];
        for (int i = 0; i < prompts.Length; i++)
        {
            string prompt = request.Prompts[i] ?? throw new ArgumentException($"Prompt {i} is null.", nameof(request));
            var ids = _model.Tokenizer.Encode(prompt);
            if (ids.Count == 0)
            {
                int bos = _model.BeginningOfSequenceTokenId
                    ?? throw new ArgumentException($"Prompt {i} is empty and the model has no bos_token_id to start from; give a prompt.", nameof(request));
                ids = [bos];
            }

            int limit = Math.Min(_model.MaxSequenceLength, _speculative?.Draft.MaxSequenceLength ?? int.MaxValue);
            if (ids.Count + request.MaxNewTokens > limit)
            {
                throw new ArgumentException(
                    $"Prompt {i} has {ids.Count} tokens; with max_new_tokens {request.MaxNewTokens} that exceeds the model's context of {limit} positions. Lower max_new_tokens to {Math.Max(0, limit - ids.Count)} or shorten the prompt.");
            }

            prompts[i] = [.. ids];
        }

        return prompts;
    }

    private async IAsyncEnumerable<GeneratedToken> BatchedAsync(
        int[][] prompts, SequenceEmitter[] emitters, IRandomSource random, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int batch = prompts.Length;
        int vocab = _model.VocabularySize;
        var sequences = prompts.Select(p => new List<int>(p)).ToArray();

        // Prompts of unequal length are left-padded to the longest (with their own first id; any id would do), and
        // the cache masks the padding out, so each sequence continues as it would alone.
        int longest = prompts.Max(p => p.Length);
        int[] padding = [.. prompts.Select(p => longest - p.Length)];
        using var cache = padding.Any(p => p != 0) ? _model.CreateCache(padding) : _model.CreateCache(batch);
        using var last = Tensor.Zeros(batch, vocab);
        int[] step = [.. prompts.SelectMany(p => Enumerable.Repeat(p[0], longest - p.Length).Concat(p))];
        var decode = new int[batch]; // one token per sequence after the prefill, reused every step
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = await _model.ForwardAsync(step, batch, cache, cancellationToken).ConfigureAwait(false);
            CopyLastPositions(logits, last);
            int[] next = _sampler.Sample(last, sequences, random);
            step = decode;
            for (int s = 0; s < batch; s++)
            {
                // A finished sequence rides along (the batch shares one cache) but its tokens are dropped.
                step[s] = emitters[s].Done ? sequences[s][^1] : next[s];
                if (emitters[s].Done)
                {
                    continue;
                }

                sequences[s].Add(next[s]);
                yield return emitters[s].Accept(next[s]);
            }

            if (emitters.All(e => e.Done))
            {
                yield break;
            }
        }
    }

    // logits is [batch, new, vocab]; the next token of each sequence comes from its last position.
    private static void CopyLastPositions(Tensor logits, Tensor last)
    {
        var view = logits.View;
        int positions = view.Dim(1);
        for (int s = 0; s < view.Dim(0); s++)
        {
            view.Select(0, s).Select(0, positions - 1).Span.CopyTo(last.Span.Slice(s * view.Dim(2), view.Dim(2)));
        }
    }
}
