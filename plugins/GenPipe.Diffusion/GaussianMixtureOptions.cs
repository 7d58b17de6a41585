using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Diffusion;

/// <summary>
/// Options of <c>denoiser/gaussian-mixture</c>, bound from the component's <c>options</c> JSON with snake_case keys
/// (<c>means</c>, <c>stds</c>, <c>weights</c>, <c>num_train_timesteps</c>, <c>beta_start</c>, <c>beta_end</c>,
/// <c>beta_schedule</c>). The defaults describe a ring of five clusters around a sixth, in 2-D, and Stable Diffusion's
/// training schedule.
/// </summary>
public sealed class GaussianMixtureOptions : IValidatableOptions, INoiseScheduleOptions, ISampleShapeOptions
{
    /// <summary>The largest accepted <see cref="NumTrainTimesteps"/>: far beyond any real schedule, small enough to allocate.</summary>
    public const int MaxTrainTimesteps = 1_000_000;

    /// <summary>The component means: K vectors of one dimension D.</summary>
    [Description("The component means: K vectors of one dimension D.")]
    public double[][] Means { get; set; } =
    [
        [0.0, 0.0],
        [0.0, 2.0],
        [-1.902, 0.618],
        [-1.176, -1.618],
        [1.176, -1.618],
        [1.902, 0.618],
    ];

    /// <summary>The isotropic standard deviation of each component, or a single value for all of them.</summary>
    [Description("The isotropic standard deviation of each component, or a single value for all of them.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double[] Stds { get; set; } = [0.3];

    /// <summary>The mixture weights (normalised to sum to 1), or null for equal weights.</summary>
    [Description("The mixture weights (normalised to sum to 1), or null for equal weights.")]
    [Range(0.0, double.MaxValue)]
    public double[]? Weights { get; set; }

    /// <summary>The number of training timesteps of the schedule the model was "trained" with.</summary>
    [Description("The number of training timesteps of the schedule the model was \"trained\" with.")]
    [Range(2, MaxTrainTimesteps)]
    public int NumTrainTimesteps { get; set; } = 1000;

    /// <summary>The first beta of the training schedule.</summary>
    [Description("The first beta of the training schedule.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double BetaStart { get; set; } = 0.00085;

    /// <summary>The last beta of the training schedule.</summary>
    [Description("The last beta of the training schedule.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double BetaEnd { get; set; } = 0.012;

    /// <summary><c>scaled_linear</c> or <c>linear</c>, as diffusers names them.</summary>
    [Description("Scaled_linear or linear, as diffusers names them.")]
    [AllowedValues("linear", "scaled_linear")]
    public string BetaSchedule { get; set; } = "scaled_linear";

    /// <summary>The schedule the mixture's noise levels follow; the <c>diffuse</c> step warns when its scheduler's differs.</summary>
    NoiseScheduleSpec? INoiseScheduleOptions.NoiseSchedule => new(NumTrainTimesteps, BetaSchedule, BetaStart, BetaEnd);

    /// <summary>[D], the dimension of the means, so the memory of a batch is known before the run.</summary>
    IReadOnlyList<int>? ISampleShapeOptions.SampleShape => Means is { Length: > 0 } && Means[0] is { Length: > 0 } first ? [first.Length] : null;

    /// <inheritdoc />
    public IEnumerable<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        ValidateMeans(problems);
        ValidateStds(problems);
        ValidateWeights(problems);
        ValidateSchedule(problems);
        return problems;
    }

    private void ValidateMeans(List<OptionProblem> problems)
    {
        if (Means is null || Means.Length == 0)
        {
            problems.Add(new("means", "Give at least one component mean, e.g. \"means\": [[0, 0], [2, 2]]."));
            return;
        }

        int? dimension = null;
        int firstIndex = -1;
        for (int k = 0; k < Means.Length; k++)
        {
            double[]? mean = Means[k];
            if (mean is null || mean.Length == 0)
            {
                problems.Add(new($"means[{k}]", "Each mean needs at least one value."));
                continue;
            }

            if (dimension is null)
            {
                dimension = mean.Length;
                firstIndex = k;
            }
            else if (mean.Length != dimension)
            {
                problems.Add(new(
                    $"means[{k}]",
                    $"means[{k}] has {mean.Length} values but means[{firstIndex}] has {dimension}; every mean needs the same dimension."));
            }

            for (int d = 0; d < mean.Length; d++)
            {
                if (!double.IsFinite(mean[d]))
                {
                    problems.Add(new($"means[{k}][{d}]", $"The value {mean[d]} is not a finite number."));
                }
            }
        }
    }

    private void ValidateStds(List<OptionProblem> problems)
    {
        if (Stds is null || Stds.Length == 0)
        {
            problems.Add(new("stds", "Give one standard deviation per component, or a single value for all, e.g. \"stds\": [0.3]."));
            return;
        }

        int components = Means?.Length ?? 0;
        if (Stds.Length != 1 && components > 0 && Stds.Length != components)
        {
            problems.Add(new(
                "stds",
                $"stds has {Stds.Length} values but there are {components} means; give one per component or a single value for all."));
        }

        for (int k = 0; k < Stds.Length; k++)
        {
            if (!(Stds[k] > 0) || !double.IsFinite(Stds[k]))
            {
                problems.Add(new($"stds[{k}]", $"stds[{k}] is {Stds[k]}; a standard deviation must be a finite number > 0."));
            }
        }
    }

    private void ValidateWeights(List<OptionProblem> problems)
    {
        if (Weights is null)
        {
            return;
        }

        int components = Means?.Length ?? 0;
        if (components > 0 && Weights.Length != components)
        {
            problems.Add(new(
                "weights",
                $"weights has {Weights.Length} values but there are {components} means; give one weight per component, or leave weights out for equal weights."));
        }

        double sum = 0;
        bool allValid = true;
        for (int k = 0; k < Weights.Length; k++)
        {
            if (!(Weights[k] >= 0) || !double.IsFinite(Weights[k]))
            {
                problems.Add(new($"weights[{k}]", $"weights[{k}] is {Weights[k]}; weights must be finite and >= 0."));
                allValid = false;
            }
            else
            {
                sum += Weights[k];
            }
        }

        if (allValid && Weights.Length > 0 && sum <= 0)
        {
            problems.Add(new("weights", "The weights sum to 0; at least one weight must be positive."));
        }
    }

    private void ValidateSchedule(List<OptionProblem> problems)
    {
        if (NumTrainTimesteps < 2 || NumTrainTimesteps > MaxTrainTimesteps)
        {
            problems.Add(new(
                "num_train_timesteps",
                $"num_train_timesteps is {NumTrainTimesteps}; it must lie between 2 and {MaxTrainTimesteps} (diffusers' default is 1000)."));
        }

        if (!(BetaStart > 0 && BetaStart < 1))
        {
            problems.Add(new("beta_start", $"beta_start is {BetaStart}; it must lie in (0, 1) (Stable Diffusion uses 0.00085)."));
        }

        if (!(BetaEnd > 0 && BetaEnd < 1))
        {
            problems.Add(new("beta_end", $"beta_end is {BetaEnd}; it must lie in (0, 1) (Stable Diffusion uses 0.012)."));
        }

        if (BetaSchedule is null || !TrainingNoiseSchedule.ScheduleNames.Contains(BetaSchedule))
        {
            problems.Add(new(
                "beta_schedule",
                $"Unknown beta_schedule '{BetaSchedule}'; use one of: {string.Join(", ", TrainingNoiseSchedule.ScheduleNames)}."));
        }
    }
}
