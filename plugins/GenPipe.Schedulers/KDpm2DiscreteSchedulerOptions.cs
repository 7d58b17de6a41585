namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="KDpm2DiscreteScheduler"/>: the shared keys and the k-diffusion sigma schedules, with
/// diffusers' <c>KDPM2DiscreteScheduler</c> defaults.
/// </summary>
public sealed record KDpm2DiscreteSchedulerOptions : SigmaScheduleOptions;
