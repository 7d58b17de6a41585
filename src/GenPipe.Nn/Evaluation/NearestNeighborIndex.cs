using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Evaluation;

/// <summary>
/// The Euclidean distance from query vectors to the nearest of a fixed set of reference vectors (the training digits,
/// 8,000 x 784 pixels), found with the CPU backend's matrix product: <c>|x - t|² = |x|² + (|t|² - 2 x·t)</c>, the
/// bracket computed for every reference as one GEMM whose epilogue scales by -2 and adds |t|² as a bias.
/// </summary>
/// <remarks>
/// The expanded form loses digits in float32 (it subtracts numbers near |x|² to get a small one), so the GEMM only
/// nominates <see cref="Candidates"/> references per query; their distances are then computed directly, in doubles.
/// An exact copy of a reference so gets distance 0, and the nearest is right unless float32 rounding reorders more
/// than that many references, which would need distances equal to about 1e-4 of |x|².
/// </remarks>
public sealed class NearestNeighborIndex
{
    /// <summary>How many references per query the GEMM nominates for the exact distance.</summary>
    public const int Candidates = 8;

    // Queries per GEMM: an output block of 256 x 8,000 floats (8 MB) keeps memory flat for any number of queries.
    private const int QueryBlock = 256;

    private readonly float[] _references;
    private readonly PackedMatrix _packed;
    private readonly Tensor _squaredNorms;

    /// <summary>Indexes <paramref name="count"/> reference vectors of <paramref name="dimension"/> values, row after row (copied).</summary>
    /// <exception cref="ArgumentException">The length is not <c>count x dimension</c>, or a value is not finite.</exception>
    public NearestNeighborIndex(ReadOnlySpan<float> references, int count, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        RequireRows(references, count, dimension, nameof(references));
        Count = count;
        Dimension = dimension;
        _references = references.ToArray();
        var norms = new float[count];
        for (int i = 0; i < count; i++)
        {
            norms[i] = (float)SquaredNorm(_references.AsSpan(i * dimension, dimension));
        }

        _squaredNorms = new Tensor(norms, count);
        _packed = TensorBackends.Cpu.PackMatrix(new Tensor(_references, count, dimension).View.Transpose(0, 1));
    }

    /// <summary>The number of reference vectors.</summary>
    public int Count { get; }

    /// <summary>The values per vector.</summary>
    public int Dimension { get; }

    /// <summary>For each of <paramref name="count"/> query vectors (row after row), the distance to its nearest reference.</summary>
    /// <exception cref="ArgumentException">The length is not <c>count x</c> <see cref="Dimension"/>, or a value is not finite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between blocks of queries.</exception>
    public double[] Distances(ReadOnlySpan<float> queries, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        RequireRows(queries, count, Dimension, nameof(queries));
        var result = new double[count];
        int block = Math.Min(QueryBlock, Math.Max(count, 1));
        var input = new Tensor(new float[block * Dimension], block, Dimension);
        var products = new Tensor(new float[block * Count], block, Count);
        int candidates = Math.Min(Candidates, Count);
        var best = new int[candidates];
        var bestScore = new float[candidates];
        for (int start = 0; start < count; start += block)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = Math.Min(block, count - start);
            queries.Slice(start * Dimension, rows * Dimension).CopyTo(input.Span);
            var output = products.View.Slice(0, 0, rows);
            TensorBackends.Cpu.MatMul(input.View.Slice(0, 0, rows), _packed, output, new GemmEpilogue(_squaredNorms.View, alpha: -2f));
            var scores = output.Span;
            for (int r = 0; r < rows; r++)
            {
                Nominate(scores.Slice(r * Count, Count), best, bestScore);
                var query = queries.Slice((start + r) * Dimension, Dimension);
                double nearest = double.PositiveInfinity;
                foreach (int index in best)
                {
                    nearest = Math.Min(nearest, SquaredDistance(query, _references.AsSpan(index * Dimension, Dimension)));
                }

                result[start + r] = Math.Sqrt(nearest);
            }
        }

        return result;
    }

    // The indices of the smallest scores (|t|² - 2 x·t), by insertion into a short sorted list.
    private static void Nominate(ReadOnlySpan<float> scores, int[] best, float[] bestScore)
    {
        int kept = 0;
        for (int j = 0; j < scores.Length; j++)
        {
            float score = scores[j];
            if (kept == best.Length && !(score < bestScore[kept - 1]))
            {
                continue;
            }

            int at = kept == best.Length ? kept - 1 : kept++;
            while (at > 0 && bestScore[at - 1] > score)
            {
                bestScore[at] = bestScore[at - 1];
                best[at] = best[at - 1];
                at--;
            }

            bestScore[at] = score;
            best[at] = j;
        }
    }

    private static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double difference = (double)a[i] - b[i];
            sum += difference * difference;
        }

        return sum;
    }

    private static double SquaredNorm(ReadOnlySpan<float> a)
    {
        double sum = 0;
        foreach (float value in a)
        {
            sum += (double)value * value;
        }

        return sum;
    }

    private static void RequireRows(ReadOnlySpan<float> values, int count, int dimension, string parameterName)
    {
        if (values.Length != (long)count * dimension)
        {
            throw new ArgumentException($"{count} vectors of {dimension} values are {(long)count * dimension} values; got {values.Length}.", parameterName);
        }

        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"Vector {i / dimension} holds {values[i]} at position {i % dimension}; distances need finite values.", parameterName);
            }
        }
    }
}
