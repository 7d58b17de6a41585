using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Normalization;

/// <summary>
/// Group-norm statistics of a whole image, shared by the tiles it is run in. A tile alone normalizes by its own mean and
/// variance, which differ from the image's (the main reason tiled VAE results differ from untiled ones). With this
/// attached to a model's <see cref="GroupNorm"/>s, the tiles are run once per group norm, in call order: pass k runs each
/// tile up to its k-th group norm (the earlier ones already normalizing by the image's statistics), adds the part of
/// that norm's input the tile owns (the rows and columns no later tile starts in) to per-(sample, group) sums, and stops
/// the tile there (<see cref="TilePassStop"/>). After the last norm the final pass normalizes every tile by the image's
/// statistics. The cost is about half a tiled pass per group norm; the result has the untiled group norms, up to what a
/// tile's edges change in the norm's input.
/// </summary>
internal sealed class SharedGroupNormStatistics
{
    private readonly List<(double[] Mean, double[] InverseStd)> _known = [];
    private double[] _sum = [];
    private double[] _squares = [];
    private long _count;
    private double _epsilon;
    private OwnedPart _owned = new(0, 1, 0, 1);
    private int _calls;

    /// <summary>Group norms whose image statistics are known, in call order.</summary>
    public int Known => _known.Count;

    /// <summary>Whether tiles run now record the statistics of group norm <see cref="Known"/> (and stop there).</summary>
    public bool Recording { get; private set; }

    /// <summary>Starts the pass that records group norm <see cref="Known"/>.</summary>
    public void StartRecording()
    {
        Recording = true;
        _sum = [];
        _squares = [];
        _count = 0;
    }

    /// <summary>Turns the recorded sums into the norm's mean and 1/sqrt(variance + epsilon) per sample and group.</summary>
    public void FinishRecording()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("No tile reached the group norm being recorded.");
        }

        var mean = new double[_sum.Length];
        var inverseStd = new double[_sum.Length];
        for (int i = 0; i < _sum.Length; i++)
        {
            mean[i] = _sum[i] / _count;
            double variance = Math.Max(0, (_squares[i] / _count) - (mean[i] * mean[i]));
            inverseStd[i] = 1 / Math.Sqrt(variance + _epsilon);
        }

        _known.Add((mean, inverseStd));
        Recording = false;
    }

    /// <summary>Every norm known: the final pass, which normalizes by the image's statistics and records nothing.</summary>
    public void StopRecording() => Recording = false;

    /// <summary>A new tile begins; <paramref name="owned"/> is the part of it whose values count towards the statistics.</summary>
    public void BeginTile(OwnedPart owned)
    {
        _calls = 0;
        _owned = owned;
    }

    /// <summary>
    /// Normalizes <paramref name="input"/> by the image's statistics if they are known for this call, or records them and
    /// stops the tile (throws <see cref="TilePassStop"/>). Returns false when the norm should normalize as usual.
    /// </summary>
    public bool Normalize(GroupNorm norm, ITensorBackend backend, TensorView input, TensorView output, Activation activation)
    {
        int index = _calls++;
        if (index < _known.Count)
        {
            ApplyKnown(norm, backend, input, output, activation, _known[index]);
            return true;
        }

        if (Recording && index == _known.Count)
        {
            Accumulate(norm, input);
            throw TilePassStop.Instance;
        }

        return false;
    }

    private static void ApplyKnown(
        GroupNorm norm, ITensorBackend backend, TensorView input, TensorView output, Activation activation, (double[] Mean, double[] InverseStd) statistics)
    {
        int batch = input.Dim(0), channels = norm.Channels, perGroup = channels / norm.Groups;
        float[] gamma = norm.Weight.View.ToArray(), beta = norm.Bias.View.ToArray();
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                int group = (n * norm.Groups) + (c / perGroup);
                double scale = gamma[c] * statistics.InverseStd[group];
                double shift = beta[c] - (statistics.Mean[group] * scale);
                backend.Affine(input.Slice(0, n, 1).Slice(1, c, 1), (float)scale, (float)shift, output.Slice(0, n, 1).Slice(1, c, 1));
            }
        }

        if (activation != Activation.None)
        {
            backend.Activate(output, output, activation);
        }
    }

    private void Accumulate(GroupNorm norm, TensorView input)
    {
        if (input.Rank != 4)
        {
            throw new NotSupportedException($"Shared group-norm statistics take image inputs [N, C, H, W]; got {input.Shape}.");
        }

        int batch = input.Dim(0), perGroup = norm.Channels / norm.Groups;
        var (firstRow, rows) = Span(_owned.RowStart, _owned.RowEnd, input.Dim(2));
        var (firstColumn, columns) = Span(_owned.ColumnStart, _owned.ColumnEnd, input.Dim(3));
        _epsilon = norm.Epsilon;
        if (_sum.Length == 0)
        {
            _sum = new double[batch * norm.Groups];
            _squares = new double[batch * norm.Groups];
        }

        float[] owned = input.Slice(2, firstRow, rows).Slice(3, firstColumn, columns).ToArray();
        int plane = rows * columns;
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < norm.Channels; c++)
            {
                int group = (n * norm.Groups) + (c / perGroup);
                int start = ((n * norm.Channels) + c) * plane;
                double sum = 0, squares = 0;
                for (int i = 0; i < plane; i++)
                {
                    double x = owned[start + i];
                    sum += x;
                    squares += x * x;
                }

                _sum[group] += sum;
                _squares[group] += squares;
            }
        }

        _count += (long)perGroup * plane;
    }

    // The rows (or columns) [start, end) of a side of `size`, the fractions scaled to this layer's resolution.
    private static (int First, int Count) Span(double start, double end, int size)
    {
        int first = Math.Min(size - 1, (int)Math.Round(start * size));
        int last = Math.Max(first + 1, Math.Min(size, (int)Math.Round(end * size)));
        return (first, last - first);
    }
}

/// <summary>Stops a tile's forward once the group norm being recorded has seen its input (no output is needed).</summary>
internal sealed class TilePassStop : Exception
{
    public static readonly TilePassStop Instance = new();

    private TilePassStop()
        : base("A tile pass stopped after recording group-norm statistics.")
    {
    }
}
