namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="KDpm2AncestralDiscreteScheduler"/>: the shared keys and the k-diffusion sigma schedules,
/// with diffusers' <c>KDPM2AncestralDiscreteScheduler</c> defaults.
/// </summary>
public sealed record KDpm2AncestralDiscreteSchedulerOptions : SigmaScheduleOptions
{
    /// <summary>Options with diffusers' defaults for this class (beta_start 0.00085, beta_end 0.012, linspace spacing).</summary>
    public KDpm2AncestralDiscreteSchedulerOptions()
    {
        BetaStart = 0.00085;
        BetaEnd = 0.012;
        TimestepSpacing = "linspace";
    }
}
