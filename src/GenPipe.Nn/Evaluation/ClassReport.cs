namespace GenPipe.Nn.Evaluation;

/// <summary>
/// What a classifier says about a set of samples: which class it assigns each (the first largest logit, as
/// <c>torch.argmax</c>), the share of samples per class (coverage), and, when the classes were requested (conditional
/// samples), the accuracy and the mean probability the classifier gives the requested class.
/// </summary>
public sealed class ClassReport
{
    private ClassReport(int[] predicted, double[] coverage, double? accuracy, double? meanConfidence, double[]? accuracyPerClass)
    {
        Predicted = predicted;
        Coverage = coverage;
        Accuracy = accuracy;
        MeanConfidence = meanConfidence;
        AccuracyPerClass = accuracyPerClass;
    }

    /// <summary>The class the classifier assigns each sample.</summary>
    public IReadOnlyList<int> Predicted { get; }

    /// <summary>The share of samples assigned to each class; the shares sum to 1.</summary>
    public IReadOnlyList<double> Coverage { get; }

    /// <summary>The smallest share of <see cref="Coverage"/>: 0 when a class never appears (a dropped mode).</summary>
    public double MinimumShare => Coverage.Min();

    /// <summary>How many classes have at least one sample.</summary>
    public int ClassesCovered => Coverage.Count(share => share > 0);

    /// <summary>The share of samples assigned the class they were asked for; null without requested classes.</summary>
    public double? Accuracy { get; }

    /// <summary>The mean softmax probability of the requested class; null without requested classes.</summary>
    public double? MeanConfidence { get; }

    /// <summary>Per requested class, the share of its samples assigned it (NaN for a class never requested); null without requested classes.</summary>
    public IReadOnlyList<double>? AccuracyPerClass { get; }

    /// <summary>
    /// The report for <paramref name="count"/> rows of <paramref name="classes"/> logits (row after row), with the
    /// class each sample was asked for in <paramref name="requested"/>, or an empty span for unconditional samples.
    /// </summary>
    /// <exception cref="ArgumentException">The sizes do not agree, a requested class is out of range, or a logit is not finite.</exception>
    public static ClassReport Compute(ReadOnlySpan<float> logits, int count, int classes, ReadOnlySpan<int> requested = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (logits.Length != (long)count * classes)
        {
            throw new ArgumentException($"{count} rows of {classes} logits are {(long)count * classes} values; got {logits.Length}.", nameof(logits));
        }

        bool conditional = !requested.IsEmpty;
        if (conditional && requested.Length != count)
        {
            throw new ArgumentException($"{count} samples need {count} requested classes; got {requested.Length}.", nameof(requested));
        }

        var predicted = new int[count];
        var assigned = new int[classes];
        var asked = new int[classes];
        var right = new int[classes];
        double confidence = 0;
        for (int n = 0; n < count; n++)
        {
            var row = logits.Slice(n * classes, classes);
            int best = 0;
            for (int c = 0; c < classes; c++)
            {
                if (!float.IsFinite(row[c]))
                {
                    throw new ArgumentException($"Row {n} holds the logit {row[c]} for class {c}; a class report needs finite logits.", nameof(logits));
                }

                best = row[c] > row[best] ? c : best;
            }

            predicted[n] = best;
            assigned[best]++;
            if (conditional)
            {
                int want = requested[n];
                if ((uint)want >= (uint)classes)
                {
                    throw new ArgumentException($"Sample {n} asked for class {want}; the classifier has classes 0 to {classes - 1}.", nameof(requested));
                }

                asked[want]++;
                right[want] += best == want ? 1 : 0;
                confidence += Softmax(row, want);
            }
        }

        var coverage = assigned.Select(a => (double)a / count).ToArray();
        if (!conditional)
        {
            return new ClassReport(predicted, coverage, null, null, null);
        }

        double accuracy = (double)right.Sum() / count;
        var perClass = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            perClass[c] = asked[c] == 0 ? double.NaN : (double)right[c] / asked[c];
        }

        return new ClassReport(predicted, coverage, accuracy, confidence / count, perClass);
    }

    // softmax(row)[index] in doubles, shifted by the maximum so that no exponential overflows.
    private static double Softmax(ReadOnlySpan<float> row, int index)
    {
        double max = double.NegativeInfinity;
        foreach (float value in row)
        {
            max = Math.Max(max, value);
        }

        double sum = 0;
        foreach (float value in row)
        {
            sum += Math.Exp(value - max);
        }

        return Math.Exp(row[index] - max) / sum;
    }
}
