using System.ComponentModel;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// The sigma-schedule keys the k-diffusion family of diffusers (Euler, Heun, KDPM2, KDPM2 ancestral, LMS) shares:
/// which spacing of noise levels replaces the interpolated training sigmas.
/// </summary>
public abstract record SigmaScheduleOptions : SchedulerOptions
{
    /// <summary><c>use_karras_sigmas</c>: the sigma schedule of Karras et al. (2022), rho = 7.</summary>
    [Description("The sigma schedule of Karras et al. (2022), rho = 7.")]
    public bool UseKarrasSigmas { get; init; }

    /// <summary><c>use_exponential_sigmas</c>: sigmas evenly spaced in log space between the extremes.</summary>
    [Description("Sigmas evenly spaced in log space between the extremes.")]
    public bool UseExponentialSigmas { get; init; }

    /// <summary><c>use_beta_sigmas</c>: the beta-distribution schedule; not implemented yet, so it must stay false.</summary>
    [Description("The beta-distribution schedule; not implemented yet, so it must stay false.")]
    public bool UseBetaSigmas { get; init; }

    /// <summary>
    /// Whether the scheduler handles <c>rescale_betas_zero_snr</c> (an infinite last sigma); of the family only Euler's
    /// diffusers class has the key, the others would run into sigma = infinity.
    /// </summary>
    protected virtual bool SupportsZeroTerminalSnr => false;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (RescaleBetasZeroSnr && !SupportsZeroTerminalSnr)
        {
            yield return new OptionProblem(
                "rescale_betas_zero_snr", $"is not supported by {GetType().Name.Replace("Options", "", StringComparison.Ordinal)}; set it to false or use scheduler/euler.");
        }

        if (UseBetaSigmas)
        {
            yield return new OptionProblem("use_beta_sigmas", "is not implemented yet; set it to false (or use use_karras_sigmas).");
        }

        if (UseKarrasSigmas && UseExponentialSigmas)
        {
            yield return new OptionProblem("use_exponential_sigmas", "cannot be combined with use_karras_sigmas; set one of them to false.");
        }
    }
}
