using GenPipe.Nn.Evaluation;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Evaluation;

/// <summary>Accuracy, confidence and coverage on logits built so that every softmax probability is a simple fraction.</summary>
public sealed class ClassReportTests
{
    // Three classes; a logit ln k against zeros gives that class k / (k + 2).
    private static readonly float[] Logits =
    [
        MathF.Log(2), 0, 0, // class 0 with 2/4
        0, MathF.Log(3), 0, // class 1 with 3/5
        0, 0, MathF.Log(4), // class 2 with 4/6; class 1 has 1/6
        MathF.Log(5), 0, 0, // class 0 with 5/7
    ];

    [Fact]
    public void Conditional_samples_get_accuracy_and_the_mean_probability_of_the_class_asked_for()
    {
        var report = ClassReport.Compute(Logits, 4, 3, [0, 1, 1, 0]);

        report.Predicted.ShouldBe([0, 1, 2, 0]);
        report.Accuracy.ShouldBe(0.75);
        report.MeanConfidence!.Value.ShouldBe(((2.0 / 4) + (3.0 / 5) + (1.0 / 6) + (5.0 / 7)) / 4, 1e-7);
        report.AccuracyPerClass!.Take(2).ShouldBe([1.0, 0.5]);
        double.IsNaN(report.AccuracyPerClass![2]).ShouldBeTrue("class 2 was never asked for");
    }

    [Fact]
    public void Coverage_is_the_share_assigned_to_each_class_and_its_minimum()
    {
        var report = ClassReport.Compute(Logits, 4, 3);

        report.Coverage.ShouldBe([0.5, 0.25, 0.25]);
        report.Coverage.Sum().ShouldBe(1.0);
        report.MinimumShare.ShouldBe(0.25);
        report.ClassesCovered.ShouldBe(3);
        report.Accuracy.ShouldBeNull("unconditional samples have no class asked for");
        report.MeanConfidence.ShouldBeNull();
        report.AccuracyPerClass.ShouldBeNull();
    }

    [Fact]
    public void A_class_no_sample_is_assigned_has_share_zero()
    {
        // Four classes, the last never the largest: a dropped mode.
        float[] logits = [1, 0, 0, -1, 0, 1, 0, -1, 0, 0, 1, -1, 1, 0, 0, -1];

        var report = ClassReport.Compute(logits, 4, 4);

        report.Coverage.ShouldBe([0.5, 0.25, 0.25, 0]);
        report.MinimumShare.ShouldBe(0);
        report.ClassesCovered.ShouldBe(3);
    }

    [Fact]
    public void Ties_go_to_the_first_largest_as_torch_argmax()
    {
        var report = ClassReport.Compute([1, 1, 0], 1, 3, [1]);

        report.Predicted.ShouldBe([0]);
        report.Accuracy.ShouldBe(0.0);
        report.MeanConfidence!.Value.ShouldBe(Math.E / ((2 * Math.E) + 1), 1e-7);
    }

    [Fact]
    public void Mismatched_inputs_are_refused()
    {
        Should.Throw<ArgumentException>(() => ClassReport.Compute(Logits, 3, 3));
        Should.Throw<ArgumentException>(() => ClassReport.Compute(Logits, 4, 3, [0, 1]));
        Should.Throw<ArgumentException>(() => ClassReport.Compute(Logits, 4, 3, [0, 1, 3, 0])).Message.ShouldContain("class 3");
        Should.Throw<ArgumentException>(() => ClassReport.Compute([0, float.NaN], 1, 2)).Message.ShouldContain("NaN");
    }
}
