using System.Runtime.CompilerServices;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Autoregressive.Generation;

/// <summary>
/// Speculative sampling of one sequence (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative
/// Decoding"; Chen et al. 2023): each round the draft model proposes up to <see cref="DraftTokens"/> tokens
/// x_i ~ q_i one at a time, the target model scores them all in one forward (p_1 .. p_{K+1}), x_i is kept with
/// probability min(1, p_i(x_i) / q_i(x_i)), the first rejected position is redrawn from norm(max(0, p_i - q_i)), and a
/// round that keeps every draft adds one token from p_{K+1}. Every token is then distributed exactly as the target
/// model's sampler would draw it; with a greedy sampler (one-hot distributions) the output equals greedy decoding.
/// </summary>
/// <remarks>
/// Both distributions come from <see cref="ISampler.Distribution"/>, each position with its own prefix (drafts
/// included), so processors such as repetition penalties apply to draft and target alike. Uniform draws come from the
/// caller's <see cref="IRandomSource"/>: one per token drawn and one per acceptance test whose ratio is below 1; greedy
/// sampling draws none.
/// </remarks>
internal sealed class SpeculativeDecoder
{
    private readonly IReadOnlyList<int>[][] _rowPrefixes;
    private readonly SpeculativePrefix[] _prefixes;
    private readonly float[] _draftProbabilities;
    private readonly float[] _residual;

    public SpeculativeDecoder(ILanguageModel target, ILanguageModel draft, ISampler sampler, int draftTokens)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfLessThan(draftTokens, 1);
        if (draft.VocabularySize != target.VocabularySize)
        {
            throw new ArgumentException(
                $"The draft model has {draft.VocabularySize} token ids and the model {target.VocabularySize}; speculative decoding needs one vocabulary.",
                nameof(draft));
        }

        Target = target;
        Draft = draft;
        Sampler = sampler;
        DraftTokens = draftTokens;
        int vocab = target.VocabularySize;
        _draftProbabilities = new float[draftTokens * vocab];
        _residual = new float[vocab];
        _prefixes = new SpeculativePrefix[draftTokens + 1];

        // One array per row count, so a sampler call over r positions gets a list of exactly r prefixes without allocating.
        _rowPrefixes = new IReadOnlyList<int>[draftTokens + 2][];
        for (int rows = 0; rows < _rowPrefixes.Length; rows++)
        {
            _rowPrefixes[rows] = new IReadOnlyList<int>[rows];
        }
    }

    public ILanguageModel Target { get; }

    public ILanguageModel Draft { get; }

    public ISampler Sampler { get; }

    public int DraftTokens { get; }

    public SpeculativeStatistics Statistics { get; } = new();

    /// <summary>
    /// Extends <paramref name="prompt"/> one token at a time as tokens are accepted, at most
    /// <paramref name="maxNewTokens"/> and never past the target's context; the caller stops enumerating when its own
    /// criteria hold. Cancellation is checked before each round.
    /// </summary>
    public async IAsyncEnumerable<int> GenerateAsync(IReadOnlyList<int> prompt, int maxNewTokens, IRandomSource random, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        if (prompt.Count == 0 || prompt.Count > Target.MaxSequenceLength)
        {
            throw new ArgumentException($"The prompt has {prompt.Count} tokens; speculative decoding needs 1 to {Target.MaxSequenceLength} (the model's context).", nameof(prompt));
        }

        // A full target cache still predicts one more token, so a sequence ends at the context plus one at the latest.
        int end = (int)Math.Min((long)prompt.Count + maxNewTokens, (long)Target.MaxSequenceLength + 1);
        var tokens = new int[end + DraftTokens];
        for (int i = 0; i < prompt.Count; i++)
        {
            tokens[i] = prompt[i];
        }

        for (int i = 0; i < _prefixes.Length; i++)
        {
            _prefixes[i] = new SpeculativePrefix(tokens);
        }

        // The caches hold the accepted tokens but the last ones not yet fed: the target's always lags by exactly one.
        using var targetCache = Target.CreateCache(1);
        using var draftCache = Draft.CreateCache(1);
        int length = prompt.Count;
        while (length < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int drafts = DraftCount(length, end);
            for (int i = 0; i < drafts; i++)
            {
                int position = length + i;
                int fed = draftCache.Length;
                var logits = await Draft.ForwardAsync(tokens.AsMemory(fed, position - fed), 1, draftCache, cancellationToken).ConfigureAwait(false);
                tokens[position] = Propose(logits, position - fed, position, i, random);
            }

            int targetFed = targetCache.Length;
            int feed = length + drafts - targetFed;
            var targetLogits = await Target.ForwardAsync(tokens.AsMemory(targetFed, feed), 1, targetCache, cancellationToken).ConfigureAwait(false);
            int accepted = Verify(targetLogits, feed, length, drafts, tokens, random);
            Statistics.Drafted += drafts;
            Statistics.Accepted += accepted;
            Statistics.TargetCalls++;

            int first = length;
            length += accepted + 1;
            targetCache.Truncate(Math.Min(targetCache.Length, length - 1));
            draftCache.Truncate(Math.Min(draftCache.Length, length - 1));
            for (int i = first; i < length; i++)
            {
                yield return tokens[i];
            }
        }
    }

    // Drafts this round: a round adds at most drafts + 1 tokens; the target's cache ends at length + drafts and the
    // draft's at length + drafts - 1 (its last proposal is never fed), neither past its model's context.
    private int DraftCount(int length, int end)
    {
        int drafts = Math.Min(DraftTokens, end - length - 1);
        drafts = Math.Min(drafts, Target.MaxSequenceLength - length);
        drafts = Math.Min(drafts, Draft.MaxSequenceLength - length + 1);
        return Math.Max(drafts, 0);
    }

    // Draws the draft's token for `position` from its last logits row and keeps q for verification.
    private int Propose(Tensor logits, int fedCount, int position, int draftIndex, IRandomSource random)
    {
        int vocab = Target.VocabularySize;
        var rows = LogitRows(logits, fedCount, fedCount - 1, 1, Draft, "draft");
        using var distribution = Sampler.Distribution(rows, Prefixes(position, 1));
        var q = _draftProbabilities.AsSpan(draftIndex * vocab, vocab);
        distribution.Span.Slice(0, vocab).CopyTo(q);
        return Sampler.DoSample ? CategoricalDraw.InverseCdf(q, random.NextDouble()) : CategoricalDraw.ArgMax(q);
    }

    // Accepts drafts left to right and writes the round's last token (a redraw or the bonus token) after them;
    // returns how many drafts were kept.
    private int Verify(Tensor logits, int fedCount, int length, int drafts, int[] tokens, IRandomSource random)
    {
        int vocab = Target.VocabularySize;

        // Logit row j of this forward predicts token targetFed + j + 1; p_1 predicts the token at `length`.
        var rows = LogitRows(logits, fedCount, fedCount - 1 - drafts, drafts + 1, Target, "model");
        using var distribution = Sampler.Distribution(rows, Prefixes(length, drafts + 1));
        var p = distribution.Span;
        for (int i = 0; i < drafts; i++)
        {
            var target = p.Slice(i * vocab, vocab);
            var draft = _draftProbabilities.AsSpan(i * vocab, vocab);
            int proposed = tokens[length + i];
            if (!Accept(target[proposed], draft[proposed], random))
            {
                double total = SpeculativeDraws.Residual(target, draft, _residual);

                // p == q up to rounding leaves no residual mass; then p itself is the right distribution.
                tokens[length + i] = Draw(total > 0 ? _residual : target, random);
                return i;
            }
        }

        tokens[length + drafts] = Draw(p.Slice(drafts * vocab, vocab), random);
        return drafts;
    }

    // Keeps the draft with probability min(1, p / q); a uniform is drawn only when that probability is strictly between 0 and 1.
    private static bool Accept(float target, float draft, IRandomSource random)
    {
        double ratio = draft > 0 ? target / (double)draft : 0;
        return ratio >= 1 || (ratio > 0 && random.NextDouble() < ratio);
    }

    private int Draw(ReadOnlySpan<float> probabilities, IRandomSource random) =>
        Sampler.DoSample ? CategoricalDraw.InverseCdf(probabilities, random.NextDouble()) : CategoricalDraw.ArgMax(probabilities);

    // The sampler's prefixes for `rows` consecutive positions starting at `position`: position + j tokens each.
    private IReadOnlyList<int>[] Prefixes(int position, int rows)
    {
        var list = _rowPrefixes[rows];
        for (int j = 0; j < rows; j++)
        {
            _prefixes[j].Count = position + j;
            list[j] = _prefixes[j];
        }

        return list;
    }

    // Rows [start, start + count) of a [1, fed, vocab] forward result, as a [count, vocab] tensor over the model's memory.
    private static Tensor LogitRows(Tensor logits, int fed, int start, int count, ISequenceModel model, string which)
    {
        if (logits.Rank != 3 || logits.Dim(0) != 1 || logits.Dim(1) != fed || logits.Dim(2) != model.VocabularySize)
        {
            throw new InvalidOperationException(
                $"The {which} model returned logits {Tensor.FormatShape(logits.Shape)} for 1 sequence of {fed} tokens; expected [1, {fed}, {model.VocabularySize}].");
        }

        return new Tensor(logits.View.Select(0, 0).Slice(0, start, count));
    }
}
