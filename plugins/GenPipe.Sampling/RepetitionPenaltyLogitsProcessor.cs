using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// The CTRL repetition penalty (Keskar et al., 2019), as transformers' <c>RepetitionPenaltyLogitsProcessor</c> applies
/// it: every token already in the sequence has a positive score divided by the penalty and a negative score multiplied
/// by it, once however often it occurred. The first <c>prompt_ignore_length</c> tokens are not counted.
/// </summary>
public sealed class RepetitionPenaltyLogitsProcessor : ILogitsProcessor
{
    /// <summary>Creates the processor; <paramref name="penalty"/> must be strictly positive (1 changes nothing).</summary>
    public RepetitionPenaltyLogitsProcessor(double penalty, int promptIgnoreLength = 0)
    {
        if (!(penalty > 0) || double.IsInfinity(penalty))
        {
            throw new ArgumentOutOfRangeException(nameof(penalty), penalty, "repetition_penalty must be a strictly positive finite number.");
        }

        if (promptIgnoreLength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(promptIgnoreLength), promptIgnoreLength, "prompt_ignore_length must not be negative.");
        }

        Penalty = penalty;
        PromptIgnoreLength = promptIgnoreLength;
    }

    /// <summary>The penalty; above 1 discourages repetition, below 1 encourages it.</summary>
    public double Penalty { get; }

    /// <summary>Leading tokens of each sequence that are not penalised.</summary>
    public int PromptIgnoreLength { get; }

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        var (batch, vocab) = ScoreRows.Check(inputIds, scores);
        float penalty = (float)Penalty;
        var seen = new HashSet<int>();
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            IReadOnlyList<int> ids = inputIds[r];
            seen.Clear();
            for (int t = PromptIgnoreLength; t < ids.Count; t++)
            {
                int token = ids[t];
                ScoreRows.CheckToken(token, vocab, r);
                // transformers gathers the scores first and scatters them back, so a repeated token is penalised once.
                if (seen.Add(token))
                {
                    float score = row[token];
                    row[token] = score < 0 ? score * penalty : score / penalty;
                }
            }
        }
    }
}
