using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="DpmSolverSdeScheduler"/>: the shared keys, the k-diffusion sigma schedules and
/// <c>noise_sampler_seed</c>, with diffusers' <c>DPMSolverSDEScheduler</c> defaults, plus <c>s_noise</c> (a
/// <c>step()</c> argument in diffusers).
/// </summary>
public record DpmSolverSdeSchedulerOptions : SigmaScheduleOptions
{
    /// <summary>Options with diffusers' defaults for this class (beta_start 0.00085, beta_end 0.012, linspace spacing).</summary>
    public DpmSolverSdeSchedulerOptions()
    {
        BetaStart = 0.00085;
        BetaEnd = 0.012;
        TimestepSpacing = "linspace";
    }

    /// <summary>
    /// <c>noise_sampler_seed</c>: seeds torchsde's Brownian tree in diffusers. Accepted so that configs bind, but it
    /// has no effect here: the Brownian increments come from the <c>IRandomSource</c> passed to <c>Step</c>.
    /// </summary>
    [Description("Seeds torchsde's Brownian tree in diffusers. Accepted so that configs bind, but it has no effect here: the Brownian increments come from the IRandomSource passed to Step.")]
    public long? NoiseSamplerSeed { get; init; }

    /// <summary><c>s_noise</c>: the scale of the injected noise (1 is the SDE; 0 drops the noise, not the ancestral split).</summary>
    [Description("The scale of the injected noise (1 is the SDE; 0 drops the noise, not the ancestral split).")]
    [Range(0.0, double.MaxValue)]
    public double SNoise { get; init; } = 1.0;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(SNoise >= 0))
        {
            yield return new OptionProblem("s_noise", $"must not be negative, got {SNoise}.");
        }
    }
}
