using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Forbids any n-gram from occurring twice (Paulus et al., 2017), as transformers' <c>NoRepeatNGramLogitsProcessor</c>
/// does: every token that would complete an n-gram already in the sequence is masked to negative infinity.
/// </summary>
public sealed class NoRepeatNGramLogitsProcessor : ILogitsProcessor
{
    /// <summary>Creates the processor; <paramref name="ngramSize"/> must be positive.</summary>
    public NoRepeatNGramLogitsProcessor(int ngramSize)
    {
        if (ngramSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ngramSize), ngramSize, "no_repeat_ngram_size must be a positive integer.");
        }

        NgramSize = ngramSize;
    }

    /// <summary>The n of the n-grams that may not repeat.</summary>
    public int NgramSize { get; }

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        var (batch, vocab) = ScoreRows.Check(inputIds, scores);
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            foreach (int token in BannedTokens(inputIds[r], NgramSize))
            {
                ScoreRows.CheckToken(token, vocab, r);
                row[token] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>The tokens that would repeat an n-gram of <paramref name="ids"/> if generated next.</summary>
    public static IEnumerable<int> BannedTokens(IReadOnlyList<int> ids, int ngramSize)
    {
        ArgumentNullException.ThrowIfNull(ids);
        int length = ids.Count;
        if (length + 1 < ngramSize)
        {
            yield break;
        }

        // The last n-1 tokens are the prefix the next token would complete.
        int prefixStart = length - ngramSize + 1;
        for (int start = 0; start + ngramSize <= length; start++)
        {
            bool matches = true;
            for (int j = 0; j < ngramSize - 1 && matches; j++)
            {
                matches = ids[start + j] == ids[prefixStart + j];
            }

            if (matches)
            {
                yield return ids[start + ngramSize - 1];
            }
        }
    }
}
