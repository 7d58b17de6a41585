using GenPipe.Nn.Data;
using GenPipe.Nn.Evaluation;
using GenPipe.Nn.Models.Digits;
using GenPipe.Nn.Tests.Digits;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Evaluation;

/// <summary>
/// The evaluator on real digits posing as samples, where the answers are known: training digits are exact copies
/// (distance 0, all near copies) that the classifier reads as their labels; held-out digits are as far from the
/// training set as the held-out digits are (ratio about 1, few near copies) and close to the floor in FLD.
/// </summary>
public sealed class DigitsEvaluatorTests(ITestOutputHelper log)
{
    private static readonly Lazy<(DigitsEvaluator Evaluator, DigitsDataSet Train)> Shared = new(() =>
    {
        var train = DigitsDataSet.Load(DigitsFiles.DataSet, DigitsDataSet.Train);
        var classifier = DigitClassifier.Load(DigitsFiles.ShippedClassifier, TensorBackends.Cpu);
        return (new DigitsEvaluator(classifier, train, DigitsFiles.HeldOut), train);
    });

    [Fact]
    public void Training_digits_are_exact_copies_read_as_their_labels()
    {
        var (evaluator, train) = Shared.Value;
        int[] picked = Enumerable.Range(0, 400).Select(i => (i * 19) % train.Count).ToArray();
        var samples = Pick(train, picked);

        var result = evaluator.Evaluate(samples, picked.Select(i => train.Labels[i]).ToArray(), floorSeed: 1);
        log.WriteLine($"FLD {result.Fld.Samples:0.000}, floor {result.Fld.Floor:0.000}, accuracy {result.Classes.Accuracy:0.000}");

        result.Memorization.MedianSampleDistance.ShouldBe(0);
        result.Memorization.NearCopies.ShouldBe(400);
        result.Memorization.MedianHeldOutDistance.ShouldBeGreaterThan(1, "held-out digits are not in the training set");
        result.Classes.Accuracy!.Value.ShouldBeGreaterThan(0.97);
        result.Classes.MeanConfidence!.Value.ShouldBeInRange(0.9, 1.0);
        result.Classes.Coverage.Sum().ShouldBe(1, 1e-12);
        result.HeldOutClasses.Accuracy.ShouldBe(0.99, "1980 of 2000, as metrics.json recorded");
        result.Fld.Samples.ShouldBeGreaterThan(0);
        result.Fld.Floor.ShouldBeGreaterThan(0);
        result.Fld.Ratio.ShouldBeInRange(0.5, 2.0, "400 training digits against another 400");
        result.Fld.FloorCount.ShouldBe(400);
        result.Fld.HeldOutCount.ShouldBe(2000);
    }

    [Fact]
    public void Held_out_digits_are_as_far_from_the_training_set_as_the_held_out_digits()
    {
        var (evaluator, _) = Shared.Value;
        var heldOut = DigitsFiles.HeldOut;
        int[] picked = Enumerable.Range(0, 500).Select(i => i * 4).ToArray();

        var result = evaluator.Evaluate(Pick(heldOut, picked), requested: null, floorSeed: 2);
        log.WriteLine($"ratio {result.Memorization.Ratio:0.000}, near copies {result.Memorization.NearCopyShare:0.000}, FLD {result.Fld.Samples:0.000} vs floor {result.Fld.Floor:0.000}");

        result.Memorization.Ratio.ShouldBeInRange(0.9, 1.1);
        result.Memorization.NearCopyShare.ShouldBeLessThan(0.04);
        result.Classes.Accuracy.ShouldBeNull();
        result.Classes.MinimumShare.ShouldBeGreaterThan(0.05, "every digit is among 500 held-out digits");
        result.Fld.Ratio.ShouldBeInRange(0.3, 2.0);
    }

    [Fact]
    public void Samples_of_the_wrong_shape_are_refused()
    {
        var (evaluator, _) = Shared.Value;

        Should.Throw<ArgumentException>(() => evaluator.Evaluate(Tensor.Zeros(4, 1, 14, 14))).Message.ShouldContain("[4, 1, 14, 14]");
        Should.Throw<ArgumentException>(() => evaluator.Evaluate(Tensor.Zeros(1, 1, 28, 28))).Message.ShouldContain("at least 2");
    }

    private static Tensor Pick(DigitsDataSet part, int[] indices)
    {
        int pixels = DigitsEvaluator.Pixels;
        var values = new float[indices.Length * pixels];
        var source = part.Images.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            source.Slice(indices[i] * pixels, pixels).CopyTo(values.AsSpan(i * pixels, pixels));
        }

        return new Tensor(values, indices.Length, 1, 28, 28);
    }
}
