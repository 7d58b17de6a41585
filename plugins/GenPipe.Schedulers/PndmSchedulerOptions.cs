using System.ComponentModel;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="PndmScheduler"/>: the shared keys, whether to skip the Runge-Kutta warm-up, and the final
/// cumulative alpha. The defaults are diffusers' <c>PNDMScheduler</c> defaults (Stable Diffusion sets
/// <c>skip_prk_steps</c> to true).
/// </summary>
public sealed record PndmSchedulerOptions : SchedulerOptions
{
    /// <summary>
    /// <c>skip_prk_steps</c>: start the linear multistep (PLMS) part at once, with lower-order steps, instead of
    /// warming up with three pseudo Runge-Kutta steps (12 model calls).
    /// </summary>
    [Description("Start the linear multistep (PLMS) part at once, with lower-order steps, instead of warming up with three pseudo Runge-Kutta steps (12 model calls).")]
    public bool SkipPrkSteps { get; init; }

    /// <summary><c>set_alpha_to_one</c>: the cumulative alpha after the last step is 1 instead of that of timestep 0.</summary>
    [Description("The cumulative alpha after the last step is 1 instead of that of timestep 0.")]
    public bool SetAlphaToOne { get; init; }

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (RescaleBetasZeroSnr)
        {
            yield return new OptionProblem("rescale_betas_zero_snr", "is not supported by PNDM (its transfer divides by sqrt(a_t)); set it to false.");
        }

        if (PredictionType == "sample")
        {
            yield return new OptionProblem("prediction_type", "'sample' is not supported by PNDM; use \"epsilon\" or \"v_prediction\".");
        }
    }
}
