using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Adds a bias to the score of chosen tokens, as transformers' <c>SequenceBiasLogitsProcessor</c> does: a one-token
/// sequence is biased at every step; for a longer sequence its last token is biased only when the sequence so far
/// ends with the others. A bias of negative infinity bans the token.
/// </summary>
public sealed class SequenceBiasLogitsProcessor : ILogitsProcessor
{
    private readonly (int[] Sequence, float Bias)[] _biases;

    /// <summary>Creates the processor from (token sequence, bias) pairs; every sequence must be non-empty.</summary>
    public SequenceBiasLogitsProcessor(IEnumerable<KeyValuePair<IReadOnlyList<int>, float>> sequenceBias)
    {
        ArgumentNullException.ThrowIfNull(sequenceBias);
        _biases = [.. sequenceBias.Select(pair => (pair.Key?.ToArray() ?? [], pair.Value))];
        foreach (var (sequence, bias) in _biases)
        {
            if (sequence.Length == 0 || sequence.Any(t => t < 0))
            {
                throw new ArgumentException("sequence_bias: every sequence must be a non-empty list of non-negative token ids.", nameof(sequenceBias));
            }

            if (float.IsNaN(bias))
            {
                throw new ArgumentException("sequence_bias: a bias must be a number.", nameof(sequenceBias));
            }
        }
    }

    /// <summary>The (sequence, bias) pairs applied.</summary>
    public IEnumerable<(IReadOnlyList<int> Sequence, float Bias)> Biases => _biases.Select(b => ((IReadOnlyList<int>)b.Sequence, b.Bias));

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        var (batch, vocab) = ScoreRows.Check(inputIds, scores);
        var bias = new float[vocab];
        for (int r = 0; r < batch; r++)
        {
            Array.Clear(bias);
            IReadOnlyList<int> ids = inputIds[r];
            foreach (var (sequence, value) in _biases)
            {
                int last = sequence[^1];
                ScoreRows.CheckToken(last, vocab, r);
                if (EndsWithPrefix(ids, sequence))
                {
                    bias[last] += value;
                }
            }

            // transformers sums the biases into one tensor and adds it once.
            Span<float> row = ScoreRows.Row(scores, r, vocab);
            for (int i = 0; i < vocab; i++)
            {
                row[i] += bias[i];
            }
        }
    }

    private static bool EndsWithPrefix(IReadOnlyList<int> ids, int[] sequence)
    {
        int prefix = sequence.Length - 1;
        if (prefix > ids.Count)
        {
            return false;
        }

        for (int j = 0; j < prefix; j++)
        {
            if (ids[ids.Count - prefix + j] != sequence[j])
            {
                return false;
            }
        }

        return true;
    }
}
