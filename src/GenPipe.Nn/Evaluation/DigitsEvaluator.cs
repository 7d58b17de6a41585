using GenPipe.Nn.Data;
using GenPipe.Nn.Models.Digits;
using GenPipe.Tensors;

namespace GenPipe.Nn.Evaluation;

/// <summary>
/// Scores generated digits against the digits data set with the digit classifier: FLD (Fréchet distance on the
/// classifier's penultimate features) to the held-out digits beside the train-vs-held-out floor, the classifier's
/// reading of the samples (coverage; accuracy and confidence for requested classes), and pixel distances to the nearest
/// training digit beside the held-out digits' own (memorization). What depends only on the data (held-out features and
/// distances) is computed once, on first use.
/// </summary>
public sealed class DigitsEvaluator
{
    // Images per classifier forward: the model's buffers grow to the largest batch, so bound them.
    private const int ClassifierBatch = 250;

    private readonly DigitClassifier _classifier;
    private readonly DigitsDataSet _train;
    private readonly DigitsDataSet _heldOut;
    private readonly Lazy<NearestNeighborIndex> _trainIndex;
    private (float[] Features, float[] Logits)? _heldOutOutputs;
    private double[]? _heldOutDistances;

    /// <summary>An evaluator over the two parts of the data set, judged by <paramref name="classifier"/> (not thread-safe).</summary>
    /// <exception cref="ArgumentException">The parts are swapped or the classifier does not take 28x28 single-channel digits.</exception>
    public DigitsEvaluator(DigitClassifier classifier, DigitsDataSet train, DigitsDataSet heldOut)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (train.Part != DigitsDataSet.Train || heldOut.Part != DigitsDataSet.HeldOut)
        {
            throw new ArgumentException($"The evaluator takes the '{DigitsDataSet.Train}' and '{DigitsDataSet.HeldOut}' parts; got '{train.Part}' and '{heldOut.Part}'.");
        }

        if (classifier.Config.InChannels != 1 || classifier.Config.SampleSize != DigitsDataSet.ImageSize)
        {
            throw new ArgumentException(
                $"The classifier takes [N, {classifier.Config.InChannels}, {classifier.Config.SampleSize}, {classifier.Config.SampleSize}] images; the digits are [N, 1, {DigitsDataSet.ImageSize}, {DigitsDataSet.ImageSize}].",
                nameof(classifier));
        }

        _classifier = classifier;
        _train = train;
        _heldOut = heldOut;
        _trainIndex = new(() => new NearestNeighborIndex(train.Images.Span, train.Count, Pixels));
    }

    /// <summary>The values of one digit image.</summary>
    public static int Pixels => DigitsDataSet.ImageSize * DigitsDataSet.ImageSize;

    /// <summary>
    /// Scores <paramref name="samples"/> ([N, 1, 28, 28] in [0, 1], N at least 2), each asked for the digit in
    /// <paramref name="requested"/> when that is given (conditional samples). The floor draws its training digits with
    /// <paramref name="floorSeed"/>, so a run is reproducible.
    /// </summary>
    /// <exception cref="ArgumentException">The samples are not [N, 1, 28, 28] with N at least 2, hold values that are not finite, or the requested digits do not match them.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public DigitsEvaluation Evaluate(Tensor samples, IReadOnlyList<int>? requested = null, int floorSeed = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Rank != 4 || samples.Dim(1) != 1 || samples.Dim(2) != DigitsDataSet.ImageSize || samples.Dim(3) != DigitsDataSet.ImageSize || samples.Dim(0) < 2)
        {
            throw new ArgumentException($"Digits to evaluate are [N, 1, 28, 28] with N at least 2; got {Tensor.FormatShape(samples.Shape)}.", nameof(samples));
        }

        int count = samples.Dim(0);
        var images = samples.Contiguous();
        var (features, logits) = Classify(images, cancellationToken);
        var (heldOutFeatures, heldOutLogits) = HeldOutOutputs(cancellationToken);
        int dimension = _classifier.Config.FeatureDim;
        var heldOutStatistics = FeatureStatistics.Of(heldOutFeatures, _heldOut.Count, dimension);

        double fld = FrechetDistance.Between(FeatureStatistics.Of(features, count, dimension), heldOutStatistics);
        int floorCount = Math.Min(count, _train.Count);
        var floorImages = TrainSubset(floorCount, floorSeed);
        var (floorFeatures, _) = Classify(floorImages, cancellationToken);
        double floor = FrechetDistance.Between(FeatureStatistics.Of(floorFeatures, floorCount, dimension), heldOutStatistics);
        cancellationToken.ThrowIfCancellationRequested();

        int classes = _classifier.Config.NumClasses;
        var classReport = ClassReport.Compute(logits, count, classes, requested is null ? default : requested.ToArray());
        var heldOutReport = ClassReport.Compute(heldOutLogits, _heldOut.Count, classes, _heldOut.Labels);

        double[] sampleDistances = _trainIndex.Value.Distances(images.Span, count, cancellationToken);
        _heldOutDistances ??= _trainIndex.Value.Distances(_heldOut.Images.Span, _heldOut.Count, cancellationToken);
        var memorization = MemorizationReport.Compute(sampleDistances, _heldOutDistances);

        return new DigitsEvaluation(new FldReport(fld, floor, count, floorCount, _heldOut.Count, floorSeed), classReport, heldOutReport, memorization);
    }

    // Features and logits of every image, copied out of the classifier's buffers block by block.
    private (float[] Features, float[] Logits) Classify(Tensor images, CancellationToken cancellationToken)
    {
        int count = images.Dim(0);
        int dimension = _classifier.Config.FeatureDim;
        int classes = _classifier.Config.NumClasses;
        var features = new float[count * dimension];
        var logits = new float[count * classes];
        for (int start = 0; start < count; start += ClassifierBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = Math.Min(ClassifierBatch, count - start);
            var output = _classifier.Forward(images.View.Slice(0, start, rows));
            output.Features.CopyTo(features.AsSpan(start * dimension, rows * dimension));
            output.Logits.CopyTo(logits.AsSpan(start * classes, rows * classes));
        }

        return (features, logits);
    }

    private (float[] Features, float[] Logits) HeldOutOutputs(CancellationToken cancellationToken) =>
        _heldOutOutputs ??= Classify(_heldOut.Images, cancellationToken);

    // count training digits drawn without replacement (a partial Fisher-Yates shuffle seeded by seed), in draw order.
    private Tensor TrainSubset(int count, int seed)
    {
        var order = Enumerable.Range(0, _train.Count).ToArray();
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, order.Length);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var source = _train.Images.Span;
        var images = new float[count * Pixels];
        for (int i = 0; i < count; i++)
        {
            source.Slice(order[i] * Pixels, Pixels).CopyTo(images.AsSpan(i * Pixels, Pixels));
        }

        return new Tensor(images, count, 1, DigitsDataSet.ImageSize, DigitsDataSet.ImageSize);
    }
}
