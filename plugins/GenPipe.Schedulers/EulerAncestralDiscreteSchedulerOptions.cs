namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="EulerAncestralDiscreteScheduler"/>: the shared keys only, as diffusers'
/// <c>EulerAncestralDiscreteScheduler</c> has (its sigmas are always the interpolated training sigmas).
/// </summary>
public sealed record EulerAncestralDiscreteSchedulerOptions : SchedulerOptions
{
    /// <summary>Options with diffusers' defaults for this class (linspace spacing).</summary>
    public EulerAncestralDiscreteSchedulerOptions()
    {
        TimestepSpacing = "linspace";
    }
}
