using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// The configuration every diffusers-style scheduler shares: the training noise schedule and how inference timesteps
/// are spaced. The JSON keys are diffusers' <c>scheduler_config.json</c> keys (snake_case of the property names), and
/// the initialisers are diffusers' defaults, so a <c>scheduler_config.json</c> binds unchanged.
/// </summary>
public abstract record SchedulerOptions : IValidatableOptions, INoiseScheduleOptions
{
    /// <summary>The beta schedules this library computes (<c>beta_schedule</c>).</summary>
    public static readonly IReadOnlyList<string> BetaSchedules = ["linear", "scaled_linear", "squaredcos_cap_v2"];

    /// <summary>The timestep spacings this library computes (<c>timestep_spacing</c>).</summary>
    public static readonly IReadOnlyList<string> TimestepSpacings = ["leading", "trailing", "linspace"];

    /// <summary>The prediction types this library understands (<c>prediction_type</c>).</summary>
    public static readonly IReadOnlyList<string> PredictionTypes = ["epsilon", "v_prediction", "sample"];

    /// <summary><c>num_train_timesteps</c>: the number of diffusion steps the model was trained with.</summary>
    [Description("The number of diffusion steps the model was trained with.")]
    [Range(1, 1_000_000)]
    public int NumTrainTimesteps { get; init; } = 1000;

    /// <summary><c>beta_start</c>: the first beta of the training schedule.</summary>
    [Description("The first beta of the training schedule.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double BetaStart { get; init; } = 0.0001;

    /// <summary><c>beta_end</c>: the last beta of the training schedule.</summary>
    [Description("The last beta of the training schedule.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double BetaEnd { get; init; } = 0.02;

    /// <summary><c>beta_schedule</c>: <c>linear</c>, <c>scaled_linear</c> or <c>squaredcos_cap_v2</c>.</summary>
    [Description("Linear, scaled_linear or squaredcos_cap_v2.")]
    public string BetaSchedule { get; init; } = "linear";

    /// <summary><c>trained_betas</c>: explicit betas, one per training step; overrides the schedule when set.</summary>
    [Description("Explicit betas, one per training step; overrides the schedule when set.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double[]? TrainedBetas { get; init; }

    /// <summary><c>prediction_type</c>: <c>epsilon</c>, <c>v_prediction</c> or <c>sample</c>.</summary>
    [Description("Epsilon, v_prediction or sample.")]
    [AllowedValues("epsilon", "v_prediction", "sample")]
    public string PredictionType { get; init; } = "epsilon";

    /// <summary><c>timestep_spacing</c>: <c>leading</c>, <c>trailing</c> or <c>linspace</c>.</summary>
    [Description("Leading, trailing or linspace.")]
    [AllowedValues("leading", "trailing", "linspace")]
    public string TimestepSpacing { get; init; } = "leading";

    /// <summary><c>steps_offset</c>: added to every timestep of the <c>leading</c> spacing (Stable Diffusion uses 1).</summary>
    [Description("Added to every timestep of the leading spacing (Stable Diffusion uses 1).")]
    [Range(0, 1_000_000)]
    public int StepsOffset { get; init; }

    /// <summary><c>rescale_betas_zero_snr</c>: rescale the betas to zero terminal SNR (Lin et al., 2023).</summary>
    [Description("Rescale the betas to zero terminal SNR (Lin et al., 2023).")]
    public bool RescaleBetasZeroSnr { get; init; }

    /// <summary>The training schedule, for the compile-time check against the denoiser's; null with <c>trained_betas</c>.</summary>
    NoiseScheduleSpec? INoiseScheduleOptions.NoiseSchedule =>
        TrainedBetas is null ? new NoiseScheduleSpec(NumTrainTimesteps, BetaSchedule, BetaStart, BetaEnd, RescaleBetasZeroSnr) : null;

    /// <summary>The problems with these options, each naming its key and the values it accepts.</summary>
    public virtual IEnumerable<OptionProblem> Validate()
    {
        if (NumTrainTimesteps < 1)
        {
            yield return new OptionProblem("num_train_timesteps", $"must be at least 1, got {NumTrainTimesteps}.");
        }

        if (TrainedBetas is null)
        {
            if (!BetaSchedules.Contains(BetaSchedule))
            {
                yield return OneOf("beta_schedule", BetaSchedule, BetaSchedules);
            }

            if (!(BetaStart > 0 && BetaStart < 1) || !(BetaEnd > 0 && BetaEnd < 1))
            {
                yield return new OptionProblem(
                    BetaStart > 0 && BetaStart < 1 ? "beta_end" : "beta_start",
                    $"betas must lie in (0, 1), got beta_start={BetaStart} and beta_end={BetaEnd}.");
            }
        }
        else
        {
            if (TrainedBetas.Length != NumTrainTimesteps)
            {
                yield return new OptionProblem(
                    "trained_betas",
                    $"needs one beta per training step: {NumTrainTimesteps} (num_train_timesteps) values, got {TrainedBetas.Length}.");
            }

            int bad = Array.FindIndex(TrainedBetas, b => !(b >= 0 && b < 1));
            if (bad >= 0)
            {
                yield return new OptionProblem($"trained_betas[{bad}]", $"must lie in [0, 1), got {TrainedBetas[bad]}.");
            }
        }

        if (!PredictionTypes.Contains(PredictionType))
        {
            yield return OneOf("prediction_type", PredictionType, PredictionTypes);
        }

        if (!TimestepSpacings.Contains(TimestepSpacing))
        {
            yield return OneOf("timestep_spacing", TimestepSpacing, TimestepSpacings);
        }

        if (StepsOffset < 0)
        {
            yield return new OptionProblem("steps_offset", $"must not be negative, got {StepsOffset}.");
        }
    }

    /// <summary>The parsed <c>prediction_type</c>.</summary>
    internal Abstractions.Models.PredictionType ParsedPredictionType() => PredictionType switch
    {
        "epsilon" => Abstractions.Models.PredictionType.Epsilon,
        "v_prediction" => Abstractions.Models.PredictionType.VPrediction,
        "sample" => Abstractions.Models.PredictionType.Sample,
        _ => throw new ArgumentException(OneOf("prediction_type", PredictionType, PredictionTypes).Message),
    };

    /// <summary>Throws when <see cref="Validate"/> finds problems, listing them all.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public void ThrowIfInvalid()
    {
        var problems = Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(
                $"Invalid {GetType().Name}: " + string.Join(" ", problems.Select(p => $"'{p.Key}' {p.Message}")));
        }
    }

    /// <summary>A problem for a string option outside its allowed values.</summary>
    protected static OptionProblem OneOf(string key, string? value, IEnumerable<string> allowed) =>
        new(key, $"'{value}' is not supported; use one of: {string.Join(", ", allowed.Select(a => $"\"{a}\""))}.");
}
