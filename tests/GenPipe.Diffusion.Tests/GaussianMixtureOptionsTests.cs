using System.Text.Json;
using GenPipe.Abstractions.Components;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class GaussianMixtureOptionsTests
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    [Fact]
    public void DefaultsAreValidAndDescribeATwoDimensionalMixture()
    {
        var options = new GaussianMixtureOptions();

        options.Validate().ShouldBeEmpty();
        options.Means.Length.ShouldBeInRange(4, 6);
        options.Means.ShouldAllBe(m => m.Length == 2);
        options.NumTrainTimesteps.ShouldBe(1000);
        options.BetaStart.ShouldBe(0.00085);
        options.BetaEnd.ShouldBe(0.012);
        options.BetaSchedule.ShouldBe("scaled_linear");
    }

    [Fact]
    public void BindsFromSnakeCaseJson()
    {
        const string json = """
            { "means": [[0, 1, 2], [3, 4, 5]], "stds": [0.5, 0.25], "weights": [1, 3],
              "num_train_timesteps": 500, "beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear" }
            """;

        var options = JsonSerializer.Deserialize<GaussianMixtureOptions>(json, SnakeCase)!;

        options.Validate().ShouldBeEmpty();
        options.Means[1].ShouldBe([3.0, 4.0, 5.0]);
        options.Stds.ShouldBe([0.5, 0.25]);
        options.Weights.ShouldBe([1.0, 3.0]);
        options.NumTrainTimesteps.ShouldBe(500);
        options.BetaSchedule.ShouldBe("linear");
        new GaussianMixtureDenoiser(options).SampleShape.ShouldBe([3]);
    }

    [Fact]
    public void MeanOfAnotherDimensionIsReportedAtItsIndex()
    {
        var options = new GaussianMixtureOptions { Means = [[0, 0], [1, 1], [2, 2, 2]] };

        var problem = options.Validate().ShouldHaveSingleItem();

        problem.Key.ShouldBe("means[2]");
        problem.Message.ShouldContain("means[2] has 3 values but means[0] has 2");
    }

    [Fact]
    public void EmptyMeansAndNonFiniteValuesAreReported()
    {
        Keys(new GaussianMixtureOptions { Means = [] }).ShouldBe(["means"]);
        Keys(new GaussianMixtureOptions { Means = [[0, 0], []] }).ShouldBe(["means[1]"]);
        Keys(new GaussianMixtureOptions { Means = [[0, double.NaN]] }).ShouldBe(["means[0][1]"]);
    }

    [Fact]
    public void StdsMustBePositiveAndOnePerComponentOrOneForAll()
    {
        var options = new GaussianMixtureOptions { Means = [[0], [1]], Stds = [0.3, -1, 0.2] };

        var problems = options.Validate().ToList();

        problems.Select(p => p.Key).ShouldBe(["stds", "stds[1]"]);
        problems[0].Message.ShouldContain("stds has 3 values but there are 2 means");
        problems[1].Message.ShouldContain("must be a finite number > 0");
        Keys(new GaussianMixtureOptions { Means = [[0], [1]], Stds = [0] }).ShouldBe(["stds[0]"]);
        Keys(new GaussianMixtureOptions { Means = [[0], [1]], Stds = [0.1, 0.2] }).ShouldBeEmpty();
    }

    [Fact]
    public void WeightsMustMatchTheComponentsAndBeNonNegative()
    {
        var wrongCount = new GaussianMixtureOptions { Means = [[0], [1]], Weights = [1, 1, 1] }.Validate().ShouldHaveSingleItem();
        wrongCount.Key.ShouldBe("weights");
        wrongCount.Message.ShouldContain("weights has 3 values but there are 2 means");

        var negative = new GaussianMixtureOptions { Means = [[0], [1]], Weights = [1, -0.5] }.Validate().ShouldHaveSingleItem();
        negative.Key.ShouldBe("weights[1]");
        negative.Message.ShouldContain(">= 0");

        Keys(new GaussianMixtureOptions { Means = [[0], [1]], Weights = [0, 0] }).ShouldBe(["weights"]);
    }

    [Fact]
    public void ScheduleProblemsNameTheirKeys()
    {
        var options = new GaussianMixtureOptions { NumTrainTimesteps = 1, BetaStart = 0, BetaEnd = 1.5, BetaSchedule = "squaredcos_cap_v2" };

        var problems = options.Validate().ToList();

        problems.Select(p => p.Key).ShouldBe(["num_train_timesteps", "beta_start", "beta_end", "beta_schedule"]);
        problems[3].Message.ShouldContain("linear, scaled_linear");
        Keys(new GaussianMixtureOptions { NumTrainTimesteps = int.MaxValue }).ShouldBe(["num_train_timesteps"]);
    }

    [Fact]
    public void TheDenoiserRefusesInvalidOptionsWithEveryProblem()
    {
        var options = new GaussianMixtureOptions { Means = [[0, 0], [1]], Stds = [-1] };

        var error = Should.Throw<ArgumentException>(() => new GaussianMixtureDenoiser(options));

        error.Message.ShouldContain("denoiser/gaussian-mixture");
        error.Message.ShouldContain("means[1]");
        error.Message.ShouldContain("stds[0]");
    }

    private static List<string> Keys(IValidatableOptions options) => options.Validate().Select(p => p.Key).ToList();
}
