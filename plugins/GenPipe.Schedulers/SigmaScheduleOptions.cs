using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// The sigma-schedule keys the k-diffusion family of diffusers (Euler, Heun, KDPM2, KDPM2 ancestral, LMS) shares:
/// which spacing of noise levels replaces the interpolated training sigmas.
/// </summary>
public abstract record SigmaScheduleOptions : SchedulerOptions
{
    /// <summary><c>use_karras_sigmas</c>: the sigma schedule of Karras et al. (2022), rho = 7.</summary>
    public bool UseKarrasSigmas { get; init; }

    /// <summary><c>use_exponential_sigmas</c>: sigmas evenly spaced in log space between the extremes.</summary>
    public bool UseExponentialSigmas { get; init; }

    /// <summary><c>use_beta_sigmas</c>: the beta-distribution schedule; not implemented yet, so it must stay false.</summary>
    public bool UseBetaSigmas { get; init; }

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
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
